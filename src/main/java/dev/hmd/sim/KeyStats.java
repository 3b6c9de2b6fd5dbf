package dev.hmd.sim;

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

    private static final int SLACK = 32;
    private final boolean wall;
    private int low;
    private double[] weights;
    private double total;

    Measure(boolean wall) {
      this.wall = wall;
    }

    @Override
    public void add(SimWorker worker, TrafficCell cell, CellWeights cellWeights) {
      BucketCounts histogram = wall ? cell.wall() : cell.cpu();
      if (histogram.total() == 0) {
        return;
      }
      reserve(histogram.lowest(), histogram.highest());
      if (cellWeights.whole()) {
        histogram.forEach(this::add);
        return;
      }
      IntToDoubleFunction factor = wall ? cellWeights::wallFactor : cellWeights::cpuFactor;
      histogram.forEach((bucket, count) -> add(bucket, count * factor.applyAsDouble(bucket)));
    }

    private void add(int bucket, double weight) {
      if (weight > 0) {
        weights[bucket - low] += weight;
        total += weight;
      }
    }

    /** Makes room for buckets {@code from..to}, with slack so that later cells rarely grow it. */
    private void reserve(int from, int to) {
      if (weights == null) {
        low = Math.max(0, from - SLACK);
        weights = new double[to - low + 1 + SLACK];
      } else if (from < low || to - low >= weights.length) {
        int newLow = from < low ? Math.max(0, from - SLACK) : low;
        int newHigh = Math.max(to + (to - low >= weights.length ? SLACK : 0), low + weights.length - 1);
        double[] grown = new double[newHigh - newLow + 1];
        System.arraycopy(weights, 0, grown, low - newLow, weights.length);
        weights = grown;
        low = newLow;
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
