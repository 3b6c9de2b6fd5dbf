package dev.hmd.slo;

import java.util.Optional;

/**
 * What the telemetry says about one version in one check window. {@code requests} and
 * {@code errors} count every outcome; the wall-time and CPU-time percentiles (milliseconds) are
 * sample quantiles over the successful requests. A null percentile means no data.
 */
public record VersionStats(
  long requests,
  long errors,
  Double wallP25,
  Double wallP50,
  Double wallP75,
  Double wallP90,
  Double wallP95,
  Double wallP99,
  Double wallP999,
  Double cpuP50,
  Double cpuP99) {

  private static final double[] WALL_LEVELS = {0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 0.999};
  private static final double[] CPU_LEVELS = {0.50, 0.99};

  /** A version that served nothing in the window. */
  public static VersionStats noTraffic() {
    return new VersionStats(0, 0, null, null, null, null, null, null, null, null, null);
  }

  /** errors / requests, or null when there were no requests. */
  public Double errorRate() {
    return requests > 0 ? (double) errors / requests : null;
  }

  /** The requests the percentiles are computed over. */
  public long successfulRequests() {
    return Math.max(0, requests - errors);
  }

  /** The sample value of an SLI: a percentile in ms, or the error rate; null when unknown. */
  public Double observed(Sli sli) {
    return switch (sli) {
      case LATENCY_P50 -> wallP50;
      case LATENCY_P90 -> wallP90;
      case LATENCY_P99 -> wallP99;
      case LATENCY_P999 -> wallP999;
      case CPU_P50 -> cpuP50;
      case CPU_P99 -> cpuP99;
      case ERROR_RATE -> errorRate();
    };
  }

  /** Every known sample quantile of the SLI's measure, for reading values between them. */
  QuantileCurve curve(Sli.Kind kind) {
    return switch (kind) {
      case WALL_TIME -> QuantileCurve.of(WALL_LEVELS,
        new Double[] {wallP25, wallP50, wallP75, wallP90, wallP95, wallP99, wallP999});
      case CPU_TIME -> QuantileCurve.of(CPU_LEVELS, new Double[] {cpuP50, cpuP99});
      case ERROR_RATE -> throw new IllegalArgumentException("the error rate has no quantiles");
    };
  }

  /**
   * Why these numbers cannot be real, if they cannot: negative counts, more errors than
   * requests, or a percentile that is negative or not a number.
   */
  public Optional<String> inconsistency() {
    if (requests < 0 || errors < 0) {
      return Optional.of("negative request or error count");
    }
    if (errors > requests) {
      return Optional.of("more errors (" + errors + ") than requests (" + requests + ")");
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
