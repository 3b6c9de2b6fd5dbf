package dev.hmd.sim;

import static dev.hmd.sim.SimHarness.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.data.Percentage.withPercentage;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The query language over a fixed minute of traffic: "alpha" (100 rps, 10% errors) and "beta"
 * (50 rps, default profile) in one account, "gamma" in another, all from second 1 to second 60.
 */
@WithSimulator
class TelemetryQueryTest {

  static SimHarness sim;
  static String account;
  static String token;
  static String alphaVersion;
  static final long TO = START + 61_000;

  @BeforeAll
  static void start() {
    account = SimHarness.account("telemetry");
    token = sim.token(account);
    sim.worker(account, "alpha", 100);
    alphaVersion = sim.version(account, "alpha", new JsonObject().put("errorRate", 0.1));
    sim.deploy(account, "alpha", token, SimHarness.split(alphaVersion, 100));
    sim.worker(account, "beta", 50);
    String other = SimHarness.account("telemetry-other");
    sim.worker(other, "gamma", 500);
    sim.advance(Duration.ofSeconds(61));
  }

  private static Query window() {
    return Query.window(START, TO);
  }

  private static long count(Query query) {
    JsonArray aggregates = SimHarness.aggregates(sim.result(account, token, query.count().json()), 0);
    return aggregates.isEmpty() ? 0 : aggregates.getJsonObject(0).getLong("value");
  }

  private static void assertBadRequest(Object body, String detailPart) {
    HttpResponse<Buffer> res = sim.query(account, token, body);
    assertThat(res.statusCode()).as(String.valueOf(body)).isEqualTo(400);
    JsonObject envelope = res.bodyAsJsonObject();
    assertThat(envelope.fieldNames()).containsExactlyInAnyOrder("success", "errors", "messages");
    assertThat(envelope.getBoolean("success")).isFalse();
    assertThat(envelope.getJsonArray("messages")).isEmpty();
    JsonObject error = envelope.getJsonArray("errors").getJsonObject(0);
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("message", "detail");
    assertThat(error.getString("message")).isEqualTo("Bad Request");
    assertThat(error.getString("detail")).as(String.valueOf(body)).contains(detailPart);
  }

  @Test
  @DisplayName("a success has the observability envelope, run, statistics and calculations in the contract's shape")
  void responseShape() {
    HttpResponse<Buffer> res = sim.query(account, token,
      window().calc("p99", Query.WALL, "p99_wall").groupBy(Query.VERSION).json());
    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getBoolean("success")).isTrue();
    assertThat(body.getJsonArray("errors")).isEmpty();
    assertThat(body.getJsonArray("messages")).containsExactly(new JsonObject().put("message", "Successful request"));
    JsonObject result = body.getJsonObject("result");
    assertThat(result.getJsonObject("run").getString("status")).isEqualTo("COMPLETED");
    assertThat(result.getJsonObject("run").getJsonObject("timeframe"))
      .isEqualTo(new JsonObject().put("from", START).put("to", TO));
    assertThat(result.getJsonObject("run").getBoolean("dry")).isTrue();
    assertThat(result.getJsonObject("statistics").fieldNames()).contains("elapsed", "rows_read", "bytes_read");
    assertThat(result.getJsonObject("statistics").getLong("rows_read")).isEqualTo(60 * 150);
    JsonObject calculation = result.getJsonArray("calculations").getJsonObject(0);
    assertThat(calculation.getString("alias")).isEqualTo("p99_wall");
    assertThat(calculation.getString("calculation")).isEqualTo("p99");
    JsonObject aggregate = calculation.getJsonArray("aggregates").getJsonObject(0);
    assertThat(aggregate.fieldNames())
      .containsExactlyInAnyOrder("value", "count", "interval", "sampleInterval", "groups");
    assertThat(aggregate.getLong("interval")).isEqualTo(61);
    assertThat(aggregate.getInteger("sampleInterval")).isEqualTo(1);
    assertThat(aggregate.getJsonArray("groups").getJsonObject(0).getString("key")).isEqualTo(Query.VERSION);
    JsonObject point = calculation.getJsonArray("series").getJsonObject(0);
    assertThat(point.getString("time")).endsWith("Z");
    assertThat(point.getJsonArray("data").getJsonObject(0).fieldNames()).contains("value", "count", "groups");
  }

  @Test
  @DisplayName("an empty window gives empty aggregates, never a zero")
  void emptyWindow() {
    JsonObject result = sim.result(account, token, Query.window(START - 600_000, START - 300_000)
      .count().calc("p99", Query.WALL, "p99").json());
    assertThat(SimHarness.aggregates(result, 0)).isEmpty();
    assertThat(SimHarness.aggregates(result, 1)).isEmpty();
    assertThat(result.getJsonArray("calculations").getJsonObject(1).getJsonArray("series")).isEmpty();
  }

  @Test
  @DisplayName("only the account's own scripts are counted")
  void ownAccountOnly() {
    assertThat(count(window())).isEqualTo(60 * 150);
  }

  @Test
  @DisplayName("eq, neq, in and not_in on the script name")
  void stringFilters() {
    assertThat(count(window().filter(Query.SCRIPT, "eq", "alpha"))).isEqualTo(6000);
    assertThat(count(window().filter(Query.SCRIPT, "neq", "alpha"))).isEqualTo(3000);
    assertThat(count(window().filter(Query.SCRIPT, "in", new JsonArray().add("alpha").add("beta")))).isEqualTo(9000);
    assertThat(count(window().filter(Query.SCRIPT, "in", "alpha,beta"))).isEqualTo(9000);
    assertThat(count(window().filter(Query.SCRIPT, "not_in", new JsonArray().add("alpha")))).isEqualTo(3000);
    assertThat(count(window().filter(Query.SCRIPT, "starts_with", "al"))).isEqualTo(6000);
    assertThat(count(window().filter(Query.SCRIPT, "regex", "^b.t"))).isEqualTo(3000);
    assertThat(count(window().filter(Query.SCRIPT, "eq", "gamma"))).isZero();
  }

  @Test
  @DisplayName("gt, gte, lt, lte on status codes and exists on the error key agree with the outcome")
  void numberFilters() {
    long exceptions = count(window().filter(Query.OUTCOME, "eq", "exception"));
    long ok = count(window().filter(Query.OUTCOME, "eq", "ok"));
    assertThat(exceptions + ok).isEqualTo(9000);
    assertThat(count(window().filter(Query.STATUS, "gte", 500))).isEqualTo(exceptions);
    assertThat(count(window().filter(Query.STATUS_CODE, "gt", 499))).isEqualTo(exceptions);
    assertThat(count(window().filter(Query.STATUS, "lt", 500))).isEqualTo(ok);
    assertThat(count(window().filter(Query.STATUS_CODE, "lte", 200))).isEqualTo(ok);
    assertThat(count(window().filter("$metadata.error", "exists", null))).isEqualTo(exceptions);
    assertThat(count(window().filter(Query.TYPE, "eq", "cf-worker-event"))).isEqualTo(9000);
    assertThat(count(window().filter("$workers.noSuchKey", "exists", null))).isZero();
  }

  @Test
  @DisplayName("a numeric filter on wall time splits a cell by its histogram, about half above the median")
  void measureFilters() {
    long above = count(window().filter(Query.SCRIPT, "eq", "beta").filter(Query.WALL, "gt", 40));
    long below = count(window().filter(Query.SCRIPT, "eq", "beta").filter(Query.WALL, "lte", 40));
    assertThat(above + below).isEqualTo(3000);
    assertThat(above).isCloseTo(1500, withPercentage(10));
    // wall and CPU are independent: filtering on one leaves the other's median in place
    JsonObject cpu = sim.result(account, token, window().filter(Query.SCRIPT, "eq", "beta")
      .filter(Query.WALL, "gt", 40).calc("median", Query.CPU, "cpu").json());
    assertThat(SimHarness.aggregates(cpu, 0).getJsonObject(0).getDouble("value")).isCloseTo(5, withPercentage(10));
    assertThat(SimHarness.aggregates(cpu, 0).getJsonObject(0).getLong("count")).isEqualTo(above);
    JsonObject wall = sim.result(account, token, window().filter(Query.SCRIPT, "eq", "beta")
      .filter(Query.WALL, "gt", 40).calc("min", Query.WALL, "min").json());
    assertThat(SimHarness.aggregates(wall, 0).getJsonObject(0).getDouble("value")).isGreaterThan(39.0);
  }

  @Test
  @DisplayName("filterCombination or, and nested groups")
  void combinations() {
    long betaExceptions = count(window().filter(Query.SCRIPT, "eq", "beta").filter(Query.OUTCOME, "eq", "exception"));
    assertThat(
      count(window().combination("or").filter(Query.SCRIPT, "eq", "alpha").filter(Query.OUTCOME, "eq", "exception")))
      .isEqualTo(6000 + betaExceptions);
    JsonObject nested = window().count().json();
    nested.getJsonObject("parameters").put("filterCombination", "AND").put("filters", new JsonArray()
      .add(new JsonObject().put("kind", "group").put("filterCombination", "OR").put("filters", new JsonArray()
        .add(new JsonObject().put("key", Query.SCRIPT).put("operation", "=").put("type", "string")
          .put("value", "alpha"))
        .add(new JsonObject().put("key", Query.SCRIPT).put("operation", "=").put("type", "string")
          .put("value", "beta"))))
      .add(new JsonObject().put("key", Query.OUTCOME).put("operation", "!=").put("type", "string").put("value", "ok")));
    long all = count(window().filter(Query.OUTCOME, "eq", "exception"));
    assertThat(SimHarness.aggregates(sim.result(account, token, nested), 0).getJsonObject(0).getLong("value"))
      .isEqualTo(all);
  }

  @Test
  @DisplayName("group by script and version; by outcome the error rate follows each profile")
  void groupBys() {
    Map<String, JsonObject> byScript = SimHarness.byGroup(sim.result(account, token,
      window().count().groupBy(Query.SCRIPT).groupBy(Query.VERSION).json()), 0);
    assertThat(byScript).hasSize(2);
    assertThat(byScript.get("alpha|" + alphaVersion).getLong("value")).isEqualTo(6000);
    Map<String, JsonObject> byOutcome = SimHarness.byGroup(sim.result(account, token,
      window().filter(Query.SCRIPT, "eq", "alpha").count().groupBy(Query.OUTCOME).json()), 0);
    assertThat(byOutcome.get("exception").getLong("value") / 6000.0).isCloseTo(0.1, within(0.02));
  }

  @Test
  @DisplayName("count, uniq, sum, avg, min, max, stddev and variance are consistent with each other")
  void otherOperators() {
    JsonObject result = sim.result(account, token, window().filter(Query.SCRIPT, "eq", "beta")
      .count().calc("uniq", Query.VERSION, "versions").calc("sum", Query.WALL, "sum").calc("avg", Query.WALL, "avg")
      .calc("min", Query.WALL, "min").calc("max", Query.WALL, "max").calc("stddev", Query.WALL, "sd")
      .calc("variance", Query.WALL, "var").calc("COUNT_DISTINCT", Query.OUTCOME, "outcomes").json());
    double count = TrafficTest.value(result, 0);
    assertThat(TrafficTest.value(result, 1)).isEqualTo(1);
    assertThat(TrafficTest.value(result, 2) / count).isCloseTo(TrafficTest.value(result, 3), withPercentage(0.01));
    // a lognormal's mean is exp(mu + sigma^2 / 2): about 58 ms for p50 40 / p99 250
    assertThat(TrafficTest.value(result, 3)).isCloseTo(58, withPercentage(12));
    assertThat(TrafficTest.value(result, 4)).isLessThan(TrafficTest.value(result, 3));
    assertThat(TrafficTest.value(result, 5)).isGreaterThan(250);
    assertThat(Math.pow(TrafficTest.value(result, 6), 2)).isCloseTo(TrafficTest.value(result, 7), withPercentage(0.01));
    assertThat(TrafficTest.value(result, 8)).isBetween(1.0, 2.0);
  }

  @Test
  @DisplayName("havings, orderBy and limit shape the grouped rows")
  void havingsOrderAndLimit() {
    Query query = window().count().groupBy(Query.SCRIPT);
    query.parameter("havings",
      new JsonArray().add(new JsonObject().put("key", "count").put("operation", "gt").put("value", 4000)));
    assertThat(SimHarness.byGroup(sim.result(account, token, query.json()), 0).keySet()).containsExactly("alpha");

    Query ordered = window().count().groupBy(Query.SCRIPT)
      .parameter("orderBy", new JsonObject().put("value", "count").put("order", "asc")).parameter("limit", 1);
    JsonArray rows = SimHarness.aggregates(sim.result(account, token, ordered.json()), 0);
    assertThat(rows).hasSize(1);
    assertThat(rows.getJsonObject(0).getJsonArray("groups").getJsonObject(0).getString("value")).isEqualTo("beta");
  }

  @Test
  @DisplayName("another dataset has no data; ignoreSeries drops the series; other views answer empty")
  void datasetsSeriesAndViews() {
    JsonObject otherDataset = window().count().parameter("datasets", new JsonArray().add("other-dataset")).json();
    assertThat(SimHarness.aggregates(sim.result(account, token, otherDataset), 0)).isEmpty();
    JsonObject noSeries = window().count().json().put("ignoreSeries", true);
    assertThat(sim.result(account, token, noSeries).getJsonArray("calculations").getJsonObject(0)
      .getJsonArray("series")).isEmpty();
    JsonObject events = sim.result(account, token, window().json().put("view", "events"));
    assertThat(events.getJsonObject("events").getJsonArray("events")).isEmpty();
  }

  @Test
  @DisplayName("invalid queries are 400 with the observability error shape and a detail naming the problem")
  void validation() {
    assertBadRequest(window().json().put("timeframe", new JsonObject().put("from", TO).put("to", START)), "before");
    assertBadRequest(window().json().put("timeframe", new JsonObject().put("from", START).put("to", START)), "before");
    assertBadRequest(window().json().put("timeframe", new JsonObject().put("from", -1e300).put("to", START)), "Unix");
    assertBadRequest(window().json().put("timeframe", new JsonObject().put("from", "0").put("to", START)), "timeframe");
    JsonObject noTimeframe = window().json();
    noTimeframe.remove("timeframe");
    assertBadRequest(noTimeframe, "timeframe");
    JsonObject noQueryId = window().json();
    noQueryId.remove("queryId");
    assertBadRequest(noQueryId, "queryId");
    assertBadRequest(window().calc("p50", Query.WALL, "p50").json(), "median");
    assertBadRequest(window().calc("p98", Query.WALL, "x").json(), "unknown operator");
    assertBadRequest(window().calc("p99", null, "x").json(), "key is required");
    assertBadRequest(window().calc("avg", Query.SCRIPT, "x").json(), "string");
    assertBadRequest(window().filter(Query.SCRIPT, "like", "a").json(), "unknown operation");
    assertBadRequest(window().filter(Query.STATUS, "gt", "high").json(), "number");
    assertBadRequest(window().filter(Query.SCRIPT, "regex", "(").json(), "regular expression");
    assertBadRequest(window().filter(Query.SCRIPT, "eq", null).json(), "value is required");
    assertBadRequest(window().combination("xor").json(), "filterCombination");
    assertBadRequest(window().groupBy(Query.WALL).json(), "grouping");
    assertBadRequest(window().json().put("view", "pictures"), "view");
    assertBadRequest(window().json().put("limit", 0), "limit");
    assertBadRequest(window().json().put("parameters", "all"), "parameters");
    assertBadRequest(window().count().parameter("orderBy", new JsonObject().put("value", "nope")).json(), "nope");
    assertBadRequest("{\"queryId\": ", "JSON");
    assertBadRequest("", "JSON");
  }
}
