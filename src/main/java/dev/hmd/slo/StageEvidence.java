package dev.hmd.slo;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a stage has seen: its evidence, pooled over the windows served under its own split
 * (those that began at or after its split was confirmed serving and ended before the next split
 * was asked for). {@code looks} counts the windows judged alone for the stage that could have
 * failed (they had the requests a fail needs), its own and those that straddle its start, and
 * {@code pooledLooks} the looks at its pooled evidence that could have failed, for
 * {@link AlphaSpending}; {@code windows} counts its own windows, {@code checkedUntil} is the end
 * of the last of them. {@code verdict} and {@code reason} are the last judgement of the pooled
 * evidence (null before the first): a stage can pass only on a pooled pass.
 */
public record StageEvidence(
  int looks,
  int windows,
  Instant checkedUntil,
  PooledStats newStats,
  PooledStats oldStats,
  Verdict verdict,
  String reason,
  int pooledLooks) {

  public StageEvidence {
    newStats = newStats == null ? PooledStats.empty() : newStats;
    oldStats = oldStats == null ? PooledStats.empty() : oldStats;
  }

  public static StageEvidence empty() {
    return new StageEvidence(0, 0, null, null, null, null, null, 0);
  }

  /** One more window judged alone that could have failed. */
  public StageEvidence looked() {
    return new StageEvidence(looks + 1, windows, checkedUntil, newStats, oldStats, verdict, reason, pooledLooks);
  }

  /** A window of the stage's own that ended at {@code windowEnd}, pooled, every measure of both versions. */
  public StageEvidence pooled(VersionStats newWindow, VersionStats oldWindow, Instant windowEnd) {
    return new StageEvidence(looks, windows + 1, later(checkedUntil, windowEnd), newStats.plus(newWindow),
      oldStats.plus(oldWindow), verdict, reason, pooledLooks);
  }

  /**
   * A window of the stage's own, pooled as {@code plan} judges it: the percentiles of the measures
   * its SLOs use, and the old version only when a relative SLO compares with it.
   */
  public StageEvidence pooled(Plan plan, VersionStats newWindow, VersionStats oldWindow, Instant windowEnd) {
    java.util.Set<Sli.Kind> measures = java.util.EnumSet.noneOf(Sli.Kind.class);
    boolean relative = false;
    for (Slo slo : plan.slos()) {
      measures.add(slo.sli().kind());
      relative |= slo.mode() == SloMode.RELATIVE;
    }
    return new StageEvidence(looks, windows + 1, later(checkedUntil, windowEnd), newStats.plus(newWindow, measures),
      relative ? oldStats.plus(oldWindow, measures) : oldStats, verdict, reason, pooledLooks);
  }

  /** One more look at the pooled evidence that could have failed. */
  public StageEvidence pooledLook() {
    return new StageEvidence(looks, windows, checkedUntil, newStats, oldStats, verdict, reason, pooledLooks + 1);
  }

  /** The same evidence judged. */
  public StageEvidence judged(Verdict newVerdict, String newReason) {
    return new StageEvidence(looks, windows, checkedUntil, newStats, oldStats, newVerdict, newReason, pooledLooks);
  }

  /** Whether the stage's own windows have been checked up to {@code t}. */
  public boolean coveredUntil(Instant t) {
    return checkedUntil != null && !checkedUntil.isBefore(t);
  }

  private static Instant later(Instant a, Instant b) {
    return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
  }

  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("looks", looks);
    map.put("windows", windows);
    map.put("checkedUntil", checkedUntil == null ? null : checkedUntil.toString());
    map.put("new", newStats.toMap());
    map.put("old", oldStats.toMap());
    map.put("verdict", verdict == null ? null : verdict.wireName());
    map.put("reason", reason);
    map.put("pooledLooks", pooledLooks);
    return map;
  }

  /** Reads what {@link #toMap()} wrote (null: a stage from before evidence was pooled); throws on a corrupt value. */
  @SuppressWarnings("unchecked")
  public static StageEvidence fromMap(Map<String, ?> map) {
    if (map == null) {
      return empty();
    }
    Object verdict = map.get("verdict");
    Object checkedUntil = map.get("checkedUntil");
    return new StageEvidence(
      ((Number) map.get("looks")).intValue(),
      ((Number) map.get("windows")).intValue(),
      checkedUntil == null ? null : Instant.parse((String) checkedUntil),
      PooledStats.fromMap((Map<String, ?>) map.get("new")),
      PooledStats.fromMap((Map<String, ?>) map.get("old")),
      verdict == null ? null : Verdict.fromWireName((String) verdict)
        .orElseThrow(() -> new IllegalArgumentException("unknown verdict " + verdict)),
      (String) map.get("reason"),
      map.get("pooledLooks") == null ? 0 : ((Number) map.get("pooledLooks")).intValue());
  }
}
