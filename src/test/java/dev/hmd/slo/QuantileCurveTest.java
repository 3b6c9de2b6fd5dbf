package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class QuantileCurveTest {

  private static final double[] WALL = {0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 0.999};

  /** An exponential distribution with mean 100 ms: its quantiles lie on a straight line in -ln(1 - p). */
  private static double exponential(double p) {
    return -100 * Math.log1p(-p);
  }

  private static QuantileCurve exponentialCurve() {
    Double[] values = new Double[WALL.length];
    for (int i = 0; i < WALL.length; i++) {
      values[i] = exponential(WALL[i]);
    }
    return QuantileCurve.of(WALL, values);
  }

  @Test
  @DisplayName("known levels read back exactly")
  void knownLevels() {
    QuantileCurve curve = exponentialCurve();
    for (double level : WALL) {
      assertThat(curve.valueAt(level)).isCloseTo(exponential(level), within(1e-9));
    }
  }

  @Test
  @DisplayName("between known levels an exponential tail is reproduced exactly")
  void exactForExponential() {
    QuantileCurve curve = exponentialCurve();
    for (double level : new double[] {0.3, 0.6, 0.8, 0.93, 0.975, 0.995, 0.9985}) {
      assertThat(curve.valueAt(level)).isCloseTo(exponential(level), within(1e-9));
    }
  }

  @Test
  @DisplayName("above the highest known level there is no value; below the lowest only down to p25")
  void outsideTheKnownRange() {
    QuantileCurve curve = exponentialCurve();
    assertThat(curve.valueAt(0.9995)).isNull();
    assertThat(curve.valueAt(0.2)).isNull();
    QuantileCurve cpu = QuantileCurve.of(new double[] {0.5, 0.99}, new Double[] {2.0, 10.0});
    assertThat(cpu.valueAt(0.4)).isBetween(1.5, 2.0);
    assertThat(cpu.valueAt(0.25)).isNotNull();
    assertThat(cpu.valueAt(0.2)).isNull();
  }

  @Test
  @DisplayName("extrapolation below the lowest level never goes negative")
  void neverNegative() {
    QuantileCurve steep = QuantileCurve.of(new double[] {0.5, 0.99}, new Double[] {1.0, 500.0});
    assertThat(steep.valueAt(0.3)).isEqualTo(0.0);
  }

  @Test
  @DisplayName("missing values are skipped and a curve with none has no values")
  void missingValues() {
    QuantileCurve gappy = QuantileCurve.of(WALL, new Double[] {null, 50.0, null, null, null, 200.0, null});
    assertThat(gappy.valueAt(0.5)).isEqualTo(50.0);
    assertThat(gappy.valueAt(0.99)).isEqualTo(200.0);
    assertThat(gappy.valueAt(0.9)).isBetween(50.0, 200.0);
    assertThat(gappy.valueAt(0.999)).isNull();
    QuantileCurve empty = QuantileCurve.of(WALL, new Double[WALL.length]);
    assertThat(empty.valueAt(0.5)).isNull();
    QuantileCurve single = QuantileCurve.of(new double[] {0.5, 0.99}, new Double[] {null, 9.0});
    assertThat(single.valueAt(0.99)).isEqualTo(9.0);
    assertThat(single.valueAt(0.9)).isNull();
  }
}
