package dev.hmd.slo;

import java.util.OptionalDouble;
import org.apache.commons.math3.distribution.BetaDistribution;
import org.apache.commons.math3.distribution.BinomialDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The confidence bounds the SLO evaluation rests on, at one confidence level: the ends of a
 * two-sided 95% interval, so each one-sided bound is wrong at most 2.5% of the time. See
 * {@code docs/slo-evaluation.md} for why this level and what it costs.
 */
public final class ConfidenceBounds {

  /** The chance that a one-sided bound is on the wrong side of the true value. */
  public static final double ALPHA = 0.025;
  /** The standard normal quantile for {@link #ALPHA}: 1.96. */
  public static final double Z = 1.959963984540054;
  /**
   * Up to this many requests the order-statistic ranks come from the exact binomial
   * distribution; above it the normal approximation is as good and cheaper.
   */
  static final long EXACT_BINOMIAL_LIMIT = 10_000;

  private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);

  private ConfidenceBounds() {
  }

  /** The standard normal quantile that leaves {@code alpha} above it: 1.96 for 0.025. */
  public static double z(double alpha) {
    if (!(alpha > 0 && alpha < 0.5)) {
      throw new IllegalArgumentException("alpha must be in (0, 0.5), got " + alpha);
    }
    return alpha == ALPHA ? Z : STANDARD_NORMAL.inverseCumulativeProbability(1 - alpha);
  }

  /**
   * The lower end of the 95% Wilson score interval with continuity correction (Newcombe 1998,
   * method 4); 0 when there are no events. The correction matters: without it the lower end is
   * too high for small counts, and a version exactly at an error-rate threshold of 1% would fail
   * 9% of checks of 10 requests and 5% of checks of 200, instead of at most 2.5%.
   */
  public static double wilsonLower(long events, long trials) {
    return wilsonLower(events, trials, Z);
  }

  /** {@link #wilsonLower(long, long)} at the one-sided level whose normal quantile is {@code z}. */
  public static double wilsonLower(long events, long trials, double z) {
    // exact at the edge: rounding must not turn zero errors into evidence against a 0 threshold
    if (trials <= 0 || events <= 0) {
      return 0;
    }
    double n = trials;
    double p = events / n;
    double root = z * Math.sqrt(z * z - 2 - 1 / n + 4 * p * (n * (1 - p) + 1));
    return Math.max(0, (2 * n * p + z * z - 1 - root) / (2 * (n + z * z)));
  }

  /** The upper end of the same interval; 1 when every trial was an event or there were none. */
  public static double wilsonUpper(long events, long trials) {
    return wilsonUpper(events, trials, Z);
  }

  /** {@link #wilsonUpper(long, long)} at the one-sided level whose normal quantile is {@code z}. */
  public static double wilsonUpper(long events, long trials, double z) {
    if (trials <= 0 || events >= trials) {
      return 1;
    }
    double n = trials;
    double p = events / n;
    double root = z * Math.sqrt(z * z + 2 - 1 / n + 4 * p * (n * (1 - p) - 1));
    return Math.min(1, (2 * n * p + z * z + 1 + root) / (2 * (n + z * z)));
  }

  /**
   * The exact (Clopper-Pearson) lower confidence bound of a rate: the rate at which {@code events}
   * or more in {@code trials} happen with probability {@code alpha}, so a rate at the bound's
   * threshold is failed at most {@code alpha} of the time, for every n and every alpha. Looks that
   * spend small shares of a budget need that: the continuity-corrected Wilson bound, fine at
   * 2.5%, is not below it (4 errors in 100 pass its 99.2% bound against a 1% threshold, which
   * happens 1.8% of the time). 0 without events.
   */
  public static double exactLower(long events, long trials, double alpha) {
    if (trials <= 0 || events <= 0) {
      return 0;
    }
    if (events >= trials) {
      return Math.pow(alpha, 1.0 / trials);
    }
    return new BetaDistribution(null, events, trials - events + 1, 1e-14).inverseCumulativeProbability(alpha);
  }

  /**
   * The exact (Clopper-Pearson) upper confidence bound of a rate; 1 when every trial was an event or there were none.
   */
  public static double exactUpper(long events, long trials, double alpha) {
    if (trials <= 0 || events >= trials) {
      return 1;
    }
    if (events <= 0) {
      return 1 - Math.pow(alpha, 1.0 / trials);
    }
    return new BetaDistribution(null, events + 1, trials - events, 1e-14).inverseCumulativeProbability(1 - alpha);
  }

  /**
   * The sample-quantile level whose value is a 95% lower confidence bound of the true
   * p-quantile, from a sample of n: distribution-free, because the number of sample values
   * below the true p-quantile is Binomial(n, p) whatever the distribution. The k-th smallest
   * value X(k) is below the true quantile unless fewer than k values are, so k is the largest
   * rank with P(B <= k - 1) <= alpha. X(k) is the sample quantile at level (k - 1) / (n - 1)
   * under both usual definitions (inverse empirical CDF and linear interpolation), so the level
   * returned can be read off the sample's quantile curve. Empty when even the smallest value is
   * not a bound at this confidence (n too small).
   */
  public static OptionalDouble quantileLowerBoundLevel(long n, double p) {
    return quantileLowerBoundLevel(n, p, ALPHA);
  }

  /** {@link #quantileLowerBoundLevel(long, double)}, wrong at most {@code alpha} of the time. */
  public static OptionalDouble quantileLowerBoundLevel(long n, double p, double alpha) {
    if (n <= 0) {
      return OptionalDouble.empty();
    }
    long k;
    if (n <= EXACT_BINOMIAL_LIMIT) {
      k = binomial(n, p).inverseCumulativeProbability(alpha);
    } else {
      k = (long) Math.floor(n * p - z(alpha) * Math.sqrt(n * p * (1 - p)));
    }
    return k < 1 ? OptionalDouble.empty() : OptionalDouble.of(levelOfRank(k, n));
  }

  /**
   * The sample-quantile level whose value is a 95% upper confidence bound of the true
   * p-quantile: X(k) with the smallest k such that P(B <= k - 1) >= 1 - alpha. Empty when even
   * the largest value is not a bound at this confidence.
   */
  public static OptionalDouble quantileUpperBoundLevel(long n, double p) {
    return quantileUpperBoundLevel(n, p, ALPHA);
  }

  /** {@link #quantileUpperBoundLevel(long, double)}, wrong at most {@code alpha} of the time. */
  public static OptionalDouble quantileUpperBoundLevel(long n, double p, double alpha) {
    if (n <= 0) {
      return OptionalDouble.empty();
    }
    long k;
    if (n <= EXACT_BINOMIAL_LIMIT) {
      k = binomial(n, p).inverseCumulativeProbability(1 - alpha) + 1L;
    } else {
      k = (long) Math.ceil(n * p + z(alpha) * Math.sqrt(n * p * (1 - p))) + 1;
    }
    return k > n ? OptionalDouble.empty() : OptionalDouble.of(levelOfRank(k, n));
  }

  private static double levelOfRank(long k, long n) {
    return n == 1 ? 0 : (double) (k - 1) / (n - 1);
  }

  /** No random generator: the distribution is only asked for quantiles, never sampled. */
  private static BinomialDistribution binomial(long n, double p) {
    return new BinomialDistribution(null, (int) n, p);
  }
}
