package dev.hmd.slo;

import java.util.Optional;

/**
 * What the evaluator judges: one version's requests, failures and percentiles, from one window
 * ({@link VersionStats}) or pooled over a stage's windows ({@link PooledStats}). A window knows
 * its sample quantiles; a pool knows its percentiles only within a low and a high reading, and
 * each decision takes the reading that errs on its own safe side.
 */
interface Sample {

  long requests();

  long errors();

  long exceptions();

  /** How many requests count against a rate SLI: errors for the error rate, exceptions for the exception rate. */
  default long failures(Sli sli) {
    return sli == Sli.EXCEPTION_RATE ? exceptions() : errors();
  }

  /** The requests the percentiles are computed over: those that ended ok. */
  default long successfulRequests() {
    return Math.max(0, requests() - exceptions());
  }

  /**
   * The value a pass is judged on: the sample value, or for a pool the high reading of the
   * percentile (a pool passes only if even that is within the SLO). Null when unknown.
   */
  Double observed(Sli sli);

  /** The value a relative SLO's pass compares with, as the baseline: for a pool the low reading. */
  Double observedLow(Sli sli);

  /** The known quantiles, read low: for lower confidence bounds. */
  QuantileCurve low(Sli.Kind kind);

  /** The known quantiles, read high: for upper confidence bounds. */
  QuantileCurve high(Sli.Kind kind);

  /** Why these numbers cannot be real, if they cannot. */
  Optional<String> inconsistency();
}
