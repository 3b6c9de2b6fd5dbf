package dev.hmd.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Answers a telemetry query from the Workers' minute aggregates. Seconds are the time grain: the
 * invocations of second s count as happening at s, and are visible once s is over and older than
 * the injected telemetry lag.
 */
final class TelemetryEngine {

  /** [U] Cloudflare does not document what a row costs; this only feeds statistics.bytes_read. */
  private static final long BYTES_PER_ROW = 128;

  private final TelemetryQuery query;
  private final List<TelemetryKey> calculationKeys;
  private final long granularitySeconds;
  private final Map<List<Object>, GroupStats> groups = new HashMap<>();
  private final Map<Long, Map<List<Object>, GroupStats>> series = new TreeMap<>();
  private long rowsRead;

  private TelemetryEngine(TelemetryQuery query) {
    this.query = query;
    this.calculationKeys = query.calculations().stream().map(TelemetryQuery.Calculation::key)
      .filter(key -> key != null).distinct().toList();
    long windowSeconds = Math.max(1, (query.to() - query.from()) / 1000);
    // Series buckets are whole minutes (the grain of stored aggregates), at most about 60 of them.
    this.granularitySeconds = 60 * Math.max(1, (windowSeconds + 3599) / 3600);
  }

  /**
   * @param lagSeconds telemetry younger than this is not visible yet
   * @param retainFromSecond the oldest second still retained
   */
  static JsonObject run(TelemetryQuery query, String accountId, Collection<SimWorker> workers, long nowMs,
                        long lagSeconds, long retainFromSecond) {
    long started = System.nanoTime();
    TelemetryEngine engine = new TelemetryEngine(query);
    long from = Math.max(ceilSecond(query.from()), retainFromSecond);
    long to = Math.min(ceilSecond(query.to()), Math.floorDiv(nowMs - lagSeconds * 1000, 1000));
    if (query.view().equals("calculations") && query.workersDataset() && from < to) {
      for (SimWorker worker : workers) {
        if (query.filter().onWorker(worker) != Filter.Truth.FALSE) {
          worker.advance(nowMs, retainFromSecond);
          worker.visit(from, to, block -> engine.add(worker, block));
        }
      }
    }
    return engine.result(accountId, (System.nanoTime() - started) / 1e9);
  }

  /** The first whole second at or after a time: second s belongs to a window when its start does. */
  private static long ceilSecond(long millis) {
    return -Math.floorDiv(-millis, 1000);
  }

  private void add(SimWorker worker, TrafficBlock block) {
    for (TrafficCell cell : block.cells()) {
      rowsRead += cell.count();
      CellWeights weights = CellWeights.of(query, worker, cell);
      if (weights.total() <= 0) {
        continue;
      }
      List<Object> groupValues = new ArrayList<>(query.groupBys().size());
      for (TelemetryQuery.GroupBy groupBy : query.groupBys()) {
        groupValues.add(groupBy.key() == null ? null : groupBy.key().valueOf(worker, cell));
      }
      groups.computeIfAbsent(groupValues, values -> new GroupStats(values, calculationKeys)).add(worker, cell, weights);
      if (!query.ignoreSeries()) {
        long bucket = Math.floorDiv(block.minute * 60, granularitySeconds) * granularitySeconds;
        series.computeIfAbsent(bucket, b -> new HashMap<>())
          .computeIfAbsent(groupValues, values -> new GroupStats(values, calculationKeys)).add(worker, cell, weights);
      }
    }
  }

  private JsonObject result(String accountId, double elapsedSeconds) {
    JsonObject result = new JsonObject()
      .put("run", run(accountId))
      .put("statistics", new JsonObject()
        .put("elapsed", elapsedSeconds)
        .put("rows_read", rowsRead)
        .put("bytes_read", rowsRead * BYTES_PER_ROW));
    switch (query.view()) {
      case "calculations" -> result.put("calculations", calculations());
      case "invocations" -> result.put("invocations", new JsonObject());
      case "traces" -> result.put("traces", new JsonArray());
      case "agents" -> result.put("agents", new JsonArray());
      default -> result.put("events", new JsonObject().put("events", new JsonArray()).put("fields", new JsonArray())
        .put("series", new JsonArray()).put("count", 0));
    }
    return result;
  }

  private JsonObject run(String accountId) {
    String now = Instant.now().toString();
    return new JsonObject()
      .put("id", UUID.randomUUID().toString())
      .put("accountId", accountId)
      .put("userId", CfViews.AUTHOR_ID)
      .put("dry", query.dry())
      .put("granularity", granularitySeconds)
      .put("status", "COMPLETED")
      .put("timeframe", new JsonObject().put("from", query.from()).put("to", query.to()))
      .put("query", new JsonObject()
        .put("id", query.queryId())
        .put("name", query.queryId())
        .put("adhoc", true)
        .put("parameters", query.parameters()))
      .put("created", now)
      .put("updated", now);
  }

  private JsonArray calculations() {
    List<GroupStats> kept = ordered(new ArrayList<>(groups.values()));
    long interval = Math.max(1, Math.round((query.to() - query.from()) / 1000.0));
    JsonArray calculations = new JsonArray();
    for (TelemetryQuery.Calculation calculation : query.calculations()) {
      JsonArray aggregates = new JsonArray();
      kept.forEach(group -> aggregate(group, calculation, interval).ifPresent(aggregates::add));
      JsonArray points = new JsonArray();
      series.forEach((bucket, bucketGroups) -> {
        JsonArray data = new JsonArray();
        for (GroupStats group : kept) {
          GroupStats inBucket = bucketGroups.get(group.groupValues);
          if (inBucket != null) {
            aggregate(inBucket, calculation, granularitySeconds).ifPresent(data::add);
          }
        }
        if (!data.isEmpty()) {
          points.add(new JsonObject().put("time", Instant.ofEpochSecond(bucket).toString()).put("data", data));
        }
      });
      calculations.add(new JsonObject()
        .put("alias", calculation.alias())
        .put("calculation", calculation.operator().wireName())
        .put("aggregates", aggregates)
        .put("series", points));
    }
    return calculations;
  }

  private Optional<JsonObject> aggregate(GroupStats group, TelemetryQuery.Calculation calculation,
                                                   long interval) {
    Double value = group.value(calculation);
    if (value == null) {
      return Optional.empty();
    }
    JsonObject aggregate = new JsonObject()
      .put("value", calculation.operator() == Operator.COUNT ? (Object) Math.round(value) : (Object) value)
      .put("count", group.count(calculation))
      .put("interval", interval)
      .put("sampleInterval", 1);
    if (!query.groupBys().isEmpty()) {
      JsonArray keyed = new JsonArray();
      for (int i = 0; i < query.groupBys().size(); i++) {
        keyed.add(new JsonObject().put("key", query.groupBys().get(i).keyName())
          .put("value", group.groupValues.get(i)));
      }
      aggregate.put("groups", keyed);
    }
    return Optional.of(aggregate);
  }

  /**
   * Havings, then order, then limit. Without orderBy the first calculation orders the groups,
   * largest first [U]; ties fall back to the group values so answers are stable.
   */
  private List<GroupStats> ordered(List<GroupStats> all) {
    List<GroupStats> kept = new ArrayList<>();
    for (GroupStats group : all) {
      if (query.havings().stream().allMatch(having -> passes(group, having))) {
        kept.add(group);
      }
    }
    TelemetryQuery.Calculation orderCalculation = query.orderBy() != null
      ? named(query.orderBy().calculation())
      : query.calculations().isEmpty() ? null : query.calculations().get(0);
    boolean descending = query.orderBy() == null || query.orderBy().descending();
    Comparator<GroupStats> byValue = Comparator.comparing(group -> sortValue(group, orderCalculation, descending));
    if (descending) {
      byValue = byValue.reversed();
    }
    kept.sort(byValue.thenComparing(group -> String.valueOf(group.groupValues)));
    return query.limit() == null || kept.size() <= query.limit() ? kept : kept.subList(0, query.limit());
  }

  private static double sortValue(GroupStats group, TelemetryQuery.Calculation calculation, boolean descending) {
    Double value = calculation == null ? null : group.value(calculation);
    if (value == null) {
      return descending ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    return value;
  }

  private boolean passes(GroupStats group, TelemetryQuery.Having having) {
    Double value = group.value(named(having.calculation()));
    if (value == null) {
      return false;
    }
    int sign = Double.compare(value, having.value());
    return switch (having.op()) {
      case EQ -> sign == 0;
      case NEQ -> sign != 0;
      case GT -> sign > 0;
      case GTE -> sign >= 0;
      case LT -> sign < 0;
      case LTE -> sign <= 0;
      default -> true;
    };
  }

  private TelemetryQuery.Calculation named(String name) {
    for (TelemetryQuery.Calculation calculation : query.calculations()) {
      if (name.equals(calculation.alias())) {
        return calculation;
      }
    }
    for (TelemetryQuery.Calculation calculation : query.calculations()) {
      if (name.equalsIgnoreCase(calculation.operator().wireName())) {
        return calculation;
      }
    }
    throw new IllegalStateException("validated calculation name " + name);
  }
}
