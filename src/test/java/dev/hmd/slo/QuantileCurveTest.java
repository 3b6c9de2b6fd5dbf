package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;
import org.apache.commons.math3.distribution.GammaDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class QuantileCurveTest {

  private static final double[] WALL = {0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 0.999};
  private static final double[] CPU = {0.50, 0.99};

  private static double z(double p) {
    return new NormalDistribution(null, 0, 1).inverseCumulativeProbability(p);
  }

  /** Quantile functions of the shapes latency and CPU time take. */
  static Stream<Arguments> shapes() {
    return Stream.of(
      Arguments.of("exponential", (DoubleUnaryOperator) p -> -100 * Math.log1p(-p)),
      Arguments.of("constant floor + exponential", (DoubleUnaryOperator) p -> 50 - 20 * Math.log1p(-p)),
      Arguments.of("lognormal sigma 0.1", lognormal(0.1)),
      Arguments.of("lognormal sigma 0.3", lognormal(0.3)),
      Arguments.of("lognormal sigma 0.6", lognormal(0.6)),
      Arguments.of("lognormal sigma 1.0", lognormal(1.0)),
      Arguments.of("lognormal sigma 1.5", lognormal(1.5)),
      Arguments.of("Pareto alpha 1.2", pareto(1.2)),
      Arguments.of("Pareto alpha 3", pareto(3)),
      Arguments.of("Weibull k 0.5", weibull(0.5)),
      Arguments.of("Weibull k 0.8", weibull(0.8)),
      Arguments.of("Weibull k 1.5", weibull(1.5)),
      Arguments.of("gamma shape 0.5", gamma(0.5)),
      Arguments.of("gamma shape 2", gamma(2)),
      Arguments.of("gamma shape 8", gamma(8)),
      Arguments.of("normal 100 +- 15", (DoubleUnaryOperator) p -> 100 + 15 * z(p)));
  }

  private static DoubleUnaryOperator lognormal(double sigma) {
    return p -> 100 * Math.exp(sigma * z(p));
  }

  private static DoubleUnaryOperator pareto(double alpha) {
    return p -> 10 * Math.pow(1 - p, -1 / alpha);
  }

  private static DoubleUnaryOperator weibull(double k) {
    return p -> 100 * Math.pow(-Math.log1p(-p), 1 / k);
  }

  private static DoubleUnaryOperator gamma(double shape) {
    GammaDistribution gamma = new GammaDistribution(null, shape, 10, 1e-12);
    return gamma::inverseCumulativeProbability;
  }

  private static QuantileCurve curveOf(DoubleUnaryOperator quantile, double[] levels) {
    Double[] values = new Double[levels.length];
    for (int i = 0; i < levels.length; i++) {
      values[i] = quantile.applyAsDouble(levels[i]);
    }
    return QuantileCurve.of(levels, values);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  @DisplayName(
    "lowAt never overstates and highAt never understates a usual shape's quantiles, read from p25..p999 or p50/p99, "
    + "up to p99.995")
  void envelopes(String name, DoubleUnaryOperator quantile) {
    for (double[] known : new double[][] {WALL, CPU}) {
      QuantileCurve curve = curveOf(quantile, known);
      for (double level = 0.25; level < 0.99995; level += level < 0.999 ? 0.0005 : 0.00001) {
        double truth = quantile.applyAsDouble(level);
        double slack = 1e-9 * Math.abs(truth);
        Double low = curve.lowAt(level);
        if (low != null) {
          assertThat(low).as("%s low at %.4f from %d points", name, level, known.length)
            .isLessThanOrEqualTo(truth + slack);
        }
        Double high = curve.highAt(level);
        if (high != null) {
          assertThat(high).as("%s high at %.4f from %d points", name, level, known.length)
            .isGreaterThanOrEqualTo(truth - slack);
        }
      }
    }
  }

  @Test
  @DisplayName(
    "a nearly symmetric light tail (Weibull k 3) is read within 0.5%: the envelopes are for right-skewed shapes")
  void nearlySymmetric() {
    DoubleUnaryOperator quantile = weibull(3);
    for (double[] known : new double[][] {WALL, CPU}) {
      QuantileCurve curve = curveOf(quantile, known);
      for (double level = 0.25; level <= 0.999; level += 0.0005) {
        double truth = quantile.applyAsDouble(level);
        Double low = curve.lowAt(level);
        if (low != null) {
          assertThat(low).isLessThanOrEqualTo(truth * 1.005);
        }
        Double high = curve.highAt(level);
        if (high != null) {
          assertThat(high).isGreaterThanOrEqualTo(truth * 0.995);
        }
      }
    }
  }

  @Test
  @DisplayName("known levels read back exactly both ways")
  void knownLevels() {
    QuantileCurve curve = curveOf(lognormal(0.6), WALL);
    for (double level : WALL) {
      double truth = lognormal(0.6).applyAsDouble(level);
      assertThat(curve.lowAt(level)).isCloseTo(truth, within(1e-9));
      assertThat(curve.highAt(level)).isCloseTo(truth, within(1e-9));
    }
  }

  @Test
  @DisplayName("a Pareto tail is reproduced exactly by the low reading between known points")
  void paretoExact() {
    QuantileCurve curve = curveOf(pareto(2), WALL);
    for (double level : new double[] {0.3, 0.6, 0.8, 0.93, 0.975, 0.995}) {
      assertThat(curve.lowAt(level)).isCloseTo(pareto(2).applyAsDouble(level), within(1e-9));
    }
  }

  @Test
  @DisplayName("a normal distribution is reproduced exactly by the high reading, and below the median by the low one")
  void normalExact() {
    DoubleUnaryOperator normal = p -> 100 + 15 * z(p);
    QuantileCurve curve = curveOf(normal, CPU);
    for (double level : new double[] {0.6, 0.9, 0.98}) {
      assertThat(curve.highAt(level)).isCloseTo(normal.applyAsDouble(level), within(1e-9));
    }
    for (double level : new double[] {0.3, 0.45}) {
      assertThat(curve.lowAt(level)).isCloseTo(normal.applyAsDouble(level), within(1e-9));
    }
  }

  @Test
  @DisplayName(
    "outside the known range: low goes down to p25 only and repeats the top value above it; high repeats the bottom "
    + "value below and extends a power law above")
  void outsideTheKnownRange() {
    QuantileCurve curve = curveOf(lognormal(0.6), WALL);
    assertThat(curve.lowAt(0.2)).isNull();
    assertThat(curve.lowAt(0.9995)).isEqualTo(curve.lowAt(0.999));
    assertThat(curve.highAt(0.9995)).isGreaterThan(curve.highAt(0.999));
    assertThat(curve.highAt(1)).isNull();
    assertThat(curve.highAt(0.1)).isEqualTo(curve.highAt(0.25));
    QuantileCurve pareto = curveOf(pareto(2), WALL);
    assertThat(pareto.highAt(0.9999)).isCloseTo(pareto(2).applyAsDouble(0.9999), within(1e-6));
    QuantileCurve cpu = QuantileCurve.of(CPU, new Double[] {2.0, 10.0});
    assertThat(cpu.lowAt(0.4)).isBetween(1.0, 2.0);
    assertThat(cpu.lowAt(0.25)).isNotNull();
    assertThat(cpu.lowAt(0.2)).isNull();
    assertThat(cpu.lowAt(0)).isNull();
    assertThat(cpu.highAt(1)).isNull();
    assertThat(cpu.highAt(0.995)).isGreaterThan(10.0);
  }

  @Test
  @DisplayName("extrapolation below the lowest level never goes negative, and zero values do not break the log reading")
  void zeroAndNegative() {
    QuantileCurve steep = QuantileCurve.of(CPU, new Double[] {1.0, 500.0});
    assertThat(steep.lowAt(0.3)).isEqualTo(0.0);
    QuantileCurve zeros = QuantileCurve.of(CPU, new Double[] {0.0, 3.0});
    assertThat(zeros.lowAt(0.9)).isEqualTo(0.0);
    assertThat(zeros.highAt(0.9)).isBetween(0.0, 3.0);
    assertThat(zeros.highAt(0.995)).isNull();
  }

  @Test
  @DisplayName("missing values are skipped and a curve with none has no values")
  void missingValues() {
    QuantileCurve gappy = QuantileCurve.of(WALL, new Double[] {null, 50.0, null, null, null, 200.0, null});
    assertThat(gappy.lowAt(0.5)).isEqualTo(50.0);
    assertThat(gappy.lowAt(0.99)).isEqualTo(200.0);
    assertThat(gappy.lowAt(0.9)).isBetween(50.0, 200.0);
    assertThat(gappy.highAt(0.999)).isGreaterThan(200.0);
    QuantileCurve empty = QuantileCurve.of(WALL, new Double[WALL.length]);
    assertThat(empty.lowAt(0.5)).isNull();
    assertThat(empty.highAt(0.5)).isNull();
    QuantileCurve single = QuantileCurve.of(CPU, new Double[] {null, 9.0});
    assertThat(single.lowAt(0.99)).isEqualTo(9.0);
    assertThat(single.lowAt(0.9)).isNull();
    assertThat(single.highAt(0.9)).isEqualTo(9.0);
    assertThat(single.highAt(0.995)).isNull();
  }
}
