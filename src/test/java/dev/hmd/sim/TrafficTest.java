package dev.hmd.sim;

import static dev.hmd.sim.SimHarness.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.data.Percentage.withPercentage;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Synthetic traffic through the telemetry query, as the service will see it. Each test has its
 * own simulator so that it owns the clock; the seeds are fixed, so the numbers are too, and the
 * tolerances are wide enough for any seed.
 */
@WithSimulator
class TrafficTest {

  static SimHarness shared;

  private static long second(long n) {
    return START + n * 1000;
  }

  @Test
  @DisplayName("the split follows the deployment: all old before it, then about 20/80 from the next second")
  void splitFollowsDeployment() {
    try (SimHarness sim = SimHarness.start()) {
      String account = SimHarness.account("traffic-split");
      String token = sim.token(account);
      String old = sim.worker(account, "svc", 1000);
      String fresh = sim.version(account, "svc", new JsonObject());
      sim.advance(Duration.ofSeconds(30));
      assertThat(sim.deploy(account, "svc", token, SimHarness.split(fresh, 20, old, 80)).statusCode()).isEqualTo(200);
      sim.advance(Duration.ofSeconds(31));

      JsonObject before = sim.result(account, token,
        Query.window(START, second(31)).count().groupBy(Query.VERSION).json());
      assertThat(SimHarness.byGroup(before, 0).keySet()).containsExactly(old);
      assertThat(SimHarness.byGroup(before, 0).get(old).getLong("value")).isEqualTo(30 * 1000);

      Map<String, JsonObject> after = SimHarness.byGroup(sim.result(account, token,
        Query.window(second(31), second(61)).count().groupBy(Query.VERSION).json()), 0);
      long newCount = after.get(fresh).getLong("value");
      long oldCount = after.get(old).getLong("value");
      assertThat(newCount + oldCount).isEqualTo(30 * 1000);
      assertThat((double) newCount / (newCount + oldCount)).isCloseTo(0.20, within(0.02));
    }
  }

  @Test
  @DisplayName("wall and CPU percentiles follow the version's profile (p50 and p99 within 8%)")
  void percentilesFollowProfile() {
    try (SimHarness sim = SimHarness.start()) {
      String account = SimHarness.account("traffic-percentiles");
      String token = sim.token(account);
      sim.worker(account, "svc", 1000);
      String version = sim.version(account, "svc", new JsonObject()
        .put("latencyMs", new JsonObject().put("p50", 80).put("p99", 400))
        .put("cpuMs", new JsonObject().put("p50", 12).put("p99", 60)));
      sim.deploy(account, "svc", token, SimHarness.split(version, 100));
      sim.advance(Duration.ofSeconds(61));

      JsonObject result = sim.result(account, token, Query.window(START, second(61))
        .filter(Query.VERSION, "eq", version)
        .calc("median", Query.WALL, "wall_p50").calc("p99", Query.WALL, "wall_p99")
        .calc("median", Query.CPU, "cpu_p50").calc("p99", Query.CPU, "cpu_p99").json());
      assertThat(value(result, 0)).isCloseTo(80, withPercentage(8));
      assertThat(value(result, 1)).isCloseTo(400, withPercentage(8));
      assertThat(value(result, 2)).isCloseTo(12, withPercentage(8));
      assertThat(value(result, 3)).isCloseTo(60, withPercentage(8));
      assertThat(SimHarness.aggregates(result, 0).getJsonObject(0).getLong("count")).isEqualTo(60 * 1000);
    }
  }

  @Test
  @DisplayName("every pNN operator is answered, in order, with min <= p001 and p999 <= max")
  void everyPercentileOperator() {
    try (SimHarness sim = SimHarness.start()) {
      String account = SimHarness.account("traffic-every-percentile");
      String token = sim.token(account);
      sim.worker(account, "svc", 500);
      sim.advance(Duration.ofSeconds(61));
      List<String> operators = List.of("min", "p001", "p01", "p05", "p10", "p25", "median", "p75", "p90", "p95", "p99",
        "p999", "max");
      Query query = Query.window(START, second(61));
      operators.forEach(operator -> query.calc(operator, Query.WALL, operator));
      JsonObject result = sim.result(account, token, query.json());
      List<Double> values = new ArrayList<>();
      for (int i = 0; i < operators.size(); i++) {
        values.add(value(result, i));
      }
      assertThat(values).isSorted();
      assertThat(values.get(0)).isLessThan(values.get(values.size() - 1));
    }
  }

  @Test
  @DisplayName("errors follow errorRate: outcome exception with status 500, about 20%, grouped by outcome")
  void errorsByOutcome() {
    try (SimHarness sim = SimHarness.start()) {
      String account = SimHarness.account("traffic-errors");
      String token = sim.token(account);
      sim.worker(account, "svc", 1000);
      String version = sim.version(account, "svc", new JsonObject().put("errorRate", 0.2));
      sim.deploy(account, "svc", token, SimHarness.split(version, 100));
      sim.advance(Duration.ofSeconds(61));

      Map<String, JsonObject> byOutcome = SimHarness.byGroup(sim.result(account, token, Query.window(START, second(61))
        .filter(Query.TYPE, "eq", "cf-worker-event").count()
        .groupBy(Query.OUTCOME).groupBy(Query.STATUS).groupBy(Query.STATUS_CODE).json()), 0);
      assertThat(byOutcome.keySet()).containsExactlyInAnyOrder("ok|200|200", "exception|500|500");
      long errors = byOutcome.get("exception|500|500").getLong("value");
      long ok = byOutcome.get("ok|200|200").getLong("value");
      assertThat(errors + ok).isEqualTo(60 * 1000);
      assertThat((double) errors / (errors + ok)).isCloseTo(0.2, within(0.02));

      JsonObject status5xx = sim.result(account, token, Query.window(START, second(61))
        .filter(Query.STATUS, "gte", 500).count().json());
      assertThat(SimHarness.aggregates(status5xx, 0).getJsonObject(0).getLong("value")).isEqualTo(errors);
    }
  }

  @Test
  @DisplayName("serverErrorRate: outcome ok with status 500, about 15%, beside exceptions; status >= 500 counts both")
  void serverErrors() {
    try (SimHarness sim = SimHarness.start()) {
      String account = SimHarness.account("traffic-server-errors");
      String token = sim.token(account);
      String old = sim.worker(account, "svc", 1000);
      String version = sim.version(account, "svc", new JsonObject().put("errorRate", 0.1).put("serverErrorRate", 0.15));
      sim.deploy(account, "svc", token, SimHarness.split(version, 50, old, 50));
      sim.advance(Duration.ofSeconds(61));

      Map<String, JsonObject> byOutcome = SimHarness.byGroup(sim.result(account, token, Query.window(START, second(61))
        .filter(Query.VERSION, "eq", version).count()
        .groupBy(Query.OUTCOME).groupBy(Query.STATUS).groupBy(Query.STATUS_CODE).json()), 0);
      assertThat(byOutcome.keySet()).containsExactlyInAnyOrder("ok|200|200", "ok|500|500", "exception|500|500");
      long ok = byOutcome.get("ok|200|200").getLong("value");
      long serverErrors = byOutcome.get("ok|500|500").getLong("value");
      long exceptions = byOutcome.get("exception|500|500").getLong("value");
      long total = ok + serverErrors + exceptions;
      assertThat((double) total).isCloseTo(30_000, withPercentage(3));
      assertThat((double) serverErrors / total).isCloseTo(0.15, within(0.015));
      assertThat((double) exceptions / total).isCloseTo(0.10, within(0.015));

      // what a health check asks: 5xx per version; the old version only has its default exceptions
      Map<String, JsonObject> failing = SimHarness.byGroup(sim.result(account, token, Query.window(START, second(61))
        .filter(Query.STATUS, "gte", 500).count().groupBy(Query.VERSION).json()), 0);
      assertThat(failing.get(version).getLong("value")).isEqualTo(exceptions + serverErrors);
      assertThat(failing.get(old).getLong("value")).isLessThan(100);

      // $metadata.error marks exceptions only: a Worker that answers 500 itself logged no error
      JsonObject withError = sim.result(account, token, Query.window(START, second(61))
        .filter(Query.VERSION, "eq", version).filter("$metadata.error", "exists", null).count().json());
      assertThat(SimHarness.aggregates(withError, 0).getJsonObject(0).getLong("value")).isEqualTo(exceptions);

      JsonObject traffic = sim.sim(HttpMethod.GET, "/accounts/" + account + "/workers/svc", null).bodyAsJsonObject()
        .getJsonObject("traffic").getJsonObject(version);
      assertThat(traffic.getLong("requests")).isEqualTo(total);
      assertThat(traffic.getLong("errors")).isEqualTo(exceptions + serverErrors);
      assertThat(traffic.getLong("serverErrors")).isEqualTo(serverErrors);
    }
  }

  @Test
  @DisplayName("serverErrorRate changed by PATCH applies from the next second on")
  void serverErrorRateChangesLive() {
    try (SimHarness sim = SimHarness.start()) {
      String account = SimHarness.account("traffic-live-server-errors");
      String token = sim.token(account);
      String version = sim.worker(account, "svc", 100);
      sim.advance(Duration.ofSeconds(30));
      HttpResponse<Buffer> res = sim.sim(HttpMethod.PATCH, "/accounts/" + account + "/workers/svc/versions/" + version,
        new JsonObject().put("errorRate", 0).put("serverErrorRate", 1.0));
      assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
      assertThat(res.bodyAsJsonObject().getJsonObject("profile").getDouble("serverErrorRate")).isEqualTo(1.0);
      sim.advance(Duration.ofSeconds(31));

      Map<String, JsonObject> early = SimHarness.byGroup(sim.result(account, token,
        Query.window(START, second(31)).count().groupBy(Query.OUTCOME).groupBy(Query.STATUS).json()), 0);
      Map<String, JsonObject> late = SimHarness.byGroup(sim.result(account, token,
        Query.window(second(31), second(61)).count().groupBy(Query.OUTCOME).groupBy(Query.STATUS).json()), 0);
      assertThat(early).doesNotContainKey("ok|500");
      assertThat(late.keySet()).containsExactly("ok|500");
      assertThat(late.get("ok|500").getLong("value")).isEqualTo(30 * 100);
    }
  }

  @Test
  @DisplayName("a profile changed live applies from the next second on; earlier seconds keep the old one")
  void profileChangesLive() {
    try (SimHarness sim = SimHarness.start()) {
      String account = SimHarness.account("traffic-live-profile");
      String token = sim.token(account);
      String version = sim.worker(account, "svc", 100);
      sim.advance(Duration.ofSeconds(30));
      assertThat(sim.sim(HttpMethod.PATCH, "/accounts/" + account + "/workers/svc/versions/" + version,
        new JsonObject().put("errorRate", 1.0)).statusCode()).isEqualTo(200);
      sim.advance(Duration.ofSeconds(31));

      Map<String, JsonObject> early = SimHarness.byGroup(sim.result(account, token,
        Query.window(START, second(31)).count().groupBy(Query.OUTCOME).json()), 0);
      Map<String, JsonObject> late = SimHarness.byGroup(sim.result(account, token,
        Query.window(second(31), second(61)).count().groupBy(Query.OUTCOME).json()), 0);
      assertThat(early.get("ok").getLong("value")).isGreaterThan(2900);
      assertThat(late.keySet()).containsExactly("exception");
      assertThat(late.get("exception").getLong("value")).isEqualTo(30 * 100);
    }
  }

  @Test
  @DisplayName("rps changes apply from the next second; an rps of 0 stops traffic")
  void rpsChanges() {
    try (SimHarness sim = SimHarness.start()) {
      String account = SimHarness.account("traffic-rps");
      String token = sim.token(account);
      sim.worker(account, "svc", 10);
      sim.advance(Duration.ofSeconds(20));
      sim.sim(HttpMethod.PATCH, "/accounts/" + account + "/workers/svc", new JsonObject().put("rps", 0));
      sim.advance(Duration.ofSeconds(20));
      sim.sim(HttpMethod.PATCH, "/accounts/" + account + "/workers/svc", new JsonObject().put("rps", 2.5));
      sim.advance(Duration.ofSeconds(21));
      assertThat(count(sim, account, token, START, second(21))).isEqualTo(20 * 10);
      assertThat(count(sim, account, token, second(21), second(41))).isZero();
      assertThat(count(sim, account, token, second(41), second(61))).isBetween(35L, 65L);
    }
  }

  @Test
  @DisplayName("the same seed gives the same traffic: two simulators agree invocation for invocation")
  void deterministic() {
    List<JsonObject> runs = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      try (SimHarness sim = SimHarness.start()) {
        String account = SimHarness.account("traffic-deterministic");
        String token = sim.token(account);
        sim.worker(account, "svc", 333);
        sim.advance(Duration.ofSeconds(95));
        runs.add(sim.result(account, token, Query.window(START + 2500, second(93)).count()
          .calc("p99", Query.WALL, "p99").calc("avg", Query.CPU, "avg").groupBy(Query.OUTCOME).json())
          .getJsonArray("calculations").getJsonObject(0));
      }
    }
    assertThat(runs.get(0)).isEqualTo(runs.get(1));
  }

  @Test
  @DisplayName("a window split in two counts the same as the whole: regenerated edges match stored minutes")
  void edgesMatchStoredMinutes() {
    String account = SimHarness.account("traffic-edges");
    String token = shared.token(account);
    shared.worker(account, "svc", 200);
    shared.advance(Duration.ofSeconds(150));
    long now = shared.clock.millis();
    long from = now - 140_000;
    long cut = now - 77_777;
    JsonObject whole = shared.result(account, token, Query.window(from, now).count()
      .calc("p90", Query.WALL, "p90").groupBy(Query.OUTCOME).json());
    long first = count(shared, account, token, from, cut);
    long second = count(shared, account, token, cut, now);
    long total = SimHarness.byGroup(whole, 0).values().stream().mapToLong(a -> a.getLong("value")).sum();
    assertThat(first + second).isEqualTo(total);
    JsonObject again = shared.result(account, token, Query.window(from, now).count()
      .calc("p90", Query.WALL, "p90").groupBy(Query.OUTCOME).json());
    assertThat(again.getJsonArray("calculations")).isEqualTo(whole.getJsonArray("calculations"));
  }

  @Test
  @DisplayName("telemetry older than the retention is evicted: the window answers no data")
  void retention() {
    try (SimHarness sim = SimHarness.start(SimOptions.defaults().withRetention(Duration.ofMinutes(2)))) {
      String account = SimHarness.account("traffic-retention");
      String token = sim.token(account);
      sim.worker(account, "svc", 10);
      sim.advance(Duration.ofMinutes(5));
      assertThat(SimHarness.aggregates(sim.result(account, token, Query.window(START, second(60)).count().json()), 0))
        .isEmpty();
      long now = sim.clock.millis();
      assertThat(count(sim, account, token, now - 60_000, now)).isEqualTo(60 * 10);
    }
  }

  static double value(JsonObject result, int calculation) {
    return SimHarness.aggregates(result, calculation).getJsonObject(0).getDouble("value");
  }

  static long count(SimHarness sim, String account, String token, long from, long to) {
    var aggregates = SimHarness.aggregates(sim.result(account, token, Query.window(from, to).count().json()), 0);
    return aggregates.isEmpty() ? 0 : aggregates.getJsonObject(0).getLong("value");
  }
}
