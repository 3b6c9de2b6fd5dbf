package dev.hmd.sim;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * How many of a cell's invocations pass a query's filter. Keys other than the two times are the
 * same for the whole cell, so most filters pass a cell whole or not at all. A filter on a time is
 * decided per histogram bucket; a filter on one time while computing on the other is weighted by
 * the share of invocations that pass it, which is exact in distribution because the simulator
 * draws wall and CPU times independently (the invocations themselves are not kept).
 */
final class CellWeights {

  private static final CellWeights NONE = new CellWeights(0, null, null, null, null, null, 0);

  private final double total;
  private final TelemetryQuery query;
  private final SimWorker worker;
  private final TrafficCell cell;
  private final Map<Long, Long> wallClasses;
  private final Map<Long, Long> cpuClasses;
  private final long count;
  private Map<Long, Double> wallMemo;
  private Map<Long, Double> cpuMemo;

  private CellWeights(double total, TelemetryQuery query, SimWorker worker, TrafficCell cell,
                      Map<Long, Long> wallClasses, Map<Long, Long> cpuClasses, long count) {
    this.total = total;
    this.query = query;
    this.worker = worker;
    this.cell = cell;
    this.wallClasses = wallClasses;
    this.cpuClasses = cpuClasses;
    this.count = count;
  }

  static CellWeights of(TelemetryQuery query, SimWorker worker, TrafficCell cell) {
    long count = cell.count();
    if (count == 0) {
      return NONE;
    }
    if (query.wallLeaves().isEmpty() && query.cpuLeaves().isEmpty()) {
      boolean passes = new Evaluation(worker, cell, 0, 0).test(query.filter());
      return passes ? new CellWeights(count, query, worker, cell, null, null, count) : NONE;
    }
    Map<Long, Long> wall = classes(cell.wall(), query.wallLeaves());
    Map<Long, Long> cpu = classes(cell.cpu(), query.cpuLeaves());
    double total = 0;
    for (Map.Entry<Long, Long> w : wall.entrySet()) {
      for (Map.Entry<Long, Long> c : cpu.entrySet()) {
        if (new Evaluation(worker, cell, w.getKey(), c.getKey()).test(query.filter())) {
          total += (double) w.getValue() * c.getValue() / count;
        }
      }
    }
    return new CellWeights(total, query, worker, cell, wall, cpu, count);
  }

  /** Whether every invocation of the cell passes, so no per-bucket weighting is needed. */
  boolean whole() {
    return wallClasses == null && total > 0;
  }

  /** The expected number of the cell's invocations that pass. */
  double total() {
    return total;
  }

  /** The share of the invocations in a wall-time bucket that pass. */
  double wallFactor(int bucket) {
    if (wallClasses == null) {
      return total > 0 ? 1 : 0;
    }
    long mask = mask(bucket, query.wallLeaves());
    wallMemo = wallMemo != null ? wallMemo : new HashMap<>();
    return wallMemo.computeIfAbsent(mask, m -> share(cpuClasses, c -> new Evaluation(worker, cell, m, c)));
  }

  /** The share of the invocations in a CPU-time bucket that pass. */
  double cpuFactor(int bucket) {
    if (cpuClasses == null) {
      return total > 0 ? 1 : 0;
    }
    long mask = mask(bucket, query.cpuLeaves());
    cpuMemo = cpuMemo != null ? cpuMemo : new HashMap<>();
    return cpuMemo.computeIfAbsent(mask, m -> share(wallClasses, w -> new Evaluation(worker, cell, w, m)));
  }

  private double share(Map<Long, Long> otherClasses, LongFunction<Evaluation> evaluation) {
    double passing = 0;
    for (Map.Entry<Long, Long> other : otherClasses.entrySet()) {
      if (evaluation.apply(other.getKey()).test(query.filter())) {
        passing += other.getValue();
      }
    }
    return passing / count;
  }

  /** Buckets grouped by which of the measure's leaves they satisfy: usually one or two classes. */
  private static Map<Long, Long> classes(BucketCounts histogram, List<Filter.Leaf> leaves) {
    Map<Long, Long> classes = new HashMap<>();
    histogram.forEach((bucket, n) -> classes.merge(mask(bucket, leaves), n, Long::sum));
    return classes;
  }

  private static long mask(int bucket, List<Filter.Leaf> leaves) {
    double value = LogBuckets.value(bucket);
    long mask = 0;
    for (Filter.Leaf leaf : leaves) {
      if (leaf.test(value)) {
        mask |= 1L << leaf.slot();
      }
    }
    return mask;
  }

  /** The filter evaluated for one cell, with the truth of the time leaves given as bit masks. */
  private record Evaluation(SimWorker worker, TrafficCell cell, long wallMask, long cpuMask) {

    boolean test(Filter filter) {
      if (filter instanceof Filter.Group group) {
        for (Filter child : group.children()) {
          if (test(child) != group.and()) {
            return !group.and();
          }
        }
        return group.and() || group.children().isEmpty();
      }
      Filter.Leaf leaf = (Filter.Leaf) filter;
      if (leaf.key() == TelemetryKey.WALL_TIME) {
        return (wallMask >>> leaf.slot() & 1) == 1;
      }
      if (leaf.key() == TelemetryKey.CPU_TIME) {
        return (cpuMask >>> leaf.slot() & 1) == 1;
      }
      return leaf.test(leaf.key() == null ? null : leaf.key().valueOf(worker, cell));
    }
  }
}
