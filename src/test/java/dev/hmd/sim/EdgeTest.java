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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The Worker itself at {@code /sim/edge}: which version answers (split, overrides and their
 * propagation delay), how often it fails, and that each request is an invocation in the
 * telemetry. Each test owns a simulator, so it owns the clock; Workers have rps 0 where the
 * telemetry must hold the edge requests only.
 */
class EdgeTest {

  /** Errors never happen, so that a version's answers are always 200. */
  private static final JsonObject HEALTHY = new JsonObject().put("errorRate", 0);

  private static String versionsPath(String account, String script) {
    return "/accounts/" + account + "/workers/" + script + "/versions";
  }

  /** A Worker at rps 0 whose first version never fails; returns that version. */
  private static String quietWorker(SimHarness sim, String account, String script) {
    String first = sim.worker(account, script, 0);
    assertThat(sim.sim(HttpMethod.PATCH, versionsPath(account, script) + "/" + first, HEALTHY).statusCode())
      .isEqualTo(200);
    return first;
  }

  private static Map<String, Integer> tally(SimHarness sim, String account, String script, String overrides, int n) {
    Map<String, Integer> answered = new HashMap<>();
    for (int i = 0; i < n; i++) {
      answered.merge(sim.edgeVersion(account, script, overrides), 1, Integer::sum);
    }
    return answered;
  }

  @Test
  @DisplayName("without an override the serving split draws the version: about 30/70")
  void splitDecides() {
    try (SimHarness sim = SimHarness.start()) {
      String account = SimHarness.account("edge-split");
      String token = sim.token(account);
      String old = quietWorker(sim, account, "svc");
      String fresh = sim.version(account, "svc", HEALTHY);
      assertThat(sim.deploy(account, "svc", token, SimHarness.split(old, 30, fresh, 70)).statusCode()).isEqualTo(200);
      sim.advance(Duration.ofSeconds(1));

      Map<String, Integer> answered = tally(sim, account, "svc", null, 600);
      assertThat(answered.keySet()).containsExactlyInAnyOrder(old, fresh);
      assertThat(answered.get(fresh) / 600.0).isCloseTo(0.70, within(0.07));
    }
  }

  @Test
  @DisplayName("the answer is 200 application/json {versionId} with x-sim-version, for any method and path")
  void answerShape() {
    try (SimHarness sim = SimHarness.start()) {
      String account = SimHarness.account("edge-shape");
      String first = quietWorker(sim, account, "svc");
      sim.advance(Duration.ofSeconds(1));
      for (String path : new String[] {"", "/", "/a", "/a/b/c", "/a/b?x=1&y=2"}) {
        for (HttpMethod method : new HttpMethod[] {HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE,
          HttpMethod.PATCH}) {
          HttpResponse<Buffer> res = sim.edge(method, account, "svc", path, null);
          assertThat(res.statusCode()).as(method + " " + path).isEqualTo(200);
          assertThat(res.getHeader("content-type")).isEqualTo("application/json");
          assertThat(res.getHeader("x-sim-version")).isEqualTo(first);
          assertThat(res.bodyAsJsonObject()).isEqualTo(new JsonObject().put("versionId", first));
        }
      }
      HttpResponse<Buffer> withBody = sim.http.request(HttpMethod.POST, sim.port, "localhost",
        "/sim/edge/" + account + "/svc/upload").sendBuffer(Buffer.buffer("{\"any\": \"payload\"}")).await();
      assertThat(withBody.statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("an override is ignored for overridePropagationSeconds after a deployment starts serving, then honoured")
  void overridePropagation() {
    try (SimHarness sim = SimHarness.start()) {
      String account = SimHarness.account("edge-override");
      String token = sim.token(account);
      String old = quietWorker(sim, account, "svc");
      String fresh = sim.version(account, "svc", HEALTHY);
      String override = "svc=\"" + fresh + "\"";
      sim.advance(Duration.ofSeconds(10));
      assertThat(sim.deploy(account, "svc", token, SimHarness.split(old, 100, fresh, 0)).statusCode()).isEqualTo(200);

      // the deployment serves from the next second; until then fresh is not in the serving one
      assertThat(tally(sim, account, "svc", override, 20)).containsOnlyKeys(old);
      sim.advance(Duration.ofSeconds(1));
      // serving, but within the default 2 s of propagation: the split (100% old) decides
      assertThat(tally(sim, account, "svc", override, 20)).containsOnlyKeys(old);
      sim.advance(Duration.ofSeconds(1));
      assertThat(tally(sim, account, "svc", override, 20)).containsOnlyKeys(old);
      sim.advance(Duration.ofSeconds(1));
      assertThat(tally(sim, account, "svc", override, 20)).containsOnlyKeys(fresh);
      assertThat(tally(sim, account, "svc", null, 20)).containsOnlyKeys(old);

      // any deployment change starts the window again, even one that keeps fresh at 0%
      assertThat(sim.deploy(account, "svc", token, SimHarness.split(fresh, 0, old, 100)).statusCode()).isEqualTo(200);
      sim.advance(Duration.ofSeconds(1));
      assertThat(tally(sim, account, "svc", override, 20)).containsOnlyKeys(old);
      sim.advance(Duration.ofSeconds(2));
      assertThat(tally(sim, account, "svc", override, 20)).containsOnlyKeys(fresh);
    }
  }

  @Test
  @DisplayName("overridePropagationSeconds in PUT /sim/faults replaces the option until the faults are cleared")
  void overridePropagationAsFault() {
    try (SimHarness sim = SimHarness.start(SimOptions.defaults().withOverridePropagationSeconds(0))) {
      String account = SimHarness.account("edge-override-fault");
      String token = sim.token(account);
      String old = quietWorker(sim, account, "svc");
      String fresh = sim.version(account, "svc", HEALTHY);
      String override = "svc=\"" + fresh + "\"";
      sim.deploy(account, "svc", token, SimHarness.split(old, 100, fresh, 0));
      sim.advance(Duration.ofSeconds(1));
      assertThat(sim.sim(HttpMethod.GET, "/faults", null).bodyAsJsonObject().getInteger("overridePropagationSeconds"))
        .isZero();
      assertThat(tally(sim, account, "svc", override, 10)).containsOnlyKeys(fresh);

      assertThat(sim.sim(HttpMethod.PUT, "/faults", new JsonObject().put("overridePropagationSeconds", 30))
        .statusCode())
        .isEqualTo(200);
      sim.advance(Duration.ofSeconds(10));
      assertThat(tally(sim, account, "svc", override, 10)).containsOnlyKeys(old);
      sim.advance(Duration.ofSeconds(20));
      assertThat(tally(sim, account, "svc", override, 10)).containsOnlyKeys(fresh);

      sim.deploy(account, "svc", token, SimHarness.split(old, 100, fresh, 0));
      sim.advance(Duration.ofSeconds(1));
      assertThat(tally(sim, account, "svc", override, 10)).containsOnlyKeys(old);
      assertThat(sim.sim(HttpMethod.DELETE, "/faults", null).statusCode()).isEqualTo(204);
      assertThat(tally(sim, account, "svc", override, 10)).containsOnlyKeys(fresh);
    }
  }

  @Test
  @DisplayName("overrides for other scripts, for versions outside the deployment and malformed headers are ignored")
  void overridesIgnored() {
    try (SimHarness sim = SimHarness.start()) {
      String account = SimHarness.account("edge-override-ignored");
      String token = sim.token(account);
      String old = quietWorker(sim, account, "svc");
      String fresh = sim.version(account, "svc", HEALTHY);
      String undeployed = sim.version(account, "svc", HEALTHY);
      quietWorker(sim, account, "other");
      sim.deploy(account, "svc", token, SimHarness.split(old, 100, fresh, 0));
      sim.advance(Duration.ofSeconds(5));

      assertThat(tally(sim, account, "svc", "other=\"" + fresh + "\"", 10)).containsOnlyKeys(old);
      assertThat(tally(sim, account, "svc", "svc=\"" + undeployed + "\"", 10)).containsOnlyKeys(old);
      assertThat(tally(sim, account, "svc", "svc=\"no-such-version\"", 10)).containsOnlyKeys(old);
      for (String malformed : new String[] {"svc=" + fresh, "svc=\"" + fresh, "svc=\"" + fresh + "\" junk",
        "svc = \"" + fresh + "\"", "SVC=\"" + fresh + "\"", "=\"" + fresh + "\"", "svc", ",,,", "\"", "svc=?1",
        "svc=(\"" + fresh + "\")", "svc=\"a\\x\""}) {
        assertThat(tally(sim, account, "svc", malformed, 3)).as(malformed).containsOnlyKeys(old);
      }
      // the other Worker is not reached by an override naming svc
      assertThat(tally(sim, account, "other", "svc=\"" + fresh + "\"", 5)).hasSize(1).doesNotContainKey(fresh);
    }
  }

  @Test
  @DisplayName(
    "an override is found among several members, with parameters and spaces, the last one for a script winning")
  void overrideAmongMembers() {
    try (SimHarness sim = SimHarness.start()) {
      String account = SimHarness.account("edge-override-members");
      String token = sim.token(account);
      String old = quietWorker(sim, account, "svc");
      String fresh = sim.version(account, "svc", HEALTHY);
      sim.deploy(account, "svc", token, SimHarness.split(old, 100, fresh, 0));
      sim.advance(Duration.ofSeconds(5));

      for (String header : new String[] {
        "other=\"abc\", svc=\"" + fresh + "\"",
        "svc=\"" + fresh + "\";note=1, other=\"abc\"",
        "broken, svc=\"" + fresh + "\"",
        "svc=\"" + old + "\",svc=\"" + fresh + "\"",
        "other=\"with, comma\",\tsvc=\"" + fresh + "\"  "}) {
        assertThat(tally(sim, account, "svc", header, 3)).as(header).containsOnlyKeys(fresh);
      }
      HttpResponse<Buffer> twoLines = sim.http.request(HttpMethod.GET, sim.port, "localhost",
          "/sim/edge/" + account + "/svc/")
        .putHeader("Cloudflare-Workers-Version-Overrides", List.of("other=\"abc\"", "svc=\"" + fresh + "\""))
        .send().await();
      assertThat(twoLines.getHeader("x-sim-version")).isEqualTo(fresh);
    }
  }

  @Test
  @DisplayName("500s follow errorRate + serverErrorRate of the version that answers, overridden or not")
  void errorRates() {
    try (SimHarness sim = SimHarness.start(SimOptions.defaults().withOverridePropagationSeconds(0))) {
      String account = SimHarness.account("edge-errors");
      String token = sim.token(account);
      String old = quietWorker(sim, account, "svc");
      String failing = sim.version(account, "svc", new JsonObject().put("errorRate", 0.2).put("serverErrorRate", 0.2));
      sim.deploy(account, "svc", token, SimHarness.split(old, 100, failing, 0));
      sim.advance(Duration.ofSeconds(1));

      int failed = 0;
      int n = 600;
      for (int i = 0; i < n; i++) {
        HttpResponse<Buffer> res = sim.edge(HttpMethod.GET, account, "svc", "/", "svc=\"" + failing + "\"");
        assertThat(res.getHeader("x-sim-version")).isEqualTo(failing);
        assertThat(res.bodyAsJsonObject().getString("versionId")).isEqualTo(failing);
        if (res.statusCode() == 500) {
          failed++;
          assertThat(res.bodyAsJsonObject().getString("error")).isIn("simulated exception", "simulated server error");
        } else {
          assertThat(res.statusCode()).isEqualTo(200);
        }
      }
      assertThat(failed / (double) n).isCloseTo(0.4, within(0.07));
      for (int i = 0; i < 100; i++) {
        assertThat(sim.edge(HttpMethod.GET, account, "svc", "/", null).statusCode()).isEqualTo(200);
      }
    }
  }

  @Test
  @DisplayName(
    "each edge request is an invocation of its version in the telemetry and the traffic counts, edges regenerated "
    + "alike")
  void countedInTelemetry() {
    try (SimHarness sim = SimHarness.start(SimOptions.defaults().withOverridePropagationSeconds(0))) {
      String account = SimHarness.account("edge-telemetry");
      String token = sim.token(account);
      String old = quietWorker(sim, account, "svc");
      String fresh = sim.version(account, "svc", new JsonObject().put("errorRate", 0.25).put("serverErrorRate", 0.25)
        .put("latencyMs", new JsonObject().put("p50", 100).put("p99", 100)));
      sim.deploy(account, "svc", token, SimHarness.split(old, 100, fresh, 0));
      sim.advance(Duration.ofSeconds(5));

      Map<String, Integer> answered = new HashMap<>();
      for (int i = 0; i < 200; i++) {
        String overrides = i % 2 == 0 ? "svc=\"" + fresh + "\"" : null;
        HttpResponse<Buffer> res = sim.edge(HttpMethod.GET, account, "svc", "/", overrides);
        answered.merge(res.getHeader("x-sim-version") + "|" + res.statusCode(), 1, Integer::sum);
      }
      sim.advance(Duration.ofSeconds(70));
      for (int i = 0; i < 10; i++) {
        answered.merge(sim.edgeVersion(account, "svc", null) + "|200", 1, Integer::sum);
      }
      sim.advance(Duration.ofSeconds(2));

      Map<String, Integer> counted = new HashMap<>();
      SimHarness.byGroup(sim.result(account, token, Query.window(START, sim.clock.millis()).count()
          .groupBy(Query.VERSION).groupBy(Query.STATUS).json()), 0)
        .forEach((group, aggregate) -> counted.put(group, aggregate.getInteger("value")));
      assertThat(counted).isEqualTo(answered);

      // a window that cuts the minute regenerates its seconds, edge requests included
      assertThat(TrafficTest.count(sim, account, token, START + 5000, START + 6000)).isEqualTo(200);
      assertThat(TrafficTest.count(sim, account, token, START + 3000, START + 5000)).isZero();

      JsonObject failures = sim.result(account, token, Query.window(START, sim.clock.millis())
        .filter(Query.STATUS, "gte", 500).count().groupBy(Query.VERSION).json());
      int fresh500 = answered.getOrDefault(fresh + "|500", 0);
      assertThat(SimHarness.byGroup(failures, 0).keySet()).containsExactly(fresh);
      assertThat(SimHarness.byGroup(failures, 0).get(fresh).getInteger("value")).isEqualTo(fresh500);

      JsonObject wall = sim.result(account, token, Query.window(START, sim.clock.millis())
        .filter(Query.VERSION, "eq", fresh).calc("median", Query.WALL, "p50").json());
      assertThat(TrafficTest.value(wall, 0)).isCloseTo(100, withPercentage(2));

      JsonObject traffic = sim.sim(HttpMethod.GET, "/accounts/" + account + "/workers/svc", null).bodyAsJsonObject()
        .getJsonObject("traffic");
      assertThat(traffic.getJsonObject(fresh).getInteger("requests"))
        .isEqualTo(answered.get(fresh + "|200") + fresh500);
      assertThat(traffic.getJsonObject(fresh).getInteger("errors")).isEqualTo(fresh500);
      assertThat(traffic.getJsonObject(old).getInteger("errors")).isZero();
    }
  }

  @Test
  @DisplayName("unknown accounts, scripts and paths are 404 problems; Cloudflare API faults do not reach the edge")
  void notFoundAndNoFaults() {
    try (SimHarness sim = SimHarness.start()) {
      String account = SimHarness.account("edge-not-found");
      quietWorker(sim, account, "svc");
      String[] paths = {"/sim/edge/" + account + "/ghost/", "/sim/edge/" + SimHarness.account("nobody") + "/svc",
        "/sim/edge/not-an-account/svc/x", "/sim/edge/" + account, "/sim/edge", "/sim/edge/"};
      for (String path : paths) {
        HttpResponse<Buffer> res = sim.http.request(HttpMethod.GET, sim.port, "localhost", path).send().await();
        assertThat(res.statusCode()).as(path).isEqualTo(404);
        assertThat(res.getHeader("content-type")).as(path).isEqualTo("application/problem+json");
        assertThat(res.bodyAsJsonObject().getInteger("status")).isEqualTo(404);
      }

      assertThat(sim.sim(HttpMethod.PUT, "/faults", new JsonObject().put("errorRate", 1.0).put("rateLimitRate", 1.0))
        .statusCode()).isEqualTo(200);
      sim.advance(Duration.ofSeconds(1));
      for (int i = 0; i < 20; i++) {
        assertThat(sim.edge(HttpMethod.GET, account, "svc", "/", null).statusCode()).isEqualTo(200);
      }
    }
  }
}
