package dev.hmd.slo;

import java.util.Optional;

/**
 * What the telemetry says about one version in one check window. {@code requests} counts every
 * invocation, {@code errors} those that did not end {@code ok} or answered HTTP 500 or more,
 * {@code exceptions} only those that did not end {@code ok}; the wall-time and CPU-time percentiles
 * (milliseconds) are sample quantiles over the invocations that ended {@code ok}. A null
 * percentile means no data.
 */
public record VersionStats(
  long requests,
  long errors,
  long exceptions,
  Double wallP25,
  Double wallP50,
  Double wallP75,
  Double wallP90,
  Double wallP95,
  Double wallP99,
  Double wallP999,
  Double cpuP50,
  Double cpuP99) implements Sample {

  static final double[] WALL_LEVELS = {0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 0.999};
  static final double[] CPU_LEVELS = {0.50, 0.99};

  /** Every error an exception: for windows in which nothing answered 500 without throwing. */
  public VersionStats(long requests, long errors, Double wallP25, Double wallP50, Double wallP75, Double wallP90,
                      Double wallP95, Double wallP99, Double wallP999, Double cpuP50, Double cpuP99) {
    this(requests, errors, errors, wallP25, wallP50, wallP75, wallP90, wallP95, wallP99, wallP999, cpuP50, cpuP99);
  }

  /** A version that served nothing in the window. */
  public static VersionStats noTraffic() {
    return new VersionStats(0, 0, 0, null, null, null, null, null, null, null, null, null);
  }

  /** errors / requests, or null when there were no requests. */
  public Double errorRate() {
    return requests > 0 ? (double) errors / requests : null;
  }

  /** exceptions / requests, or null when there were no requests. */
  public Double exceptionRate() {
    return requests > 0 ? (double) exceptions / requests : null;
  }

  /** How many requests count against a rate SLI: errors for the error rate, exceptions for the exception rate. */
  @Override
  public long failures(Sli sli) {
    return sli == Sli.EXCEPTION_RATE ? exceptions : errors;
  }

  /** The requests the percentiles are computed over: those that ended ok. */
  @Override
  public long successfulRequests() {
    return Math.max(0, requests - exceptions);
  }

  /** A window knows its sample values: both readings are the same. */
  @Override
  public Double observedLow(Sli sli) {
    return observed(sli);
  }

  @Override
  public QuantileCurve low(Sli.Kind kind) {
    return curve(kind);
  }

  @Override
  public QuantileCurve high(Sli.Kind kind) {
    return curve(kind);
  }

  /** The sample value of an SLI: a percentile in ms, or the error rate; null when unknown. */
  @Override
  public Double observed(Sli sli) {
    return switch (sli) {
      case LATENCY_P50 -> wallP50;
      case LATENCY_P90 -> wallP90;
      case LATENCY_P99 -> wallP99;
      case LATENCY_P999 -> wallP999;
      case CPU_P50 -> cpuP50;
      case CPU_P99 -> cpuP99;
      case ERROR_RATE -> errorRate();
      case EXCEPTION_RATE -> exceptionRate();
    };
  }

  /** Every known sample quantile of the SLI's measure, for reading values between them. */
  QuantileCurve curve(Sli.Kind kind) {
    return switch (kind) {
      case WALL_TIME -> QuantileCurve.of(WALL_LEVELS,
        new Double[] {wallP25, wallP50, wallP75, wallP90, wallP95, wallP99, wallP999});
      case CPU_TIME -> QuantileCurve.of(CPU_LEVELS, new Double[] {cpuP50, cpuP99});
      case RATE -> throw new IllegalArgumentException("a rate has no quantiles");
    };
  }

  /**
   * Why these numbers cannot be real, if they cannot: negative counts, more errors than
   * requests, or a percentile that is negative or not a number.
   */
  @Override
  public Optional<String> inconsistency() {
    if (requests < 0 || errors < 0 || exceptions < 0) {
      return Optional.of("negative request or error count");
    }
    if (errors > requests) {
      return Optional.of("more errors (" + errors + ") than requests (" + requests + ")");
    }
    if (exceptions > errors) {
      return Optional.of("more exceptions (" + exceptions + ") than errors (" + errors + ")");
    }
    Double[] percentiles = {wallP25, wallP50, wallP75, wallP90, wallP95, wallP99, wallP999, cpuP50, cpuP99};
    for (Double value : percentiles) {
      if (value != null && (!Double.isFinite(value) || value < 0)) {
        return Optional.of("a percentile is " + value);
      }
    }
    return Optional.empty();
  }
}
