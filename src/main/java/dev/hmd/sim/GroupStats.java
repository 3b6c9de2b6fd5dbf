package dev.hmd.sim;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The invocations of one group (one combination of group-by values) within a query. */
final class GroupStats {

  final List<Object> groupValues;
  private double count;
  private final Map<TelemetryKey, KeyStats> keys = new EnumMap<>(TelemetryKey.class);

  GroupStats(List<Object> groupValues, List<TelemetryKey> calculationKeys) {
    this.groupValues = groupValues;
    calculationKeys.forEach(key -> keys.put(key, KeyStats.of(key)));
  }

  void add(SimWorker worker, TrafficCell cell, CellWeights weights) {
    count += weights.total();
    keys.values().forEach(stats -> stats.add(worker, cell, weights));
  }

  /** The calculation's value; null when no invocation of the group has its key. */
  Double value(TelemetryQuery.Calculation calculation) {
    if (calculation.keyName() == null) {
      return count > 1e-9 ? count : null;
    }
    KeyStats stats = calculation.key() == null ? null : keys.get(calculation.key());
    return stats == null ? null : stats.compute(calculation.operator());
  }

  /** How many invocations the calculation's value is computed from. */
  long count(TelemetryQuery.Calculation calculation) {
    if (calculation.keyName() == null) {
      return Math.round(count);
    }
    KeyStats stats = calculation.key() == null ? null : keys.get(calculation.key());
    return stats == null ? 0 : Math.round(stats.weight());
  }
}
