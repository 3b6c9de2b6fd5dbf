package dev.hmd.slo;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.special.Erf;

/**
 * The few sample quantiles telemetry gives for one measure (p25, p50, ... p999), read at levels
 * between them. We do not know the distribution's shape between the known points, so the curve
 * is read two ways, each erring on its own side for the shapes latency and CPU time take
 * (exponential, gamma, Weibull, lognormal, normal, and power-law tails up to Pareto's):
 *
 * <ul>
 *   <li>{@link #lowAt} for lower confidence bounds: between known points, log-linear in
 *   x = -ln(1 - p), as a power-law (Pareto) tail would be; for every lighter tail that lies at
 *   or below the true curve, because ln Q is concave in x for them. Below the lowest known point
 *   (only CPU time, known from its median): linear in the normal score z = Phi^-1(p), the
 *   steepest descent of those shapes, down to {@link #EXTRAPOLATION_FLOOR} and never below 0.
 *   Above the highest known point: that point's value, since quantiles only grow.</li>
 *   <li>{@link #highAt} for upper confidence bounds: linear in z between known points, which
 *   lies at or above the true curve whenever Q is convex in z (true of all the shapes above).
 *   Below the lowest known point: that point's value. Above the highest: the power-law line
 *   through the two highest points extended, which every lighter tail stays under; nothing at
 *   level 1 (the sample maximum, which telemetry does not give).</li>
 * </ul>
 *
 * Both readings agree with the known points exactly.
 */
final class QuantileCurve {

  /**
   * Wall time is known from p25, so this only matters for CPU time (known from p50): its median
   * can then be bounded from 17 requests on.
   */
  static final double EXTRAPOLATION_FLOOR = 0.25;
  private static final double LEVEL_TOLERANCE = 1e-12;

  /** Normal scores and tails of the levels telemetry gives, computed once: a merge reads them thousands of times. */
  private static final java.util.Map<Double, double[]> KNOWN = new java.util.concurrent.ConcurrentHashMap<>();

  private final double[] levels;
  private final double[] values;
  /** normalScore and tail of each known level. */
  private final double[] scores;
  private final double[] tails;

  private QuantileCurve(double[] levels, double[] values) {
    this.levels = levels;
    this.values = values;
    this.scores = new double[levels.length];
    this.tails = new double[levels.length];
    for (int i = 0; i < levels.length; i++) {
      double[] known = KNOWN.computeIfAbsent(levels[i], level -> new double[] {normalScore(level), tail(level)});
      scores[i] = known[0];
      tails[i] = known[1];
    }
  }

  /** The known points; null values are skipped. Levels must be ascending, in (0, 1). */
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

  /** A value at or below the sample quantile at {@code level}; null when none can be given. */
  Double lowAt(double level) {
    int count = levels.length;
    int exact = indexOf(level);
    if (count == 0 || exact >= 0) {
      return count == 0 ? null : values[exact];
    }
    if (level > levels[count - 1]) {
      return values[count - 1];
    }
    if (level < levels[0]) {
      if (count < 2 || level < EXTRAPOLATION_FLOOR - LEVEL_TOLERANCE) {
        return null;
      }
      return Math.max(0, linearInNormalScore(0, level));
    }
    int i = segment(level);
    return logLinearInTail(i, level);
  }

  /** A value at or above the sample quantile at {@code level}; null when none can be given. */
  Double highAt(double level) {
    int count = levels.length;
    int exact = indexOf(level);
    if (count == 0 || exact >= 0) {
      return count == 0 ? null : values[exact];
    }
    if (level > levels[count - 1]) {
      return count < 2 || level >= 1 ? null : powerLawBeyondTop(level);
    }
    if (level < levels[0]) {
      return values[0];
    }
    return linearInNormalScore(segment(level), level);
  }

  /**
   * Extends the line through the two highest known points in (x, ln Q): a power-law tail, the
   * heaviest of the usual shapes, so every lighter tail stays below it. Null when a value is 0.
   */
  private Double powerLawBeyondTop(double level) {
    int top = levels.length - 1;
    if (values[top - 1] <= 0 || values[top] <= 0) {
      return null;
    }
    double t = (tail(level) - tail(levels[top - 1])) / (tail(levels[top]) - tail(levels[top - 1]));
    return values[top - 1] * Math.pow(values[top] / values[top - 1], t);
  }

  private int indexOf(double level) {
    for (int i = 0; i < levels.length; i++) {
      if (Math.abs(levels[i] - level) <= LEVEL_TOLERANCE) {
        return i;
      }
    }
    return -1;
  }

  /** The i such that levels[i] < level < levels[i + 1]. */
  private int segment(double level) {
    int i = 0;
    while (levels[i + 1] < level) {
      i++;
    }
    return i;
  }

  /** On the line through known points i and i + 1 in (x, ln Q); 0 when a point is 0. */
  private double logLinearInTail(int i, double level) {
    if (values[i] <= 0 || values[i + 1] <= 0) {
      return values[i];
    }
    double t = (tail(level) - tail(levels[i])) / (tail(levels[i + 1]) - tail(levels[i]));
    return values[i] * Math.pow(values[i + 1] / values[i], t);
  }

  /** On the line through known points i and i + 1 in (z, Q). */
  private double linearInNormalScore(int i, double level) {
    double t = (normalScore(level) - normalScore(levels[i])) / (normalScore(levels[i + 1]) - normalScore(levels[i]));
    return values[i] + t * (values[i + 1] - values[i]);
  }

  boolean isEmpty() {
    return levels.length == 0;
  }

  // --- Readings for pooling (PooledStats): a whole quantile function each, and its inverse ---

  /**
   * The low reading at any level, for merging curves: {@link #lowAt} between and above the known
   * points; below the lowest, the normal-score line through the two lowest points continued all
   * the way down (clamped at 0), where {@link #lowAt} stops at {@link #EXTRAPOLATION_FLOOR}. A
   * merge needs a value at every level, and "as low as 0" below p25 would drag a pooled p25 to
   * 0 and with it every bound read near the median. Null when the curve is empty.
   */
  Double lowReading(double level) {
    int count = levels.length;
    if (count == 0) {
      return null;
    }
    if (level >= levels[0] - LEVEL_TOLERANCE) {
      return lowAt(level);
    }
    if (count < 2) {
      return 0.0;
    }
    return Math.max(0, linearInNormalScore(0, level));
  }

  /**
   * The high reading at any level below 1, for merging curves: {@link #highAt}, and above the
   * highest known point of a one-point curve that point's value (nothing better is known).
   */
  Double highReading(double level) {
    int count = levels.length;
    if (count == 0) {
      return null;
    }
    if (level > levels[count - 1] && count < 2) {
      return values[count - 1];
    }
    Double value = highAt(level);
    return value == null ? values[count - 1] : value;
  }

  /** The share of the low reading at or below x: the inverse of {@link #lowReading}. */
  double lowCdf(double x) {
    int count = levels.length;
    int top = count - 1;
    if (x >= values[top]) {
      return 1;
    }
    int i = top;
    while (i >= 0 && values[i] > x) {
      i--;
    }
    if (i < 0) {
      if (count < 2) {
        return x >= 0 ? levels[0] : 0;
      }
      if (values[1] <= values[0]) {
        return 0;
      }
      double z = scores[0] + (x - values[0]) * (scores[1] - scores[0]) / (values[1] - values[0]);
      return x < 0 ? 0 : normalCdf(z);
    }
    // values[i] <= x < values[i + 1]
    if (values[i] <= 0) {
      return levels[i + 1];
    }
    double t = Math.log(x / values[i]) / Math.log(values[i + 1] / values[i]);
    return levelOfTail(tails[i] + t * (tails[i + 1] - tails[i]));
  }

  /** The share of the high reading at or below x: the inverse of {@link #highReading}. */
  double highCdf(double x) {
    int count = levels.length;
    int top = count - 1;
    if (x < values[0]) {
      return 0;
    }
    if (x >= values[top]) {
      if (count < 2 || values[top - 1] <= 0 || values[top] <= values[top - 1]) {
        return 1;
      }
      double t = Math.log(x / values[top - 1]) / Math.log(values[top] / values[top - 1]);
      return levelOfTail(tails[top - 1] + t * (tails[top] - tails[top - 1]));
    }
    int i = top;
    while (values[i] > x) {
      i--;
    }
    // values[i] <= x < values[i + 1]
    double t = (x - values[i]) / (values[i + 1] - values[i]);
    return normalCdf(scores[i] + t * (scores[i + 1] - scores[i]));
  }

  private static double levelOfTail(double tail) {
    return Math.min(1, -Math.expm1(-tail));
  }

  /**
   * The standard normal distribution function, to a relative error below 1.2e-7 (the
   * complementary error function's Chebyshev fit of Numerical Recipes, erfcc): plenty for a
   * share of requests, and a tenth of the cost of commons-math's erfc, on every merge's path.
   */
  static double normalCdf(double z) {
    double x = -z / Math.sqrt(2);
    double ax = Math.abs(x);
    double t = 1 / (1 + 0.5 * ax);
    double erfc = t * Math.exp(-ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
      + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223
      + t * 0.17087277)))))))));
    return 0.5 * (x >= 0 ? erfc : 2 - erfc);
  }

  private static double tail(double level) {
    return -Math.log1p(-level);
  }

  private static double normalScore(double level) {
    return Math.sqrt(2) * Erf.erfInv(2 * level - 1);
  }
}
