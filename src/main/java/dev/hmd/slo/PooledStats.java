package dev.hmd.slo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One version's telemetry pooled over the windows of a stage. Counts add up exactly. Percentiles
 * cannot: telemetry gives each window a few sample quantiles, not its samples. The pool keeps the
 * distribution of all the windows together (their mixture, weighted by requests) at the same
 * levels telemetry gives, twice: read low and read high. Merging a window takes the mixture of
 * the pool's low reading and the window's low reading (each as a whole quantile function, see
 * {@link QuantileCurve#lowReading}), and the same for high, so the low curve stays at or below
 * the pooled sample quantiles and the high curve at or above them, as far as the readings are
 * (docs/slo-evaluation.md, "Pooled evidence"). A fail is judged on the low curve, a pass on the
 * high one.
 *
 * <p>{@code wallLow}, {@code wallHigh} hold the wall-time quantiles at p25, p50, p75, p90, p95,
 * p99, p999 and {@code cpuLow}, {@code cpuHigh} CPU time at p50, p99, in milliseconds; an
 * element is null when no window had it.
 */
public record PooledStats(
  long requests,
  long errors,
  long exceptions,
  List<Double> wallLow,
  List<Double> wallHigh,
  List<Double> cpuLow,
  List<Double> cpuHigh) implements Sample {

  /**
   * Where a merge stops refining a pooled quantile: a hundred-thousandth of it, far below any
   * difference that matters (0.005 ms of a 500 ms p99). A merge is on every check's path, and each
   * halving costs two quantile-curve inversions per level.
   */
  private static final double RELATIVE_PRECISION = 1e-5;
  /** A point at which the mixture's share is this close to the level is taken as its quantile. */
  private static final double SHARE_PRECISION = 1e-9;

  public PooledStats {
    wallLow = frozen(wallLow, VersionStats.WALL_LEVELS.length);
    wallHigh = frozen(wallHigh, VersionStats.WALL_LEVELS.length);
    cpuLow = frozen(cpuLow, VersionStats.CPU_LEVELS.length);
    cpuHigh = frozen(cpuHigh, VersionStats.CPU_LEVELS.length);
  }

  /** Nothing pooled yet. */
  public static PooledStats empty() {
    return new PooledStats(0, 0, 0, null, null, null, null);
  }

  /** The pool with one more window, every measure merged. */
  public PooledStats plus(VersionStats window) {
    return plus(window, EnumSet.of(Sli.Kind.WALL_TIME, Sli.Kind.CPU_TIME));
  }

  /**
   * The pool with one more window, merging the percentiles of {@code measures} only (those the
   * plan's SLOs judge: a merge is most of what a check costs); the others stay as they were.
   */
  public PooledStats plus(VersionStats window, Set<Sli.Kind> measures) {
    if (window == null || window.requests() == 0 || window.inconsistency().isPresent()) {
      return this;
    }
    double weight = successfulRequests();
    double windowWeight = window.successfulRequests();
    boolean wall = measures.contains(Sli.Kind.WALL_TIME);
    boolean cpu = measures.contains(Sli.Kind.CPU_TIME);
    QuantileCurve windowWall = wall ? window.curve(Sli.Kind.WALL_TIME) : null;
    QuantileCurve windowCpu = cpu ? window.curve(Sli.Kind.CPU_TIME) : null;
    return new PooledStats(requests + window.requests(), errors + window.errors(), exceptions + window.exceptions(),
      wall ? merge(curve(VersionStats.WALL_LEVELS, wallLow), weight, windowWall, windowWeight, VersionStats.WALL_LEVELS,
        true) : wallLow,
      wall ? merge(curve(VersionStats.WALL_LEVELS, wallHigh), weight, windowWall, windowWeight,
        VersionStats.WALL_LEVELS,
        false) : wallHigh,
      cpu ? merge(curve(VersionStats.CPU_LEVELS, cpuLow), weight, windowCpu, windowWeight, VersionStats.CPU_LEVELS,
        true)
        : cpuLow,
      cpu ? merge(curve(VersionStats.CPU_LEVELS, cpuHigh), weight, windowCpu, windowWeight, VersionStats.CPU_LEVELS,
        false)
        : cpuHigh);
  }

  /**
   * The mixture of two distributions, each known as a quantile curve, at {@code levels}: the
   * smallest x at which {@code (wa Fa(x) + wb Fb(x)) / (wa + wb)} reaches the level. It lies
   * between the two curves' values at that level, and is found by bisection between them.
   */
  private static List<Double> merge(QuantileCurve pool, double poolWeight, QuantileCurve window, double windowWeight,
    double[] levels, boolean low) {
    if (window.isEmpty() || windowWeight <= 0) {
      return pool.isEmpty() ? null : readings(pool, levels, low);
    }
    if (pool.isEmpty() || poolWeight <= 0) {
      return readings(window, levels, low);
    }
    Double[] merged = new Double[levels.length];
    double total = poolWeight + windowWeight;
    for (int i = 0; i < levels.length; i++) {
      double p = levels[i];
      double a = low ? pool.lowReading(p) : pool.highReading(p);
      double b = low ? window.lowReading(p) : window.highReading(p);
      merged[i] = mixtureQuantile(pool, poolWeight / total, window, windowWeight / total, p, Math.min(a, b),
        Math.max(a, b), low);
    }
    return Arrays.asList(merged);
  }

  /**
   * The x in [lo, hi] at which the mixture's share at or below x reaches {@code p}, by the Illinois
   * variant of regula falsi: the share is monotone in x and smooth between the curves' known
   * points, so a few steps do what bisection did in twenty. For a low curve the result errs low,
   * for a high one high, within {@link #RELATIVE_PRECISION}.
   */
  private static double mixtureQuantile(QuantileCurve a, double wa, QuantileCurve b, double wb, double p, double lo,
    double hi, boolean low) {
    double fLo = share(a, wa, b, wb, lo, low) - p;
    double fHi = share(a, wa, b, wb, hi, low) - p;
    if (fLo >= 0 || hi - lo <= RELATIVE_PRECISION * Math.max(1, hi)) {
      return low ? lo : hi;
    }
    if (fHi < 0) {
      // the mixture reaches p at hi only by rounding: hi is a component's own value at p
      return hi;
    }
    int side = 0;
    for (int step = 0; step < 60 && hi - lo > RELATIVE_PRECISION * Math.max(1, hi); step++) {
      double x = (lo * fHi - hi * fLo) / (fHi - fLo);
      if (!(x > lo && x < hi)) {
        x = (lo + hi) / 2;
      }
      double fx = share(a, wa, b, wb, x, low) - p;
      if (Math.abs(fx) <= SHARE_PRECISION) {
        return x;
      }
      if (fx >= 0) {
        hi = x;
        fHi = fx;
        if (side == -1) {
          fLo /= 2;
        }
        side = -1;
      } else {
        lo = x;
        fLo = fx;
        if (side == 1) {
          fHi /= 2;
        }
        side = 1;
      }
    }
    return low ? lo : hi;
  }

  private static double share(QuantileCurve a, double wa, QuantileCurve b, double wb, double x, boolean low) {
    return low ? wa * a.lowCdf(x) + wb * b.lowCdf(x) : wa * a.highCdf(x) + wb * b.highCdf(x);
  }

  private static List<Double> readings(QuantileCurve curve, double[] levels, boolean low) {
    Double[] values = new Double[levels.length];
    for (int i = 0; i < levels.length; i++) {
      values[i] = low ? curve.lowReading(levels[i]) : curve.highReading(levels[i]);
    }
    return Arrays.asList(values);
  }

  private static QuantileCurve curve(double[] levels, List<Double> values) {
    return QuantileCurve.of(levels, values == null ? new Double[levels.length] : values.toArray(Double[]::new));
  }

  @Override
  public Double observed(Sli sli) {
    return value(sli, false);
  }

  @Override
  public Double observedLow(Sli sli) {
    return value(sli, true);
  }

  private Double value(Sli sli, boolean low) {
    return switch (sli) {
      case LATENCY_P50 -> (low ? wallLow : wallHigh).get(1);
      case LATENCY_P90 -> (low ? wallLow : wallHigh).get(3);
      case LATENCY_P99 -> (low ? wallLow : wallHigh).get(5);
      case LATENCY_P999 -> (low ? wallLow : wallHigh).get(6);
      case CPU_P50 -> (low ? cpuLow : cpuHigh).get(0);
      case CPU_P99 -> (low ? cpuLow : cpuHigh).get(1);
      case ERROR_RATE -> requests > 0 ? (double) errors / requests : null;
      case EXCEPTION_RATE -> requests > 0 ? (double) exceptions / requests : null;
    };
  }

  @Override
  public QuantileCurve low(Sli.Kind kind) {
    return kind == Sli.Kind.CPU_TIME ? curve(VersionStats.CPU_LEVELS, cpuLow)
      : curve(VersionStats.WALL_LEVELS, wallLow);
  }

  @Override
  public QuantileCurve high(Sli.Kind kind) {
    return kind == Sli.Kind.CPU_TIME ? curve(VersionStats.CPU_LEVELS, cpuHigh)
      : curve(VersionStats.WALL_LEVELS, wallHigh);
  }

  @Override
  public Optional<String> inconsistency() {
    if (requests < 0 || errors < 0 || exceptions < 0 || errors > requests || exceptions > errors) {
      return Optional.of("pooled counts do not add up: " + requests + " requests, " + errors + " errors, "
        + exceptions + " exceptions");
    }
    return Optional.empty();
  }

  /** Errors over requests, or null without requests. */
  public Double errorRate() {
    return requests > 0 ? (double) errors / requests : null;
  }

  /**
   * For a stage's stored state: {@code {n: [requests, errors, exceptions], wl, wh, cl, ch}}, curves only when known.
   */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("n", List.of(requests, errors, exceptions));
    put(map, "wl", wallLow);
    put(map, "wh", wallHigh);
    put(map, "cl", cpuLow);
    put(map, "ch", cpuHigh);
    return map;
  }

  /** Reads what {@link #toMap()} wrote; null gives an empty pool; throws on a corrupt value. */
  public static PooledStats fromMap(Map<String, ?> map) {
    if (map == null) {
      return empty();
    }
    List<?> counts = (List<?>) map.get("n");
    if (counts == null || counts.size() != 3) {
      throw new IllegalArgumentException("pooled counts are " + counts);
    }
    return new PooledStats(((Number) counts.get(0)).longValue(), ((Number) counts.get(1)).longValue(),
      ((Number) counts.get(2)).longValue(), doubles(map.get("wl")), doubles(map.get("wh")), doubles(map.get("cl")),
      doubles(map.get("ch")));
  }

  private static void put(Map<String, Object> map, String key, List<Double> values) {
    if (values.stream().anyMatch(v -> v != null)) {
      map.put(key, values);
    }
  }

  private static List<Double> doubles(Object value) {
    if (value == null) {
      return null;
    }
    List<Double> out = new ArrayList<>();
    for (Object item : (List<?>) value) {
      out.add(item == null ? null : ((Number) item).doubleValue());
    }
    return out;
  }

  /** A list of {@code size} values that may hold nulls and cannot change; null gives all nulls. */
  private static List<Double> frozen(List<Double> values, int size) {
    Double[] copy = new Double[size];
    if (values != null) {
      if (values.size() != size) {
        throw new IllegalArgumentException("expected " + size + " quantiles, got " + values.size());
      }
      for (int i = 0; i < size; i++) {
        copy[i] = values.get(i);
      }
    }
    return Collections.unmodifiableList(Arrays.asList(copy));
  }
}
