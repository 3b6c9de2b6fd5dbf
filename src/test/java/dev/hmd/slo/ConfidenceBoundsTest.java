package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.OptionalDouble;
import org.apache.commons.math3.distribution.BinomialDistribution;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfidenceBoundsTest {

  @ParameterizedTest(name = "{0}/{1}")
  @CsvSource({"81, 263", "15, 148", "1, 29", "5, 100", "1, 10", "30, 1000", "4999, 5000", "1, 1000000"})
  @DisplayName(
    "the interval's ends are where the continuity-corrected score statistic is 1.96, found independently by bisection")
  void wilsonSolvesTheScoreEquation(long events, long trials) {
    // |x - n p| - 1/2 = z sqrt(n p (1 - p)), solved for p on each side of x / n
    double n = trials;
    java.util.function.DoubleUnaryOperator below = p ->
      (events - 0.5 - n * p) - ConfidenceBounds.Z * Math.sqrt(n * p * (1 - p));
    java.util.function.DoubleUnaryOperator above = p ->
      (n * p - events - 0.5) - ConfidenceBounds.Z * Math.sqrt(n * p * (1 - p));
    assertThat(ConfidenceBounds.wilsonLower(events, trials)).isCloseTo(root(below, 0, events / n), within(1e-9));
    assertThat(ConfidenceBounds.wilsonUpper(events, trials)).isCloseTo(root(above, events / n, 1), within(1e-9));
  }

  /** The zero of a function that changes sign once on [low, high]. */
  private static double root(java.util.function.DoubleUnaryOperator f, double low, double high) {
    boolean increasingAtLow = f.applyAsDouble(low) < 0;
    for (int i = 0; i < 200; i++) {
      double mid = (low + high) / 2;
      if ((f.applyAsDouble(mid) < 0) == increasingAtLow) {
        low = mid;
      } else {
        high = mid;
      }
    }
    return (low + high) / 2;
  }

  @Test
  @DisplayName("the corrected interval is wider than the plain Wilson interval (81/263: 0.2553..0.3662)")
  void widerThanPlainWilson() {
    assertThat(ConfidenceBounds.wilsonLower(81, 263)).isLessThan(0.2553).isGreaterThan(0.25);
    assertThat(ConfidenceBounds.wilsonUpper(81, 263)).isGreaterThan(0.3662).isLessThan(0.372);
  }

  @Test
  @DisplayName("the Wilson interval of no trials is [0, 1] and stays inside [0, 1] at the extremes")
  void wilsonEdges() {
    assertThat(ConfidenceBounds.wilsonLower(0, 0)).isEqualTo(0);
    assertThat(ConfidenceBounds.wilsonUpper(0, 0)).isEqualTo(1);
    assertThat(ConfidenceBounds.wilsonLower(0, 1000)).isEqualTo(0);
    assertThat(ConfidenceBounds.wilsonUpper(1000, 1000)).isEqualTo(1);
    assertThat(ConfidenceBounds.wilsonLower(1000, 1000)).isBetween(0.99, 1.0);
  }

  @Test
  @DisplayName("the median's distribution-free 95% interval from 100 values is X(40)..X(61), the textbook answer")
  void medianOf100() {
    assertThat(ConfidenceBounds.quantileLowerBoundLevel(100, 0.5)).hasValueCloseTo(39.0 / 99, within(1e-12));
    assertThat(ConfidenceBounds.quantileUpperBoundLevel(100, 0.5)).hasValueCloseTo(60.0 / 99, within(1e-12));
  }

  @Test
  @DisplayName("the order-statistic ranks keep their promise: P(B >= k) >= 97.5% and no higher rank would")
  void exactRanksAreTight() {
    for (long n : new long[] {5, 20, 100, 999, 5000}) {
      for (double p : new double[] {0.5, 0.9, 0.99, 0.999}) {
        BinomialDistribution b = new BinomialDistribution(null, (int) n, p);
        OptionalDouble lower = ConfidenceBounds.quantileLowerBoundLevel(n, p);
        if (lower.isPresent()) {
          long k = Math.round(lower.getAsDouble() * (n - 1)) + 1;
          assertThat(1 - b.cumulativeProbability((int) k - 1)).as("coverage n=%d p=%s", n, p)
            .isGreaterThanOrEqualTo(0.975);
          assertThat(1 - b.cumulativeProbability((int) k)).as("tightness n=%d p=%s", n, p).isLessThan(0.975);
        } else {
          assertThat(1 - b.cumulativeProbability(0)).as("no rank works n=%d p=%s", n, p).isLessThan(0.975);
        }
        OptionalDouble upper = ConfidenceBounds.quantileUpperBoundLevel(n, p);
        if (upper.isPresent()) {
          long k = Math.round(upper.getAsDouble() * (n - 1)) + 1;
          assertThat(b.cumulativeProbability((int) k - 1)).isGreaterThanOrEqualTo(0.975);
          assertThat(b.cumulativeProbability((int) k - 2)).isLessThan(0.975);
        } else {
          assertThat(b.cumulativeProbability((int) n - 1)).isLessThan(0.975);
        }
      }
    }
  }

  @Test
  @DisplayName("too few values bound nothing: 5 values cannot bound the median, 300 cannot bound p99 from above")
  void tooFewValues() {
    assertThat(ConfidenceBounds.quantileLowerBoundLevel(5, 0.5)).isEmpty();
    assertThat(ConfidenceBounds.quantileUpperBoundLevel(5, 0.5)).isEmpty();
    assertThat(ConfidenceBounds.quantileUpperBoundLevel(300, 0.99)).isEmpty();
    assertThat(ConfidenceBounds.quantileLowerBoundLevel(0, 0.5)).isEmpty();
  }

  @Test
  @DisplayName("the normal approximation above 10,000 values agrees with the exact ranks at the seam")
  void normalApproximationAtTheSeam() {
    for (double p : new double[] {0.5, 0.99, 0.999}) {
      double exactLow = ConfidenceBounds.quantileLowerBoundLevel(10_000, p).getAsDouble();
      double approxLow = ConfidenceBounds.quantileLowerBoundLevel(10_001, p).getAsDouble();
      assertThat(approxLow).as("p=%s", p).isCloseTo(exactLow, within(0.0005));
      double exactHigh = ConfidenceBounds.quantileUpperBoundLevel(10_000, p).getAsDouble();
      double approxHigh = ConfidenceBounds.quantileUpperBoundLevel(10_001, p).getAsDouble();
      assertThat(approxHigh).as("p=%s", p).isCloseTo(exactHigh, within(0.0005));
    }
    assertThat(ConfidenceBounds.quantileLowerBoundLevel(10_000_000_000L, 0.99)).hasValueCloseTo(0.99, within(1e-5));
  }

  @Test
  @DisplayName(
    "the exact lower bound fails a rate at the threshold at most alpha of the time, at every n and alpha, and no "
    + "more strictly than needed")
  void exactBoundIsExact() {
    double p0 = 0.01;
    for (int n : new int[] {10, 50, 100, 200, 1000, 5000}) {
      org.apache.commons.math3.distribution.BinomialDistribution binomial =
        new org.apache.commons.math3.distribution.BinomialDistribution(null, n, p0);
      for (double alpha : new double[] {0.025, 0.004, 1e-4, 1e-6}) {
        int c = 0;
        while (c <= n && ConfidenceBounds.exactLower(c, n, alpha) <= p0) {
          c++;
        }
        // P(X >= c) is the chance that a rate exactly at p0 is failed
        double size = 1 - binomial.cumulativeProbability(c - 1);
        assertThat(size).as("n %d alpha %s: fails from %d errors", n, alpha, c).isLessThanOrEqualTo(alpha * (1 + 1e-9));
        double oneFewer = 1 - binomial.cumulativeProbability(c - 2);
        assertThat(oneFewer).as("n %d alpha %s: %d errors would be too many to fail on", n, alpha, c - 1)
          .isGreaterThan(alpha);
      }
    }
    assertThat(ConfidenceBounds.exactLower(0, 100, 0.025)).isZero();
    assertThat(ConfidenceBounds.exactUpper(100, 100, 0.025)).isEqualTo(1);
    assertThat(ConfidenceBounds.exactLower(100, 100, 0.025)).isCloseTo(Math.pow(0.025, 0.01), within(1e-12));
    assertThat(ConfidenceBounds.exactUpper(0, 100, 0.025)).isCloseTo(1 - Math.pow(0.025, 0.01), within(1e-12));
  }
}
