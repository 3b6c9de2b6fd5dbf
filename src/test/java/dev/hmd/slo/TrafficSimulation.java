package dev.hmd.slo;

import java.util.Arrays;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Draws one check window of a simulated version: binomial errors and lognormal wall and CPU
 * times, summarised the way telemetry summarises them (sample quantiles over successes).
 * Deterministic for a given seeded random source.
 */
final class TrafficSimulation {

  private static final double[] WALL_LEVELS = {0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 0.999};
  private static final double[] CPU_LEVELS = {0.50, 0.99};

  /**
   * A version's true behaviour: an error probability, and lognormal wall and CPU times given by
   * their medians and log-scale spreads.
   */
  record Profile(double errorRate, double wallMedian, double wallSigma, double cpuMedian, double cpuSigma) {

    /** The true q-quantile of wall time. */
    double wallQuantile(double q) {
      return wallMedian * Math.exp(wallSigma * inverseNormal(q));
    }

    double cpuQuantile(double q) {
      return cpuMedian * Math.exp(cpuSigma * inverseNormal(q));
    }

    /** A profile whose true wall-time q-quantile is {@code value}. */
    Profile withWallQuantile(double q, double value) {
      return new Profile(errorRate, value / Math.exp(wallSigma * inverseNormal(q)), wallSigma, cpuMedian, cpuSigma);
    }

    Profile withCpuQuantile(double q, double value) {
      return new Profile(errorRate, wallMedian, wallSigma, value / Math.exp(cpuSigma * inverseNormal(q)), cpuSigma);
    }

    Profile withErrorRate(double rate) {
      return new Profile(rate, wallMedian, wallSigma, cpuMedian, cpuSigma);
    }
  }

  /** Typical Worker traffic: p99/p50 of wall time about 4, of CPU time about 3. */
  static final Profile TYPICAL = new Profile(0.001, 100, 0.6, 5, 0.5);

  private TrafficSimulation() {
  }

  /** One window of {@code requests}; only the measures listed are drawn, the others are null. */
  static VersionStats window(SplittableRandom random, Profile profile, int requests, Set<Sli.Kind> measures) {
    int errors = 0;
    for (int i = 0; i < requests; i++) {
      if (random.nextDouble() < profile.errorRate()) {
        errors++;
      }
    }
    int successes = requests - errors;
    if (successes == 0) {
      return new VersionStats(requests, errors, null, null, null, null, null, null, null, null, null);
    }
    Double[] w = measures.contains(Sli.Kind.WALL_TIME)
      ? lognormalQuantiles(random, successes, profile.wallMedian(), profile.wallSigma(), WALL_LEVELS)
      : new Double[WALL_LEVELS.length];
    Double[] c = measures.contains(Sli.Kind.CPU_TIME)
      ? lognormalQuantiles(random, successes, profile.cpuMedian(), profile.cpuSigma(), CPU_LEVELS)
      : new Double[CPU_LEVELS.length];
    return new VersionStats(requests, errors, w[0], w[1], w[2], w[3], w[4], w[5], w[6], c[0], c[1]);
  }

  /**
   * Sample quantiles of {@code count} lognormal values, by linear interpolation between order
   * statistics (R type 7, numpy's default). The normal draws are sorted and only the order
   * statistics needed are exponentiated: exp is monotone, so the order is the same.
   */
  private static Double[] lognormalQuantiles(SplittableRandom random, int count, double median, double sigma,
    double[] levels) {
    double[] normals = new double[count];
    for (int i = 0; i < count; i++) {
      normals[i] = random.nextGaussian();
    }
    Arrays.sort(normals);
    Double[] result = new Double[levels.length];
    for (int i = 0; i < levels.length; i++) {
      double h = (count - 1) * levels[i];
      int lo = (int) Math.floor(h);
      int hi = Math.min(lo + 1, count - 1);
      double low = median * Math.exp(sigma * normals[lo]);
      double high = median * Math.exp(sigma * normals[hi]);
      result[i] = low + (h - lo) * (high - low);
    }
    return result;
  }

  private static final org.apache.commons.math3.distribution.NormalDistribution NORMAL =
    new org.apache.commons.math3.distribution.NormalDistribution(null, 0, 1);

  /**
   * The same window as {@link #window}, in distribution, without drawing every request: the
   * sample quantiles need only a few order statistics, and the k-th smallest of n uniforms given
   * the j-th is u is u + (1 - u) Beta(k - j, n - k + 1). Fast enough for thousands of whole
   * releases at 200 requests a second.
   */
  static VersionStats fastWindow(SplittableRandom random, Profile profile, int requests, Set<Sli.Kind> measures) {
    int errors = binomial(random, requests, profile.errorRate());
    int successes = requests - errors;
    if (successes == 0) {
      return new VersionStats(requests, errors, null, null, null, null, null, null, null, null, null);
    }
    Double[] w = measures.contains(Sli.Kind.WALL_TIME)
      ? orderStatisticQuantiles(random, successes, profile.wallMedian(), profile.wallSigma(), WALL_LEVELS)
      : new Double[WALL_LEVELS.length];
    Double[] c = measures.contains(Sli.Kind.CPU_TIME)
      ? orderStatisticQuantiles(random, successes, profile.cpuMedian(), profile.cpuSigma(), CPU_LEVELS)
      : new Double[CPU_LEVELS.length];
    return new VersionStats(requests, errors, w[0], w[1], w[2], w[3], w[4], w[5], w[6], c[0], c[1]);
  }

  /** Requests and errors only. */
  static VersionStats countsOnly(SplittableRandom random, Profile profile, int requests) {
    int errors = binomial(random, requests, profile.errorRate());
    return new VersionStats(requests, errors, null, null, null, null, null, null, null, null, null);
  }

  static int binomial(SplittableRandom random, int n, double p) {
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (random.nextDouble() < p) {
        k++;
      }
    }
    return k;
  }

  private static Double[] orderStatisticQuantiles(SplittableRandom random, int n, double median, double sigma,
    double[] levels) {
    java.util.TreeMap<Integer, Double> values = new java.util.TreeMap<>();
    for (double level : levels) {
      int lo = (int) Math.floor((n - 1) * level);
      values.put(lo, null);
      values.put(Math.min(lo + 1, n - 1), null);
    }
    int previous = -1;
    double u = 0;
    for (int rank : new java.util.ArrayList<>(values.keySet())) {
      // rank is 0-based: the (rank + 1)-th smallest of n
      double step = beta(random, rank - previous, n - rank);
      u = u + (1 - u) * step;
      values.put(rank, median * Math.exp(sigma * NORMAL.inverseCumulativeProbability(Math.min(u, 1 - 1e-16))));
      previous = rank;
    }
    Double[] result = new Double[levels.length];
    for (int i = 0; i < levels.length; i++) {
      double h = (n - 1) * levels[i];
      int lo = (int) Math.floor(h);
      int hi = Math.min(lo + 1, n - 1);
      result[i] = values.get(lo) + (h - lo) * (values.get(hi) - values.get(lo));
    }
    return result;
  }

  private static double beta(SplittableRandom random, double a, double b) {
    double x = gamma(random, a);
    double y = gamma(random, b);
    return x / (x + y);
  }

  /** Marsaglia and Tsang's method, for shape >= 1. */
  private static double gamma(SplittableRandom random, double shape) {
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x = random.nextGaussian();
      double v = 1 + c * x;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = random.nextDouble();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
        return d * v;
      }
    }
  }

  static double inverseNormal(double q) {
    return new org.apache.commons.math3.distribution.NormalDistribution(null, 0, 1).inverseCumulativeProbability(q);
  }
}
