package dev.hmd.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * No input, however malformed, may produce a 500: valid bodies with one part replaced by
 * something of the wrong shape, from a seeded random source so that a failure reproduces.
 */
class RobustnessTest {

  static SimHarness sim;
  static String account;
  static String token;
  static String version;
  static final Object[] ODD_VALUES = {null, "", "text", -1, 0, 1.5, 1e300, -1e300, Long.MAX_VALUE, true,
    new JsonArray(), new JsonArray().add(1).add("a"), new JsonObject(), new JsonObject().put("x", new JsonArray()),
    "$workers.wallTimeMs", "p99", "eq", "(", "ünïcødé", "a".repeat(5000)};

  @BeforeAll
  static void start() {
    sim = SimHarness.start(SimOptions.defaults().withRateLimit(100_000, java.time.Duration.ofMinutes(5)));
    account = SimHarness.account("robustness");
    token = sim.token(account);
    version = sim.worker(account, "svc", 20);
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  @Test
  @DisplayName("malformed telemetry queries are answered 200 or 400, never 500")
  void telemetryQueries() {
    JsonObject valid = Query.window(SimHarness.START - 60_000, SimHarness.START + 60_000)
      .filter(Query.SCRIPT, "eq", "svc").filter(Query.WALL, "gt", 10).combination("or")
      .count().calc("p99", Query.WALL, "p99").groupBy(Query.VERSION)
      .parameter("havings",
        new JsonArray().add(new JsonObject().put("key", "p99").put("operation", "gt").put("value", 1)))
      .parameter("orderBy", new JsonObject().put("value", "count")).json();
    for (JsonObject body : mutations(valid, 400)) {
      HttpResponse<Buffer> res = sim.query(account, token, body);
      assertThat(res.statusCode()).as(body.encode()).isIn(200, 400);
      assertThat(res.bodyAsJsonObject().getBoolean("success")).isEqualTo(res.statusCode() == 200);
    }
  }

  @Test
  @DisplayName("malformed deployments are answered 200 or 400 and never 500")
  void deployments() {
    JsonObject valid = new JsonObject().put("strategy", "percentage").put("versions", SimHarness.split(version, 100))
      .put("annotations", new JsonObject().put("workers/message", "m"));
    for (JsonObject body : mutations(valid, 300)) {
      HttpResponse<Buffer> res = sim.cf(HttpMethod.POST, "/accounts/" + account + "/workers/scripts/svc/deployments",
        token, body);
      assertThat(res.statusCode()).as(body.encode()).isIn(200, 400);
    }
  }

  @Test
  @DisplayName("malformed control bodies are answered 2xx, 400 or 409, never 500")
  void controlBodies() {
    JsonObject profile = new JsonObject().put("message", "m")
      .put("latencyMs", new JsonObject().put("p50", 10).put("p99", 20))
      .put("cpuMs", new JsonObject().put("p50", 1).put("p99", 2)).put("errorRate", 0.1).put("serverErrorRate", 0.1);
    for (JsonObject body : mutations(profile, 150)) {
      HttpResponse<Buffer> res = sim.sim(HttpMethod.POST, "/accounts/" + account + "/workers/svc/versions", body);
      assertThat(res.statusCode()).as(body.encode()).isIn(201, 400);
    }
    JsonObject faults = new JsonObject().put("errorRate", 0).put("latencyMs", 0).put("telemetryLagSeconds", 0)
      .put("overridePropagationSeconds", 1).put("refuseDeployments", new JsonObject().put("code", 10220)
        .put("message", "m").put("scripts", new JsonArray().add("svc")));
    for (JsonObject body : mutations(faults, 100)) {
      assertThat(sim.sim(HttpMethod.PUT, "/faults", body).statusCode()).as(body.encode()).isIn(200, 400);
    }
    sim.sim(HttpMethod.DELETE, "/faults", null);
  }

  @Test
  @DisplayName("odd paths and query strings are answered without a 500")
  void oddPaths() {
    String base = "/accounts/" + account + "/workers/scripts/";
    for (String path
      : List.of(base + "svc/versions?page=-5", base + "svc/versions?per_page=1e3", base + "%2e%2e/versions",
      base + "svc/versions/%00", base + "SVC/deployments", base + "svc/deployments/extra", "/accounts//tokens/verify",
      base + "svc/versions?page=99999999999")) {
      assertThat(sim.cfGet(path, token).statusCode()).as(path).isBetween(200, 499);
    }
  }

  @Test
  @DisplayName("odd version-override headers and paths at the edge are answered 200, 400 or 404, never 500")
  void edgeRequests() {
    String healthy = sim.version(account, "svc", new JsonObject().put("errorRate", 0).put("serverErrorRate", 0));
    assertThat(sim.deploy(account, "svc", token, SimHarness.split(healthy, 100)).statusCode()).isEqualTo(200);
    sim.advance(java.time.Duration.ofSeconds(5));
    Random random = new Random(7);
    String alphabet = "svc=\"\\,;:?*()<> \t-_.0123456789abcdef" + healthy;
    for (int i = 0; i < 300; i++) {
      StringBuilder header = new StringBuilder(random.nextInt(3) == 0 ? "svc=\"" : "");
      for (int n = random.nextInt(60); n > 0; n--) {
        header.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      HttpResponse<Buffer> res = sim.edge(HttpMethod.GET, account, "svc", "/", header.toString());
      assertThat(res.statusCode()).as(header.toString()).isEqualTo(200);
    }
    for (String path : List.of("/%00", "/%2e%2e/%2e%2e", "//", "/a//b", "/?x=%zz", "/" + "a".repeat(3000))) {
      assertThat(sim.edge(HttpMethod.GET, account, "svc", path, null).statusCode()).as(path).isIn(200, 400, 404);
    }
  }

  /** Copies of {@code valid}, each with one field somewhere in the tree replaced, added or removed. */
  private static List<JsonObject> mutations(JsonObject valid, int count) {
    Random random = new Random(42);
    List<JsonObject> bodies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      JsonObject copy = valid.copy();
      mutate(copy, random);
      bodies.add(copy);
    }
    return bodies;
  }

  private static void mutate(Object node, Random random) {
    if (node instanceof JsonObject object && !object.isEmpty()) {
      List<String> names = new ArrayList<>(object.fieldNames());
      String name = names.get(random.nextInt(names.size()));
      Object child = object.getValue(name);
      if ((child instanceof JsonObject || child instanceof JsonArray) && random.nextInt(3) > 0) {
        mutate(child, random);
      } else if (random.nextInt(5) == 0) {
        object.remove(name);
      } else {
        object.put(name, odd(random));
      }
    } else if (node instanceof JsonArray array && !array.isEmpty()) {
      int index = random.nextInt(array.size());
      Object child = array.getValue(index);
      if ((child instanceof JsonObject || child instanceof JsonArray) && random.nextInt(3) > 0) {
        mutate(child, random);
      } else {
        array.set(index, odd(random));
      }
    }
  }

  private static Object odd(Random random) {
    Object value = ODD_VALUES[random.nextInt(ODD_VALUES.length)];
    return value instanceof JsonObject object ? object.copy() : value instanceof JsonArray array ? array.copy() : value;
  }
}
