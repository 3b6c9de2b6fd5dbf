package dev.hmd.slo;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where one stage of a release stands. {@code startedAt} is when the stage began (its split was
 * asked for); {@code soakStartedAt} is when that split was confirmed applied at Cloudflare, and
 * the soak runs from there to {@code soakEndsAt}, or while it waits for conclusive evidence up to
 * {@code maxSoakEndsAt}, all persisted so a restart neither restarts nor skips it. The check
 * counts are of checks taken into this stage; {@code evidence} is what its own windows showed,
 * pooled; {@code waiting} what a stage whose soak time is up still waits for (see
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
  int inconclusiveChecks,
  Instant maxSoakEndsAt,
  Waiting waiting,
  StageEvidence evidence) {

  public StageState {
    Objects.requireNonNull(status, "status");
    waiting = waiting == null ? Waiting.NONE : waiting;
    evidence = evidence == null ? StageEvidence.empty() : evidence;
  }

  /** A stage as it was before evidence was pooled: no longest soak, nothing waited for, no evidence. */
  public StageState(int index, StageStatus status, Instant startedAt, Instant soakStartedAt, Instant soakEndsAt,
                    Instant completedAt, Instant approvalDeadline, int passedChecks, int failedChecks,
                    int inconclusiveChecks) {
    this(index, status, startedAt, soakStartedAt, soakEndsAt, completedAt, approvalDeadline, passedChecks, failedChecks,
      inconclusiveChecks, null, null, null);
  }

  static StageState pending(int index) {
    return new StageState(index, StageStatus.PENDING, null, null, null, null, null, 0, 0, 0);
  }

  /** The pooled evidence was last judged a pass. */
  public boolean hadConclusivePass() {
    return evidence.verdict() == Verdict.PASS;
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
      passedChecks, failedChecks, inconclusiveChecks, maxSoakEndsAt, waiting, evidence);
  }

  StageState started(Instant now) {
    return new StageState(index, StageStatus.SOAKING, now, null, null, null, null, 0, 0, 0, null, null, null);
  }

  StageState soakClockStarted(Instant now, Instant endsAt, Instant longestEndsAt) {
    return new StageState(index, status, startedAt, now, endsAt, completedAt, approvalDeadline, passedChecks,
      failedChecks, inconclusiveChecks, longestEndsAt, waiting, evidence);
  }

  /**
   * The soak ends at {@code endsAt} and its longest extension at {@code longestEndsAt} instead (a pause moved both).
   */
  StageState soakEndingAt(Instant endsAt, Instant longestEndsAt) {
    return new StageState(index, status, startedAt, soakStartedAt, endsAt, completedAt, approvalDeadline, passedChecks,
      failedChecks, inconclusiveChecks, longestEndsAt, waiting, evidence);
  }

  StageState completed(StageStatus newStatus, Instant now) {
    return new StageState(index, newStatus, startedAt, soakStartedAt, soakEndsAt, now, approvalDeadline,
      passedChecks, failedChecks, inconclusiveChecks, maxSoakEndsAt, Waiting.NONE, evidence);
  }

  StageState awaitingApproval(Instant deadline) {
    return new StageState(index, StageStatus.AWAITING_APPROVAL, startedAt, soakStartedAt, soakEndsAt, completedAt,
      deadline, passedChecks, failedChecks, inconclusiveChecks, maxSoakEndsAt, Waiting.NONE, evidence);
  }

  StageState counted(Verdict verdict) {
    return new StageState(index, status, startedAt, soakStartedAt, soakEndsAt, completedAt, approvalDeadline,
      passedChecks + (verdict == Verdict.PASS ? 1 : 0),
      failedChecks + (verdict == Verdict.FAIL ? 1 : 0),
      inconclusiveChecks + (verdict == Verdict.INCONCLUSIVE ? 1 : 0), maxSoakEndsAt, waiting, evidence);
  }

  StageState withEvidence(StageEvidence newEvidence) {
    return new StageState(index, status, startedAt, soakStartedAt, soakEndsAt, completedAt, approvalDeadline,
      passedChecks, failedChecks, inconclusiveChecks, maxSoakEndsAt, waiting, newEvidence);
  }

  StageState waitingFor(Waiting what) {
    return new StageState(index, status, startedAt, soakStartedAt, soakEndsAt, completedAt, approvalDeadline,
      passedChecks, failedChecks, inconclusiveChecks, maxSoakEndsAt, what, evidence);
  }

  /** For the releases table's {@code stages} column (as JSON); times are RFC 3339 strings or null. */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("index", index);
    map.put("state", status.wireName());
    map.put("startedAt", text(startedAt));
    map.put("soakStartedAt", text(soakStartedAt));
    map.put("soakEndsAt", text(soakEndsAt));
    map.put("maxSoakEndsAt", text(maxSoakEndsAt));
    map.put("completedAt", text(completedAt));
    map.put("approvalDeadline", text(approvalDeadline));
    map.put("passedChecks", passedChecks);
    map.put("failedChecks", failedChecks);
    map.put("inconclusiveChecks", inconclusiveChecks);
    map.put("waiting", waiting.wireName());
    // a stage not started has seen nothing: kept short, the column is rewritten on every check
    map.put("evidence", startedAt == null ? null : evidence.toMap());
    return map;
  }

  /** Reads what {@link #toMap()} wrote (rows from before evidence was pooled too); throws on a corrupt row. */
  @SuppressWarnings("unchecked")
  public static StageState fromMap(Map<String, ?> map) {
    Object waiting = map.get("waiting");
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
      number(map, "inconclusiveChecks", 0),
      instant(map.get("maxSoakEndsAt")),
      waiting == null ? Waiting.NONE : Waiting.fromWireName((String) waiting)
        .orElseThrow(() -> new IllegalArgumentException("unknown waiting " + waiting)),
      StageEvidence.fromMap((Map<String, ?>) map.get("evidence")));
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
