package dev.hmd.cloudflare;

/**
 * Telemetry of one script version over one window. {@code requests} counts every invocation;
 * {@code exceptions} those whose outcome was neither {@code ok} nor {@code canceled} (it threw, ran
 * out of CPU or memory...); {@code errors} those and the invocations that ended {@code ok} but
 * answered HTTP 500 or more (a Worker that catches its exception and answers 500). The latency and
 * CPU percentiles (milliseconds) are over the invocations that ended {@code ok}, and null when there
 * were none: null is "no data", never a fast zero.
 */
public record VersionTelemetry(
  long requests,
  long errors,
  long exceptions,
  Double wallP50,
  Double wallP90,
  Double wallP99,
  Double wallP999,
  Double cpuP50,
  Double cpuP99,
  Double wallP25,
  Double wallP75,
  Double wallP95) {

  /** Every count the same: for telemetry in which nothing answered 500 without an exception. */
  public VersionTelemetry(long requests, long errors, Double wallP50, Double wallP90, Double wallP99, Double wallP999,
                          Double cpuP50, Double cpuP99, Double wallP25, Double wallP75, Double wallP95) {
    this(requests, errors, errors, wallP50, wallP90, wallP99, wallP999, cpuP50, cpuP99, wallP25, wallP75, wallP95);
  }

  /** The same telemetry with {@code serverErrors} more invocations that ended ok but answered 500 or more. */
  public VersionTelemetry withServerErrors(long serverErrors) {
    return new VersionTelemetry(requests, errors + serverErrors, exceptions, wallP50, wallP90, wallP99, wallP999,
      cpuP50, cpuP99, wallP25, wallP75, wallP95);
  }

  /** Errors over requests, or null when there were no requests to divide by. */
  public Double errorRate() {
    return requests == 0 ? null : (double) errors / requests;
  }
}
