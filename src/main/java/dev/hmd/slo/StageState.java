package dev.hmd.slo;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
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

  /** The soak ends at {@code endsAt} instead (a pause moved it). */
  StageState soakEndingAt(Instant endsAt) {
    return new StageState(index, status, startedAt, soakStartedAt, endsAt, completedAt, approvalDeadline, passedChecks,
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

  /** For the releases table's {@code stages} column (as JSON); times are RFC 3339 strings or null. */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("index", index);
    map.put("state", status.wireName());
    map.put("startedAt", text(startedAt));
    map.put("soakStartedAt", text(soakStartedAt));
    map.put("soakEndsAt", text(soakEndsAt));
    map.put("completedAt", text(completedAt));
    map.put("approvalDeadline", text(approvalDeadline));
    map.put("passedChecks", passedChecks);
    map.put("failedChecks", failedChecks);
    map.put("inconclusiveChecks", inconclusiveChecks);
    return map;
  }

  /** Reads what {@link #toMap()} wrote; throws on a corrupt row. */
  public static StageState fromMap(Map<String, ?> map) {
    return new StageState(
      number(map, "index", null),
      StageStatus.fromWireName((String) map.get("state"))
        .orElseThrow(() -> new IllegalArgumentException("unknown stage state " + map.get("state"))),
      instant(map.get("startedAt")),
      instant(map.get("soakStartedAt")),
      instant(map.get("soakEndsAt")),
      instant(map.get("completedAt")),
      instant(map.get("approvalDeadline")),
      number(map, "passedChecks", 0),
      number(map, "failedChecks", 0),
      number(map, "inconclusiveChecks", 0));
  }

  private static int number(Map<String, ?> map, String field, Integer fallback) {
    Object value = map.get(field);
    if (value instanceof Number n) {
      return n.intValue();
    }
    if (value == null && fallback != null) {
      return fallback;
    }
    throw new IllegalArgumentException("stage field " + field + " is " + value + ", not a number");
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  private static Instant instant(Object text) {
    return text == null ? null : Instant.parse((String) text);
  }
}
