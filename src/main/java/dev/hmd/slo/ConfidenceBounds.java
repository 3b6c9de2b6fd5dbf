package dev.hmd.slo;

import java.util.OptionalDouble;
import org.apache.commons.math3.distribution.BinomialDistribution;

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

  private ConfidenceBounds() {
  }

  /** The lower end of the 95% Wilson score interval of a proportion; 0 when trials is 0. */
  public static double wilsonLower(long events, long trials) {
    // exact at the edges: rounding must not turn zero errors into evidence against a 0 threshold
    if (trials <= 0 || events <= 0) {
      return 0;
    }
    return Math.max(0, wilsonCentre(events, trials) - wilsonHalfWidth(events, trials));
  }

  /** The upper end of the 95% Wilson score interval of a proportion; 1 when trials is 0. */
  public static double wilsonUpper(long events, long trials) {
    if (trials <= 0 || events >= trials) {
      return 1;
    }
    return Math.min(1, wilsonCentre(events, trials) + wilsonHalfWidth(events, trials));
  }

  private static double wilsonCentre(long events, long trials) {
    double n = trials;
    double p = events / n;
    return (p + Z * Z / (2 * n)) / (1 + Z * Z / n);
  }

  private static double wilsonHalfWidth(long events, long trials) {
    double n = trials;
    double p = events / n;
    return Z / (1 + Z * Z / n) * Math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n));
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
    if (n <= 0) {
      return OptionalDouble.empty();
    }
    long k;
    if (n <= EXACT_BINOMIAL_LIMIT) {
      k = binomial(n, p).inverseCumulativeProbability(ALPHA);
    } else {
      k = (long) Math.floor(n * p - Z * Math.sqrt(n * p * (1 - p)));
    }
    return k < 1 ? OptionalDouble.empty() : OptionalDouble.of(levelOfRank(k, n));
  }

  /**
   * The sample-quantile level whose value is a 95% upper confidence bound of the true
   * p-quantile: X(k) with the smallest k such that P(B <= k - 1) >= 1 - alpha. Empty when even
   * the largest value is not a bound at this confidence.
   */
  public static OptionalDouble quantileUpperBoundLevel(long n, double p) {
    if (n <= 0) {
      return OptionalDouble.empty();
    }
    long k;
    if (n <= EXACT_BINOMIAL_LIMIT) {
      k = binomial(n, p).inverseCumulativeProbability(1 - ALPHA) + 1L;
    } else {
      k = (long) Math.ceil(n * p + Z * Math.sqrt(n * p * (1 - p))) + 1;
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
