package dev.hmd.slo;

/**
 * One SLO's verdict in one check: the record stored with the check and served as
 * {@code slos[]}. {@code observed} is the new version's sample value, {@code baseline} the old
 * version's (the one relative SLOs compare with; shown for absolute SLOs too, as context, when
 * the old version has data). {@code bound} is the evidence the fail decision used: the 95%
 * lower confidence bound of the new version's true value, null when none could be computed.
 * {@code reason} says in words why the verdict is what it is. A {@code dryRun} result is the
 * verdict of a dry-run SLO: recorded and charted, never counted toward the check's verdict.
 */
public record SloResult(
  Sli sli,
  SloMode mode,
  double threshold,
  Double observed,
  Double baseline,
  Verdict verdict,
  Double bound,
  String reason,
  boolean dryRun) {

  public SloResult(Sli sli, SloMode mode, double threshold, Double observed, Double baseline, Verdict verdict,
                   Double bound, String reason) {
    this(sli, mode, threshold, observed, baseline, verdict, bound, reason, false);
  }
}
