package dev.hmd.sim;

/**
 * How a version behaves: wall time and CPU time, each a lognormal distribution fixed by its p50
 * and p99, the probability that an invocation throws ({@code errorRate}: outcome exception,
 * status 500) and the probability that it catches its error and answers 500 itself
 * ({@code serverErrorRate}: outcome ok, status 500). Wall and CPU time are drawn independently (a
 * real Worker's CPU time is part of its wall time; nothing here needs that).
 */
public record Profile(Percentiles latencyMs, Percentiles cpuMs, double errorRate, double serverErrorRate) {

  /** Latency p50 40 ms / p99 250 ms, CPU p50 5 ms / p99 20 ms, one invocation in a thousand throws. */
  public static final Profile DEFAULT = new Profile(new Percentiles(40, 250), new Percentiles(5, 20), 0.001, 0);
  /** Room for rounding when the two rates are meant to add up to exactly 1 (say 0.7 and 0.3). */
  static final double RATE_SUM_TOLERANCE = 1e-9;

  public Profile {
    if (!(errorRate >= 0 && errorRate <= 1)) {
      throw new IllegalArgumentException("errorRate must be within 0..1");
    }
    if (!(serverErrorRate >= 0 && serverErrorRate <= 1)) {
      throw new IllegalArgumentException("serverErrorRate must be within 0..1");
    }
    if (!ratesFit(errorRate, serverErrorRate)) {
      throw new IllegalArgumentException("errorRate + serverErrorRate must be at most 1");
    }
  }

  /** Whether the two error probabilities can belong to one profile. */
  static boolean ratesFit(double errorRate, double serverErrorRate) {
    return errorRate + serverErrorRate <= 1 + RATE_SUM_TOLERANCE;
  }

  public Profile withLatency(Percentiles value) {
    return new Profile(value, cpuMs, errorRate, serverErrorRate);
  }

  public Profile withCpu(Percentiles value) {
    return new Profile(latencyMs, value, errorRate, serverErrorRate);
  }

  public Profile withErrorRate(double value) {
    return new Profile(latencyMs, cpuMs, value, serverErrorRate);
  }

  public Profile withServerErrorRate(double value) {
    return new Profile(latencyMs, cpuMs, errorRate, value);
  }

  /** A lognormal distribution given by two of its quantiles, in milliseconds. */
  public record Percentiles(double p50, double p99) {

    public static final double MAX_MS = 600_000;
    /** The standard normal quantile at 0.99: p99 = exp(mu + Z99 * sigma). */
    private static final double Z99 = 2.3263478740408408;

    public Percentiles {
      if (!(p50 > 0 && p50 <= MAX_MS) || !(p99 >= p50 && p99 <= MAX_MS)) {
        throw new IllegalArgumentException("percentiles need 0 < p50 <= p99 <= " + (long) MAX_MS);
      }
    }

    double mu() {
      return Math.log(p50);
    }

    double sigma() {
      return (Math.log(p99) - Math.log(p50)) / Z99;
    }
  }
}
