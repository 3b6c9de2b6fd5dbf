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

  @ParameterizedTest(name = "{0}/{1} -> [{2}, {3}]")
  @CsvSource({
    // reference values of the 95% Wilson score interval (Newcombe 1998, Table I; R binom.confint)
    "81, 263, 0.2553, 0.3662",
    "15, 148, 0.0624, 0.1605",
    "0, 20, 0.0, 0.1611",
    "1, 29, 0.0061, 0.1718",
    "5, 100, 0.0215, 0.1118"})
  @DisplayName("the Wilson interval matches published values")
  void wilsonReferenceValues(long events, long trials, double lower, double upper) {
    assertThat(ConfidenceBounds.wilsonLower(events, trials)).isCloseTo(lower, within(0.0001));
    assertThat(ConfidenceBounds.wilsonUpper(events, trials)).isCloseTo(upper, within(0.0001));
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
          assertThat(1 - b.cumulativeProbability((int) k - 1)).as("coverage n=%d p=%s", n, p).isGreaterThanOrEqualTo(0.975);
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
}
