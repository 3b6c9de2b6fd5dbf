package dev.hmd.sim;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntToDoubleFunction;

/**
 * What a group of invocations holds for one key, enough to answer every operator on it. Weights
 * are (possibly fractional) invocation counts: see {@link CellWeights}.
 */
interface KeyStats {

  /** Adds the passing invocations of one cell. */
  void add(SimWorker worker, TrafficCell cell, CellWeights weights);

  /** How many invocations that have the key were added. */
  double weight();

  /** The operator's value, or null when there is nothing to compute it from. */
  Double compute(Operator operator);

  static KeyStats of(TelemetryKey key) {
    return switch (key.type) {
      case MEASURE -> new Measure(key == TelemetryKey.WALL_TIME);
      case NUMBER -> new Points(key);
      case STRING -> new Distinct(key);
    };
  }

  /** A weighted distribution of numbers, visited in ascending order. */
  abstract class Distribution implements KeyStats {

    @FunctionalInterface
    interface Visitor {
      void accept(double value, double weight);
    }

    abstract void forEachAscending(Visitor visitor);

    @Override
    public Double compute(Operator operator) {
      double total = weight();
      if (total <= 1e-9) {
        return null;
      }
      if (!Double.isNaN(operator.quantile)) {
        return quantile(operator.quantile * total);
      }
      double[] sums = new double[4];
      double[] extremes = {Double.NaN, Double.NaN};
      forEachAscending((value, weight) -> {
        if (weight <= 0) {
          return;
        }
        sums[0] += value * weight;
        sums[1] += value * value * weight;
        sums[2]++;
        extremes[0] = Double.isNaN(extremes[0]) ? value : extremes[0];
        extremes[1] = value;
      });
      double mean = sums[0] / total;
      double variance = Math.max(0, sums[1] / total - mean * mean);
      return switch (operator) {
        case COUNT -> total;
        case UNIQ -> sums[2];
        case MIN -> extremes[0];
        case MAX -> extremes[1];
        case SUM -> sums[0];
        case AVG -> mean;
        case VARIANCE -> variance;
        case STDDEV -> Math.sqrt(variance);
        default -> throw new IllegalStateException(operator.name());
      };
    }

    /** Nearest rank: the smallest value with at least {@code rank} of the weight at or below it. */
    private double quantile(double rank) {
      double[] state = {0, Double.NaN, Double.NaN};
      forEachAscending((value, weight) -> {
        if (weight <= 0) {
          return;
        }
        state[2] = value;
        state[0] += weight;
        if (Double.isNaN(state[1]) && state[0] >= rank - 1e-9) {
          state[1] = value;
        }
      });
      return Double.isNaN(state[1]) ? state[2] : state[1];
    }
  }

  /** A wall or CPU time: the cells' histograms, merged with the filter's per-bucket weights. */
  final class Measure extends Distribution {

    private final boolean wall;
    private int low;
    private double[] weights;
    private double total;

    Measure(boolean wall) {
      this.wall = wall;
    }

    @Override
    public void add(SimWorker worker, TrafficCell cell, CellWeights cellWeights) {
      IntToDoubleFunction factor = wall ? cellWeights::wallFactor : cellWeights::cpuFactor;
      (wall ? cell.wall() : cell.cpu()).forEach((bucket, count) -> {
        double weight = count * factor.applyAsDouble(bucket);
        if (weight > 0) {
          slot(bucket);
          weights[bucket - low] += weight;
          total += weight;
        }
      });
    }

    private void slot(int bucket) {
      if (weights == null) {
        low = bucket;
        weights = new double[64];
      } else if (bucket < low) {
        int grow = Math.max(low - bucket, weights.length / 2);
        double[] grown = new double[weights.length + grow];
        System.arraycopy(weights, 0, grown, grow, weights.length);
        weights = grown;
        low -= grow;
      } else if (bucket - low >= weights.length) {
        weights = Arrays.copyOf(weights, Math.max(bucket - low + 1, weights.length * 3 / 2));
      }
    }

    @Override
    public double weight() {
      return total;
    }

    @Override
    void forEachAscending(Visitor visitor) {
      if (weights == null) {
        return;
      }
      for (int i = 0; i < weights.length; i++) {
        if (weights[i] > 0) {
          visitor.accept(LogBuckets.value(low + i), weights[i]);
        }
      }
    }
  }

  /** A number every invocation of a cell shares (a status code): exact values. */
  final class Points extends Distribution {

    private final TelemetryKey key;
    private final TreeMap<Double, Double> weights = new TreeMap<>();
    private double total;

    Points(TelemetryKey key) {
      this.key = key;
    }

    @Override
    public void add(SimWorker worker, TrafficCell cell, CellWeights cellWeights) {
      if (key.valueOf(worker, cell) instanceof Number value) {
        weights.merge(value.doubleValue(), cellWeights.total(), Double::sum);
        total += cellWeights.total();
      }
    }

    @Override
    public double weight() {
      return total;
    }

    @Override
    void forEachAscending(Visitor visitor) {
      weights.forEach(visitor::accept);
    }
  }

  /** A string key: only count and uniq apply. */
  final class Distinct implements KeyStats {

    private final TelemetryKey key;
    private final Map<Object, Double> weights = new HashMap<>();
    private double total;

    Distinct(TelemetryKey key) {
      this.key = key;
    }

    @Override
    public void add(SimWorker worker, TrafficCell cell, CellWeights cellWeights) {
      Object value = key.valueOf(worker, cell);
      if (value != null) {
        weights.merge(value, cellWeights.total(), Double::sum);
        total += cellWeights.total();
      }
    }

    @Override
    public double weight() {
      return total;
    }

    @Override
    public Double compute(Operator operator) {
      if (total <= 1e-9) {
        return null;
      }
      return switch (operator) {
        case COUNT -> total;
        case UNIQ -> (double) weights.size();
        default -> null;
      };
    }
  }
}
