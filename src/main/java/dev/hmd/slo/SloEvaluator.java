package dev.hmd.slo;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/**
 * Judges one check window of the new version against a plan's SLOs. A check fails only on
 * strong evidence (a 95% confidence bound beyond the SLO), so that noise in a healthy version
 * never rolls it back; it passes only when the new version served at least {@code minRequests}
 * and every SLO's observed value holds; anything else is inconclusive. The method and its
 * reasoning are in {@code docs/slo-evaluation.md}.
 */
public final class SloEvaluator {

  /**
   * Fewest requests (successful requests, for percentiles) a fail may rest on, unless the plan's
   * minRequests is lower. The bounds are valid for any n, but with a handful of requests one
   * cold start or one retried request is the whole sample, and that is a fact about the moment,
   * not about the version. Waiting costs one poll interval; a false rollback cannot be undone.
   */
  public static final long MIN_REQUESTS_FOR_FAIL = 10;

  private SloEvaluator() {
  }

  /**
   * @param plan its slos and minRequests are used
   * @param newVersion the new version's stats in this window; null when there are none
   * @param oldVersion the old version's stats in this window, the baseline of relative SLOs; may be null
   * @param fallbackBaseline old-version stats from earlier in the release, used when the old
   *     version has too little traffic in this window (at the 100% stage it has none); may be null
   */
  public static CheckEvaluation evaluate(Plan plan, VersionStats newVersion, VersionStats oldVersion,
    VersionStats fallbackBaseline) {
    return evaluate(plan, newVersion, oldVersion, fallbackBaseline, ConfidenceBounds.ALPHA);
  }

  /**
   * As {@link #evaluate(Plan, VersionStats, VersionStats, VersionStats)}, with fails at the one-sided
   * level {@code alpha} (each bound is wrong at most that often), for a window or for a stage's
   * pooled evidence ({@link AlphaSpending} says how much each look may spend).
   */
  public static CheckEvaluation evaluate(Plan plan, Sample newVersion, Sample oldVersion, Sample fallbackBaseline,
    double alpha) {
    if (newVersion != null && newVersion.inconsistency().isPresent()) {
      return CheckEvaluation.error("new version telemetry is inconsistent: " + newVersion.inconsistency().get());
    }
    if (newVersion == null || newVersion.requests() == 0) {
      List<SloResult> results = plan.slos().stream()
        .map(slo -> result(slo, null, null, Verdict.INCONCLUSIVE, null, "no requests to the new version"))
        .toList();
      return new CheckEvaluation(Verdict.INCONCLUSIVE, results, "no requests to the new version in this window");
    }
    List<SloResult> results = new ArrayList<>();
    for (Slo slo : plan.slos()) {
      results.add(evaluate(slo, plan.minRequests(), newVersion, baseline(slo.sli(), plan.minRequests(), oldVersion,
        fallbackBaseline), alpha));
    }
    // dry-run SLOs are judged and recorded like the others, but never decide the check
    List<SloResult> failed = results.stream().filter(r -> r.verdict() == Verdict.FAIL && !r.dryRun()).toList();
    if (!failed.isEmpty()) {
      return new CheckEvaluation(Verdict.FAIL, results, reasons(failed) + dryRunNote(results));
    }
    if (newVersion.requests() < plan.minRequests()) {
      return new CheckEvaluation(Verdict.INCONCLUSIVE, results, "the new version served " + newVersion.requests()
        + " requests, fewer than minRequests (" + plan.minRequests() + ")");
    }
    List<SloResult> unsure = results.stream().filter(r -> r.verdict() != Verdict.PASS && !r.dryRun()).toList();
    if (unsure.isEmpty()) {
      return new CheckEvaluation(Verdict.PASS, results, (results.stream().allMatch(SloResult::dryRun)
        ? newVersion.requests() + " requests and no SLOs to hold"
        : "every SLO holds over " + newVersion.requests() + " requests") + dryRunNote(results));
    }
    return new CheckEvaluation(Verdict.INCONCLUSIVE, results, reasons(unsure) + dryRunNote(results));
  }

  private static String reasons(List<SloResult> results) {
    return results.stream().map(r -> r.sli().wireName() + ": " + r.reason()).collect(Collectors.joining("; "));
  }

  /** What the dry-run SLOs would have said, when one of them would have failed the check. */
  private static String dryRunNote(List<SloResult> results) {
    List<SloResult> wouldFail = results.stream().filter(r -> r.dryRun() && r.verdict() == Verdict.FAIL).toList();
    return wouldFail.isEmpty() ? "" : " (dry run, not counted: " + reasons(wouldFail) + ")";
  }

  /**
   * One SLO. {@code baseline} is the old-version stats {@link #baseline} chose, null when none
   * has the data; absolute SLOs only report its value.
   */
  static SloResult evaluate(Slo slo, int minRequests, VersionStats newVersion, VersionStats baseline) {
    return evaluate(slo, minRequests, newVersion, baseline, ConfidenceBounds.ALPHA);
  }

  static SloResult evaluate(Slo slo, int minRequests, Sample newVersion, Sample baseline, double alpha) {
    Sli sli = slo.sli();
    long sampleSize = sli.isPercentile() ? newVersion.successfulRequests() : newVersion.requests();
    Double observed = newVersion.observed(sli);
    if (observed == null) {
      return result(slo, null, null, Verdict.INCONCLUSIVE, null, "no " + measureName(sli) + " for the new version");
    }
    boolean relative = slo.mode() == SloMode.RELATIVE;
    // a pool's pass compares its high reading with the baseline's low one: both on the safe side
    Double baselineValue = baseline == null ? null : relative ? baseline.observedLow(sli) : baseline.observed(sli);
    if (relative && baselineValue == null) {
      return result(slo, observed, null, Verdict.INCONCLUSIVE, lowerBound(sli, newVersion, alpha),
        "no baseline: the old version has no " + measureName(sli) + " in this window or earlier");
    }

    Double bound = lowerBound(sli, newVersion, alpha);
    // What the bound must exceed to fail, and what the observed value must not exceed to pass.
    Double failLimit = relative ? scaled(slo.threshold(), upperBound(sli, baseline, alpha))
      : Double.valueOf(slo.threshold());
    double passLimit = relative ? slo.threshold() * baselineValue : slo.threshold();

    long failFloor = Math.min(minRequests, MIN_REQUESTS_FOR_FAIL);
    if (bound != null && failLimit != null && sampleSize >= failFloor && bound > failLimit) {
      return result(slo, observed, baselineValue, Verdict.FAIL, bound,
        "observed " + amount(sli, observed) + ", " + confidence(alpha) + " lower bound " + amount(sli, bound) + " > "
          + limitText(slo, failLimit, "upper bound"));
    }
    if (newVersion.requests() < minRequests) {
      return result(slo, observed, baselineValue, Verdict.INCONCLUSIVE, bound,
        "only " + newVersion.requests() + " requests (minRequests " + minRequests + ")");
    }
    if (relative && baseline.requests() < minRequests) {
      return result(slo, observed, baselineValue, Verdict.INCONCLUSIVE, bound,
        "the baseline has only " + baseline.requests() + " requests (minRequests " + minRequests + ")");
    }
    if (observed <= passLimit) {
      return result(slo, observed, baselineValue, Verdict.PASS, bound,
        "observed " + amount(sli, observed) + " <= " + limitText(slo, passLimit, "value"));
    }
    return result(slo, observed, baselineValue, Verdict.INCONCLUSIVE, bound,
      "observed " + amount(sli, observed) + " > " + limitText(slo, passLimit, "value")
        + ", but not by enough to be sure");
  }

  /**
   * The old-version stats a relative SLO compares with: this window's when they have
   * minRequests, else the fallback when it has minRequests, else whichever has more requests.
   * Stats without a value for the SLI, or that cannot be real, are not candidates.
   */
  static Sample baseline(Sli sli, int minRequests, Sample oldVersion, Sample fallback) {
    boolean oldUsable = usableBaseline(sli, oldVersion);
    boolean fallbackUsable = usableBaseline(sli, fallback);
    if (oldUsable && oldVersion.requests() >= minRequests) {
      return oldVersion;
    }
    if (fallbackUsable && fallback.requests() >= minRequests) {
      return fallback;
    }
    if (oldUsable && fallbackUsable) {
      return fallback.requests() > oldVersion.requests() ? fallback : oldVersion;
    }
    return oldUsable ? oldVersion : fallbackUsable ? fallback : null;
  }

  private static boolean usableBaseline(Sli sli, Sample stats) {
    return stats != null && stats.requests() > 0 && stats.inconsistency().isEmpty() && stats.observed(sli) != null;
  }

  /** The 95% lower confidence bound of the version's true value, or null when there is none. */
  static Double lowerBound(Sli sli, VersionStats stats) {
    return lowerBound(sli, stats, ConfidenceBounds.ALPHA);
  }

  /** The lower confidence bound wrong at most {@code alpha} of the time, or null when there is none. */
  static Double lowerBound(Sli sli, Sample stats, double alpha) {
    if (!sli.isPercentile()) {
      return ConfidenceBounds.exactLower(stats.failures(sli), stats.requests(), alpha);
    }
    OptionalDouble level = ConfidenceBounds.quantileLowerBoundLevel(stats.successfulRequests(), sli.quantileLevel(),
      alpha);
    return level.isPresent() ? stats.low(sli.kind()).lowAt(level.getAsDouble()) : null;
  }

  /** The 95% upper confidence bound of the version's true value, or null when there is none. */
  static Double upperBound(Sli sli, VersionStats stats) {
    return upperBound(sli, stats, ConfidenceBounds.ALPHA);
  }

  /** The upper confidence bound wrong at most {@code alpha} of the time, or null when there is none. */
  static Double upperBound(Sli sli, Sample stats, double alpha) {
    if (!sli.isPercentile()) {
      return ConfidenceBounds.exactUpper(stats.failures(sli), stats.requests(), alpha);
    }
    OptionalDouble level = ConfidenceBounds.quantileUpperBoundLevel(stats.successfulRequests(), sli.quantileLevel(),
      alpha);
    return level.isPresent() ? stats.high(sli.kind()).highAt(level.getAsDouble()) : null;
  }

  /**
   * The confidence of a bound wrong at most {@code alpha} of the time, named as the two-sided
   * interval it is an end of: "95%" for 0.025, "99.58%" for 0.05 / 12.
   */
  static String confidence(double alpha) {
    return BigDecimal.valueOf(100 * (1 - 2 * alpha)).round(new MathContext(4)).stripTrailingZeros().toPlainString()
      + "%";
  }

  private static Double scaled(double factor, Double value) {
    return value == null ? null : factor * value;
  }

  private static SloResult result(Slo slo, Double observed, Double baseline, Verdict verdict, Double bound,
    String reason) {
    return new SloResult(slo.sli(), slo.mode(), slo.threshold(), observed, baseline, verdict, bound, reason,
      slo.dryRun());
  }

  private static String limitText(Slo slo, double limit, String baselineWhat) {
    if (slo.mode() == SloMode.ABSOLUTE) {
      return "threshold " + amount(slo.sli(), limit);
    }
    return number(slo.threshold()) + " x the old version's " + baselineWhat + " = " + amount(slo.sli(), limit);
  }

  private static String amount(Sli sli, double value) {
    return sli.isPercentile() ? number(value) + " ms" : number(value);
  }

  private static String measureName(Sli sli) {
    return switch (sli.kind()) {
      case WALL_TIME -> "wall-time percentiles";
      case CPU_TIME -> "CPU-time percentiles";
      case RATE -> "requests";
    };
  }

  private static String number(double value) {
    return BigDecimal.valueOf(value).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }
}
