package dev.hmd.slo;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;

/**
 * Where one stage of a release stands. {@code startedAt} is when the stage began (its split was
 * asked for); {@code soakStartedAt} is when that split was confirmed applied at Cloudflare, and
 * the soak runs from there to {@code soakEndsAt}, both persisted so a restart neither restarts
 * nor skips it. The check counts are of checks taken into this stage (see
 * {@link ReleaseMachine}).
 */
public record StageState(
  int index,
  StageStatus status,
  Instant startedAt,
  Instant soakStartedAt,
  Instant soakEndsAt,
  Instant completedAt,
  Instant approvalDeadline,
  int passedChecks,
  int failedChecks,
  int inconclusiveChecks) {

  public StageState {
    Objects.requireNonNull(status, "status");
  }

  static StageState pending(int index) {
    return new StageState(index, StageStatus.PENDING, null, null, null, null, null, 0, 0, 0);
  }

  /** The soak ended, or can end, with evidence that the version is healthy. */
  public boolean hadConclusivePass() {
    return passedChecks > 0;
  }

  public boolean soakClockStarted() {
    return soakStartedAt != null;
  }

  /** Whether a check window that began at {@code windowStart} (null: unknown) was measured inside this soak. */
  public boolean measuredThisSoak(Instant windowStart) {
    return soakClockStarted() && (windowStart == null || !windowStart.isBefore(soakStartedAt));
  }

  StageState withStatus(StageStatus newStatus) {
    return new StageState(index, newStatus, startedAt, soakStartedAt, soakEndsAt, completedAt, approvalDeadline,
      passedChecks, failedChecks, inconclusiveChecks);
  }

  StageState started(Instant now) {
    return new StageState(index, StageStatus.SOAKING, now, null, null, null, null, 0, 0, 0);
  }

  StageState soakClockStarted(Instant now, Instant endsAt) {
    return new StageState(index, status, startedAt, now, endsAt, completedAt, approvalDeadline, passedChecks,
      failedChecks, inconclusiveChecks);
  }

  StageState completed(StageStatus newStatus, Instant now) {
    return new StageState(index, newStatus, startedAt, soakStartedAt, soakEndsAt, now, approvalDeadline,
      passedChecks, failedChecks, inconclusiveChecks);
  }

  StageState awaitingApproval(Instant deadline) {
    return new StageState(index, StageStatus.AWAITING_APPROVAL, startedAt, soakStartedAt, soakEndsAt, completedAt,
      deadline, passedChecks, failedChecks, inconclusiveChecks);
  }

  StageState counted(Verdict verdict) {
    return new StageState(index, status, startedAt, soakStartedAt, soakEndsAt, completedAt, approvalDeadline,
      passedChecks + (verdict == Verdict.PASS ? 1 : 0),
      failedChecks + (verdict == Verdict.FAIL ? 1 : 0),
      inconclusiveChecks + (verdict == Verdict.INCONCLUSIVE ? 1 : 0));
  }

  /** For the releases table's {@code stages} column; times are RFC 3339 strings or null. */
  public JsonObject toJson() {
    return new JsonObject()
      .put("index", index)
      .put("state", status.wireName())
      .put("startedAt", text(startedAt))
      .put("soakStartedAt", text(soakStartedAt))
      .put("soakEndsAt", text(soakEndsAt))
      .put("completedAt", text(completedAt))
      .put("approvalDeadline", text(approvalDeadline))
      .put("passedChecks", passedChecks)
      .put("failedChecks", failedChecks)
      .put("inconclusiveChecks", inconclusiveChecks);
  }

  /** Reads what {@link #toJson()} wrote; throws on a corrupt row. */
  public static StageState fromJson(JsonObject json) {
    return new StageState(
      json.getInteger("index"),
      StageStatus.fromWireName(json.getString("state"))
        .orElseThrow(() -> new IllegalArgumentException("unknown stage state " + json.getString("state"))),
      instant(json.getString("startedAt")),
      instant(json.getString("soakStartedAt")),
      instant(json.getString("soakEndsAt")),
      instant(json.getString("completedAt")),
      instant(json.getString("approvalDeadline")),
      json.getInteger("passedChecks", 0),
      json.getInteger("failedChecks", 0),
      json.getInteger("inconclusiveChecks", 0));
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  private static Instant instant(String text) {
    return text == null ? null : Instant.parse(text);
  }
}
