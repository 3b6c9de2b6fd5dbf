package dev.hmd.cloudflare;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The Workers Observability query behind {@link CloudflareClient#versionStats}: one request per
 * account for many scripts, grouped by script, version and outcome, and the fold of its rows into
 * {@link VersionTelemetry}. Pure: body in, rows out, no I/O.
 */
public final class ObservabilityQuery {

  public static final String KEY_SCRIPT = "$workers.scriptName";
  public static final String KEY_VERSION = "$workers.scriptVersion.id";
  public static final String KEY_OUTCOME = "$workers.outcome";
  public static final String KEY_WALL = "$workers.wallTimeMs";
  public static final String KEY_CPU = "$workers.cpuTimeMs";
  public static final String KEY_EVENT_TYPE = "$metadata.type";
  public static final String KEY_STATUS = "$workers.event.response.status";
  public static final String EVENT_INVOCATION = "cf-worker-event";
  public static final String DATASET = "cloudflare-workers";
  /** The most rows Cloudflare returns; scripts x versions x outcomes stays far below it. */
  public static final int ROW_LIMIT = 2000;

  /**
   * The calculations asked for, in the order sent: results are matched by alias, and by this
   * position when Cloudflare returns an empty alias. There is no {@code p50} operator: the median
   * is {@code median}.
   */
  public enum Calculation {
    REQUESTS("count", null, "requests"),
    WALL_P50("median", KEY_WALL, "wall_p50"),
    WALL_P25("p25", KEY_WALL, "wall_p25"),
    WALL_P75("p75", KEY_WALL, "wall_p75"),
    WALL_P90("p90", KEY_WALL, "wall_p90"),
    WALL_P95("p95", KEY_WALL, "wall_p95"),
    WALL_P99("p99", KEY_WALL, "wall_p99"),
    WALL_P999("p999", KEY_WALL, "wall_p999"),
    CPU_P50("median", KEY_CPU, "cpu_p50"),
    CPU_P99("p99", KEY_CPU, "cpu_p99");

    public final String operator;
    public final String key;
    public final String alias;

    Calculation(String operator, String key, String alias) {
      this.operator = operator;
      this.key = key;
      this.alias = alias;
    }

    JsonObject json() {
      JsonObject json = new JsonObject().put("operator", operator).put("alias", alias);
      if (key != null) {
        json.put("key", key).put("keyType", "number");
      }
      return json;
    }

    static Calculation byAlias(String alias) {
      for (Calculation c : values()) {
        if (c.alias.equals(alias)) {
          return c;
        }
      }
      return null;
    }
  }

  private ObservabilityQuery() {
  }

  /** The request body for the invocations of {@code scripts} between {@code from} and {@code to}. */
  public static JsonObject body(String queryId, Collection<String> scripts, Instant from, Instant to) {
    JsonArray calculations = new JsonArray();
    for (Calculation c : Calculation.values()) {
      calculations.add(c.json());
    }
    return query(queryId, scripts, from, to, new JsonArray(), calculations);
  }

  /**
   * The second query of a check: the invocations that answered HTTP 500 or more, counted by script,
   * version and outcome. Those that ended {@code ok} are the errors the first query cannot see (a
   * Worker that catches its exception and answers 500 ends {@code ok}); a filter applies to every
   * calculation of a query, so the latency of all {@code ok} invocations and this count cannot
   * share one.
   */
  public static JsonObject serverErrorsBody(String queryId, Collection<String> scripts, Instant from, Instant to) {
    JsonArray filters = new JsonArray().add(new JsonObject().put("key", KEY_STATUS).put("operation", "gte")
      .put("type", "number").put("value", 500));
    return query(queryId, scripts, from, to, filters, new JsonArray().add(Calculation.REQUESTS.json()));
  }

  /**
   * How many invocations one version of one script had in the window: filtered on the version, so
   * that a few requests sent to a version serving 0% (the smoke test's) are counted however much
   * traffic the others have.
   */
  public static JsonObject versionRequestsBody(String queryId, String script, String versionId, Instant from,
                                               Instant to) {
    JsonArray filters = new JsonArray().add(new JsonObject().put("key", KEY_VERSION).put("operation", "eq")
      .put("type", "string").put("value", versionId));
    return query(queryId, List.of(script), from, to, filters, new JsonArray().add(Calculation.REQUESTS.json()));
  }

  /** Reads the answer of {@link #versionRequestsBody}: the invocations of {@code versionId}, 0 when none. */
  public static long foldVersionRequests(Object result, String versionId) {
    long total = 0;
    for (JsonObject aggregate : requestCounts(result)) {
      String version = groups(aggregate).get(KEY_VERSION);
      if (version == null || version.equals(versionId)) {
        total += count(aggregate);
      }
    }
    return total;
  }

  /** The aggregates of a result's request-count calculation (a query that asked only for that). */
  private static List<JsonObject> requestCounts(Object result) {
    JsonObject json = CloudflareJson.object(result, "telemetry result");
    JsonArray calculations = json.getValue("calculations") instanceof JsonArray a ? a : new JsonArray();
    List<JsonObject> out = new ArrayList<>();
    for (int position = 0; position < calculations.size(); position++) {
      JsonObject calculation = CloudflareJson.object(calculations.getValue(position), "calculation");
      if (identify(calculation, position) != Calculation.REQUESTS
        || !(calculation.getValue("aggregates") instanceof JsonArray aggregates)) {
        continue;
      }
      for (Object item : aggregates) {
        out.add(CloudflareJson.object(item, "aggregate"));
      }
    }
    return out;
  }

  private static JsonObject query(String queryId, Collection<String> scripts, Instant from, Instant to,
                                  JsonArray moreFilters, JsonArray calculations) {
    List<String> names = List.copyOf(new LinkedHashSet<>(scripts));
    if (names.isEmpty()) {
      throw new IllegalArgumentException("at least one script");
    }
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("the window must end after it starts");
    }
    JsonObject scriptFilter = new JsonObject().put("key", KEY_SCRIPT).put("type", "string");
    if (names.size() == 1) {
      scriptFilter.put("operation", "eq").put("value", names.get(0));
    } else {
      scriptFilter.put("operation", "in").put("value", new JsonArray(new ArrayList<>(names)));
    }
    JsonArray filters = new JsonArray()
      .add(new JsonObject().put("key", KEY_EVENT_TYPE).put("operation", "eq").put("type", "string")
        .put("value", EVENT_INVOCATION))
      .add(scriptFilter);
    moreFilters.forEach(filters::add);
    JsonObject parameters = new JsonObject()
      .put("datasets", new JsonArray().add(DATASET))
      .put("filterCombination", "and")
      .put("filters", filters)
      .put("groupBys", new JsonArray()
        .add(groupBy(KEY_SCRIPT))
        .add(groupBy(KEY_VERSION))
        .add(groupBy(KEY_OUTCOME)))
      .put("calculations", calculations)
      .put("limit", ROW_LIMIT);
    return new JsonObject()
      .put("queryId", queryId)
      .put("timeframe", new JsonObject().put("from", from.toEpochMilli()).put("to", to.toEpochMilli()))
      .put("view", "calculations")
      .put("dry", true)
      .put("limit", ROW_LIMIT)
      .put("parameters", parameters);
  }

  private static JsonObject groupBy(String key) {
    return new JsonObject().put("type", "string").put("value", key);
  }

  /**
   * Folds the grouped rows of a query result into one {@link VersionTelemetry} per script version.
   * A version absent from the map had no invocations in the window: no data, not zero. Rows
   * without a script or version group (events Cloudflare could not attribute) are skipped.
   */
  public static Map<ScriptVersion, VersionTelemetry> fold(Object result) {
    JsonObject json = CloudflareJson.object(result, "telemetry result");
    JsonArray calculations = json.getValue("calculations") instanceof JsonArray a ? a : new JsonArray();
    Map<ScriptVersion, Accumulator> rows = new LinkedHashMap<>();
    for (int position = 0; position < calculations.size(); position++) {
      JsonObject calculation = CloudflareJson.object(calculations.getValue(position), "calculation");
      Calculation which = identify(calculation, position);
      if (which == null || !(calculation.getValue("aggregates") instanceof JsonArray aggregates)) {
        continue;
      }
      for (Object item : aggregates) {
        JsonObject aggregate = CloudflareJson.object(item, "aggregate");
        Map<String, String> groups = groups(aggregate);
        String script = groups.get(KEY_SCRIPT);
        String version = groups.get(KEY_VERSION);
        if (script == null || version == null) {
          continue;
        }
        rows.computeIfAbsent(new ScriptVersion(script, version), k -> new Accumulator())
          .add(which, groups.get(KEY_OUTCOME), aggregate);
      }
    }
    Map<ScriptVersion, VersionTelemetry> out = new LinkedHashMap<>();
    rows.forEach((key, acc) -> out.put(key, acc.stats()));
    return out;
  }

  /**
   * Reads the answer of {@link #serverErrorsBody}: per script version, the invocations that ended
   * {@code ok} and answered 500 or more (the others are exceptions, counted by {@link #fold}).
   */
  public static Map<ScriptVersion, Long> foldServerErrors(Object result) {
    Map<ScriptVersion, Long> out = new LinkedHashMap<>();
    for (JsonObject aggregate : requestCounts(result)) {
      Map<String, String> groups = groups(aggregate);
      if (groups.get(KEY_SCRIPT) != null && groups.get(KEY_VERSION) != null && "ok".equals(groups.get(KEY_OUTCOME))) {
        out.merge(new ScriptVersion(groups.get(KEY_SCRIPT), groups.get(KEY_VERSION)), count(aggregate), Long::sum);
      }
    }
    return out;
  }

  /**
   * Adds each version's server errors to its telemetry (a version with only those gets none: it has a count of its
   * own).
   */
  public static Map<ScriptVersion, VersionTelemetry> withServerErrors(Map<ScriptVersion, VersionTelemetry> stats,
                                                                        Map<ScriptVersion, Long> serverErrors) {
    Map<ScriptVersion, VersionTelemetry> out = new LinkedHashMap<>(stats);
    serverErrors.forEach((version, n) -> out.computeIfPresent(version, (k, v) -> v.withServerErrors(n)));
    return out;
  }

  private static long count(JsonObject aggregate) {
    Double value = number(aggregate.getValue("value"));
    if (value == null) {
      value = number(aggregate.getValue("count"));
    }
    return value == null ? 0 : Math.round(value);
  }

  /** By alias; Cloudflare has been seen to return {@code alias: ""}, then by position in the request. */
  private static Calculation identify(JsonObject calculation, int position) {
    String alias = CloudflareJson.text(calculation, "alias");
    if (alias != null && !alias.isEmpty()) {
      return Calculation.byAlias(alias);
    }
    Calculation[] all = Calculation.values();
    return position < all.length ? all[position] : null;
  }

  private static Map<String, String> groups(JsonObject aggregate) {
    Map<String, String> out = new HashMap<>();
    if (aggregate.getValue("groups") instanceof JsonArray groups) {
      for (Object item : groups) {
        if (item instanceof JsonObject g && g.getValue("key") instanceof String key && g.getValue("value") != null) {
          out.put(key, String.valueOf(g.getValue("value")));
        }
      }
    }
    return out;
  }

  private static Double number(Object value) {
    if (value instanceof Number n) {
      double d = n.doubleValue();
      return Double.isFinite(d) ? d : null;
    }
    return null;
  }

  private static final class Accumulator {
    private long requests;
    private long exceptions;
    private final Map<Calculation, Double> okValues = new HashMap<>();

    void add(Calculation which, String outcome, JsonObject aggregate) {
      if (which == Calculation.REQUESTS) {
        long count = count(aggregate);
        requests += count;
        if (isError(outcome)) {
          exceptions += count;
        }
      } else if ("ok".equals(outcome)) {
        // Latency SLOs are over successful requests: failures often fail fast, and mixing them in
        // would pull the percentiles down and hide exactly the latency regression we look for.
        okValues.put(which, number(aggregate.getValue("value")));
      }
    }

    /** A client disconnect ({@code canceled}) is not the version's fault. */
    private static boolean isError(String outcome) {
      return !"ok".equals(outcome) && !"canceled".equals(outcome) && outcome != null;
    }

    VersionTelemetry stats() {
      return new VersionTelemetry(requests, exceptions, exceptions,
        okValues.get(Calculation.WALL_P50),
        okValues.get(Calculation.WALL_P90),
        okValues.get(Calculation.WALL_P99),
        okValues.get(Calculation.WALL_P999),
        okValues.get(Calculation.CPU_P50),
        okValues.get(Calculation.CPU_P99),
        okValues.get(Calculation.WALL_P25),
        okValues.get(Calculation.WALL_P75),
        okValues.get(Calculation.WALL_P95));
    }
  }
}
