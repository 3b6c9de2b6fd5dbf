package dev.hmd.slo;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A service level indicator, measured per version. Wall-time and CPU-time percentiles are in
 * milliseconds and are computed over the invocations that ended {@code ok}; the error rate counts
 * an invocation that did not end {@code ok} or answered HTTP 500 or more, the exception rate only
 * those that did not end {@code ok}, both over all invocations.
 */
public enum Sli {
  LATENCY_P50("latency_p50", 0.50, Kind.WALL_TIME),
  LATENCY_P90("latency_p90", 0.90, Kind.WALL_TIME),
  LATENCY_P99("latency_p99", 0.99, Kind.WALL_TIME),
  LATENCY_P999("latency_p999", 0.999, Kind.WALL_TIME),
  CPU_P50("cpu_p50", 0.50, Kind.CPU_TIME),
  CPU_P99("cpu_p99", 0.99, Kind.CPU_TIME),
  ERROR_RATE("error_rate", Double.NaN, Kind.RATE),
  EXCEPTION_RATE("exception_rate", Double.NaN, Kind.RATE);

  /** What is measured, which decides the statistics used to judge it: a percentile, or a share of requests. */
  public enum Kind { WALL_TIME, CPU_TIME, RATE }

  private final String wireName;
  private final double quantileLevel;
  private final Kind kind;

  Sli(String wireName, double quantileLevel, Kind kind) {
    this.wireName = wireName;
    this.quantileLevel = quantileLevel;
    this.kind = kind;
  }

  public String wireName() {
    return wireName;
  }

  /** The percentile as a probability (0.99 for p99); NaN for a rate. */
  public double quantileLevel() {
    return quantileLevel;
  }

  public Kind kind() {
    return kind;
  }

  public boolean isPercentile() {
    return kind != Kind.RATE;
  }

  public static Optional<Sli> fromWireName(String name) {
    return Arrays.stream(values()).filter(s -> s.wireName.equals(name)).findFirst();
  }

  /** "latency_p50, latency_p90, ..." for error messages. */
  public static String wireNames() {
    return Arrays.stream(values()).map(Sli::wireName).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return wireName;
  }
}
