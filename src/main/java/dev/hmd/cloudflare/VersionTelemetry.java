package dev.hmd.cloudflare;

/**
 * Telemetry of one script version over one window. {@code requests} counts every invocation,
 * {@code errors} those whose outcome was neither {@code ok} nor {@code canceled}. The latency and
 * CPU percentiles (milliseconds) are over successful invocations only, and null when there were
 * none: null is "no data", never a fast zero.
 */
public record VersionTelemetry(
  long requests,
  long errors,
  Double wallP50,
  Double wallP90,
  Double wallP99,
  Double wallP999,
  Double cpuP50,
  Double cpuP99,
  Double wallP25,
  Double wallP75,
  Double wallP95) {

  /** Errors over requests, or null when there were no requests to divide by. */
  public Double errorRate() {
    return requests == 0 ? null : (double) errors / requests;
  }
}
