package dev.hmd.slo;

import java.util.ArrayList;
import java.util.List;

/**
 * The few sample quantiles telemetry gives for one measure (p25, p50, ... p999), read at any
 * level between them. Between two known quantiles the value is interpolated linearly in
 * -ln(1 - p): exact for an exponential tail, and for the right-skewed, long-tailed latency
 * distributions of web traffic closer than interpolating linearly in p, which would put the
 * value between p99 and p999 far too high.
 *
 * <p>Below the lowest known quantile the line through the two lowest is extended, but not under
 * {@link #EXTRAPOLATION_FLOOR} and never below 0; above the highest known quantile there is no
 * value: a tail we have not seen cannot be bounded.
 */
final class QuantileCurve {

  /**
   * Wall time is known from p25, so this only matters for CPU time (known from p50): its median
   * can then be bounded from about 16 requests on.
   */
  static final double EXTRAPOLATION_FLOOR = 0.25;
  private static final double LEVEL_TOLERANCE = 1e-12;

  private final double[] levels;
  private final double[] values;

  private QuantileCurve(double[] levels, double[] values) {
    this.levels = levels;
    this.values = values;
  }

  /** The known points; null values are skipped. Levels must be ascending. */
  static QuantileCurve of(double[] levels, Double[] values) {
    List<double[]> points = new ArrayList<>();
    for (int i = 0; i < levels.length; i++) {
      if (values[i] != null) {
        points.add(new double[] {levels[i], values[i]});
      }
    }
    double[] knownLevels = new double[points.size()];
    double[] knownValues = new double[points.size()];
    for (int i = 0; i < points.size(); i++) {
      knownLevels[i] = points.get(i)[0];
      knownValues[i] = points.get(i)[1];
    }
    return new QuantileCurve(knownLevels, knownValues);
  }

  /** The estimated sample quantile at {@code level}, or null when it cannot be estimated. */
  Double valueAt(double level) {
    int count = levels.length;
    if (count == 0 || level > levels[count - 1] + LEVEL_TOLERANCE) {
      return null;
    }
    if (level >= levels[count - 1] - LEVEL_TOLERANCE) {
      return values[count - 1];
    }
    if (level < levels[0] - LEVEL_TOLERANCE) {
      if (count < 2 || level < EXTRAPOLATION_FLOOR - LEVEL_TOLERANCE) {
        return null;
      }
      return Math.max(0, along(0, level));
    }
    for (int i = 0; i < count - 1; i++) {
      if (level <= levels[i + 1]) {
        return along(i, level);
      }
    }
    return values[count - 1];
  }

  /** The value on the straight line (in -ln(1 - p)) through known points i and i + 1. */
  private double along(int i, double level) {
    double x0 = tail(levels[i]);
    double x1 = tail(levels[i + 1]);
    double t = (tail(level) - x0) / (x1 - x0);
    return values[i] + t * (values[i + 1] - values[i]);
  }

  private static double tail(double level) {
    return -Math.log1p(-level);
  }
}
