package dev.hmd.controls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.SseClient;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The release controls end to end on the simulator: the smoke test at 0%, gates, promote, revert, dry-run SLOs. */
@WithService
class ReleaseControlsTest {

  static TestSimulator sim;
  static Service service;
  static Api api;

  static final List<String> ACTIVE = List.of("running", "awaiting_approval", "paused");

  static JsonObject awaitEnd(Fixture f, String id, Duration atMost) {
    await().atMost(atMost).pollInterval(Duration.ofMillis(200))
      .until(() -> !ACTIVE.contains(f.release(id).getString("state")));
    return f.release(id);
  }

  /** The simulator's deployments of the Worker, oldest first. */
  static List<JsonArray> history(Fixture f) {
    return sim.splits(f.account(), f.script());
  }

  static int percentOf(JsonArray split, String versionId) {
    return split.stream().map(JsonObject.class::cast).filter(v -> v.getString("versionId").equals(versionId))
      .mapToInt(v -> v.getInteger("percentage")).sum();
  }

  static boolean lists(JsonArray split, String versionId) {
    return split.stream().map(JsonObject.class::cast).anyMatch(v -> v.getString("versionId").equals(versionId));
  }

  static String edgeUrl(Fixture f) {
    return "http://localhost:" + sim.port() + "/sim/edge/" + f.account().accountId() + "/" + f.script();
  }

  static JsonObject smokeTest(Fixture f) {
    return new JsonObject().put("url", edgeUrl(f)).put("repeat", 3)
      .put("requests", new JsonArray().add(new JsonObject().put("method", "GET").put("path", "/health")
        .put("expectStatus", 200)));
  }

  static JsonObject clean() {
    return new JsonObject().put("message", "clean").put("latencyMs", new JsonObject().put("p50", 20).put("p99", 100))
      .put("errorRate", 0.0);
  }

  @Test
  @DisplayName(
    "a version that answers 500 on /health fails its smoke test: rolled back, never above 0%, the 0% entry removed")
  void failingSmokeTest() {
    Fixture f = Fixture.create(api, sim, 20);
    String broken = f.version(sim, new JsonObject().put("message", "broken").put("serverErrorRate", 1.0)
      .put("errorRate", 0.0));
    f.plan(Fixture.quickPlan(6, 2, 10, 100).put("onInsufficientData", "proceed").put("smokeTest", smokeTest(f)));
    String id = f.start(broken).getString("id");
    JsonObject done = awaitEnd(f, id, Duration.ofSeconds(45));

    assertThat(done.getString("state")).isEqualTo("rolled_back");
    assertThat(done.getJsonObject("outcome").getString("code")).isEqualTo("smoke_test_failed");
    assertThat(done.getJsonObject("outcome").getString("message")).contains("3 of 3 answers").contains("answered 500");
    JsonObject smoke = done.getJsonObject("smokeTest");
    assertThat(smoke.getString("state")).isEqualTo("failed");
    JsonObject last = smoke.getJsonArray("attempts").getJsonObject(smoke.getJsonArray("attempts").size() - 1);
    assertThat(last.getBoolean("confirmed")).isTrue();
    assertThat(last.getString("verdict")).isEqualTo("fail");
    assertThat(last.getLong("newVersionRequests")).isGreaterThanOrEqualTo(3);
    assertThat(last.getJsonArray("failed").getJsonObject(0).getInteger("status")).isEqualTo(500);
    assertThat(done.getJsonArray("stages").getJsonObject(0).getString("startedAt")).isNull();
    assertThat(f.checks(id)).isEmpty();

    // the new version was listed at 0% for the test, and never served a share of traffic
    await().atMost(Duration.ofSeconds(15)).until(() -> !lists(history(f).get(history(f).size() - 1), broken));
    List<JsonArray> history = history(f);
    assertThat(history).anySatisfy(split -> assertThat(lists(split, broken)).isTrue());
    assertThat(history).allSatisfy(split -> assertThat(percentOf(split, broken)).isZero());
    assertThat(percentOf(history.get(history.size() - 1), f.servingVersion())).isEqualTo(100);

    // each attempt was a smoke event on the release's stream
    List<SseClient.Event> smokeEvents = events(f, id, "smoke");
    assertThat(smokeEvents).isNotEmpty();
    JsonObject lastEvent = smokeEvents.get(smokeEvents.size() - 1).data();
    assertThat(lastEvent.getString("releaseId")).isEqualTo(id);
    assertThat(lastEvent.getString("verdict")).isEqualTo("fail");
    assertThat(lastEvent.getString("state")).isEqualTo("failed");
  }

  /** The events of {@code type} the release's stream replays, once its history has been read. */
  static List<SseClient.Event> events(Fixture f, String id, String type) {
    try (SseClient sse = SseClient.open(service.vertx(), service.httpPort(), "/v1/releases/" + id + "/events",
      java.util.Map.of("Authorization", "Bearer " + f.key()))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> sse.events().stream().anyMatch(e -> e.type().equals("release")
        && !ACTIVE.contains(e.data().getString("state"))));
      return sse.events().stream().filter(e -> e.type().equals(type)).toList();
    }
  }

  @Test
  @DisplayName("a healthy version passes its smoke test at 0% and then rolls out")
  void passingSmokeTest() {
    Fixture f = Fixture.create(api, sim, 200);
    String next = f.version(sim, clean());
    f.plan(Fixture.quickPlan(6, 2, 10, 100).put("onInsufficientData", "proceed").put("smokeTest", smokeTest(f)));
    String id = f.start(next).getString("id");
    JsonObject done = awaitEnd(f, id, Duration.ofSeconds(60));

    assertThat(done.getString("state")).as(done.encodePrettily()).isEqualTo("succeeded");
    assertThat(done.getJsonObject("smokeTest").getString("state")).isEqualTo("passed");
    JsonArray attempts = done.getJsonObject("smokeTest").getJsonArray("attempts");
    assertThat(attempts.getJsonObject(attempts.size() - 1).getString("verdict")).isEqualTo("pass");
    List<JsonArray> history = history(f);
    int standby = -1;
    int canary = -1;
    for (int i = 0; i < history.size(); i++) {
      if (lists(history.get(i), next) && percentOf(history.get(i), next) == 0 && standby < 0) {
        standby = i;
      }
      if (percentOf(history.get(i), next) == 10 && canary < 0) {
        canary = i;
      }
    }
    assertThat(standby).as("deployed at 0%% first: %s", history).isPositive();
    assertThat(canary).isGreaterThan(standby);
    Instant smokeEnded = Instant.parse(done.getJsonObject("smokeTest").getString("finishedAt"));
    assertThat(Instant.parse(done.getJsonArray("stages").getJsonObject(0).getString("startedAt")))
      .isAfterOrEqualTo(smokeEnded);
  }

  @Test
  @DisplayName(
    "an override that reaches the old version (too soon after the deployment) is detected through telemetry and "
    + "tried again")
  void overrideNotYetHonoured() {
    Fixture f = Fixture.create(api, sim, 20);
    String next = f.version(sim, clean());
    f.plan(Fixture.quickPlan(6, 2, 10, 100).put("onInsufficientData", "proceed").put("smokeTest", smokeTest(f)));
    try {
      // the old version answers the first attempt: overrides are ignored for 7 s after a deployment
      sim.faults(new JsonObject().put("overridePropagationSeconds", 7));
      String id = f.start(next).getString("id");
      await().atMost(Duration.ofSeconds(40)).until(() -> {
        JsonObject smoke = f.release(id).getJsonObject("smokeTest");
        return smoke != null && !smoke.getString("state").equals("running");
      });
      JsonObject smoke = f.release(id).getJsonObject("smokeTest");
      JsonObject first = smoke.getJsonArray("attempts").getJsonObject(0);
      assertThat(first.getBoolean("confirmed")).as(smoke.encodePrettily()).isFalse();
      assertThat(first.getString("verdict")).isEqualTo("unconfirmed");
      assertThat(first.getLong("newVersionRequests")).isLessThan(3);
      assertThat(first.getString("detail")).contains("reached the new version");
      assertThat(smoke.getString("state")).isEqualTo("passed");
      JsonArray attempts = smoke.getJsonArray("attempts");
      assertThat(attempts.getJsonObject(attempts.size() - 1).getBoolean("confirmed")).isTrue();
      assertThat(awaitEnd(f, id, Duration.ofSeconds(40)).getString("state")).isEqualTo("succeeded");
    } finally {
      sim.faults(new JsonObject());
    }
  }

  @Test
  @DisplayName(
    "a gate answering 503 holds the stage back until it answers 200, signed with the connection's gate secret")
  void gateHoldsThenLetsGo() {
    Fixture f = Fixture.create(api, sim, 200);
    String next = f.version(sim, clean());
    try (GateReceiver gate = new GateReceiver()) {
      gate.answer(200, 503, 503);
      String secret = f.api().post("/v1/connections/" + f.connectionId() + "/gate-secret", null).bodyAsJsonObject()
        .getString("secret");
      f.plan(Fixture.quickPlan(6, 2, 10, 100).put("onInsufficientData", "proceed").put("gates", new JsonArray()
        .add(new JsonObject().put("name", "load-test").put("url", gate.url("/gate")).put("when", "before_each_stage")
          .put("timeoutSeconds", 30))));
      String id = f.start(next).getString("id");
      JsonObject done = awaitEnd(f, id, Duration.ofSeconds(60));
      assertThat(done.getString("state")).as(done.encodePrettily()).isEqualTo("succeeded");

      List<GateReceiver.Call> calls = gate.calls();
      assertThat(calls).extracting(GateReceiver.Call::status).startsWith(503, 503, 200);
      assertThat(calls).allSatisfy(c -> {
        assertThat(c.signedWith(secret)).isTrue();
        assertThat(c.headers().get("X-HMD-Gate")).isEqualTo("load-test");
        assertThat(c.json().getJsonObject("release").getString("id")).isEqualTo(id);
      });
      assertThat(calls.get(0).json().getJsonObject("gate").getInteger("stageIndex")).isZero();
      // stage 1 began (and its split was asked for) only once the gate said yes
      Instant started = Instant.parse(done.getJsonArray("stages").getJsonObject(0).getString("startedAt"));
      assertThat(started).isAfterOrEqualTo(calls.get(2).at().minusMillis(50));
      JsonObject record = done.getJsonArray("gates").getJsonObject(0);
      assertThat(record.getString("state")).isEqualTo("passed");
      assertThat(record.getInteger("attempts")).isEqualTo(3);
      assertThat(record.getJsonArray("last").stream().map(o -> ((JsonObject) o).getInteger("status")))
        .containsExactly(503, 503, 200);
      assertThat(done.getJsonArray("gates")).hasSize(2);
      assertThat(done.getJsonArray("gates").getJsonObject(1).getInteger("stageIndex")).isEqualTo(1);
      List<SseClient.Event> gateEvents = events(f, id, "gate");
      assertThat(gateEvents).extracting(e -> e.data().getInteger("status")).startsWith(503, 503, 200);
      assertThat(gateEvents.get(2).data().getString("state")).isEqualTo("passed");
      assertThat(gateEvents.get(0).data().getString("gate")).isEqualTo("load-test");
    }
  }

  @Test
  @DisplayName("a gate that never answers 2xx rolls the release back as gate_failed once its timeout has passed")
  void gateNeverPasses() {
    Fixture f = Fixture.create(api, sim, 200);
    String next = f.version(sim, clean());
    try (GateReceiver gate = new GateReceiver()) {
      gate.answer(500);
      f.plan(Fixture.quickPlan(4, 2, 10, 100).put("onInsufficientData", "proceed").put("gates", new JsonArray()
        .add(new JsonObject().put("name", "qa").put("url", gate.url("/qa")).put("when", "before_promotion")
          .put("timeoutSeconds", 4))));
      String id = f.start(next).getString("id");
      JsonObject done = awaitEnd(f, id, Duration.ofSeconds(60));
      assertThat(done.getString("state")).isEqualTo("rolled_back");
      assertThat(done.getJsonObject("outcome").getString("code")).isEqualTo("gate_failed");
      assertThat(done.getJsonObject("outcome").getString("message")).contains("gate 'qa'").contains("stage 2 (100%)")
        .contains("HTTP 500");
      assertThat(done.getJsonArray("stages").getJsonObject(0).getString("state")).isEqualTo("passed");
      assertThat(done.getJsonArray("stages").getJsonObject(1).getString("state")).isEqualTo("failed");
      JsonObject record = done.getJsonArray("gates").getJsonObject(0);
      assertThat(record.getString("state")).isEqualTo("failed");
      assertThat(record.getInteger("attempts")).isGreaterThanOrEqualTo(3);
      Instant firstCall = gate.calls().get(0).at();
      assertThat(gate.calls().get(gate.calls().size() - 1).at()).isAfterOrEqualTo(firstCall.plusSeconds(3));
      await().atMost(Duration.ofSeconds(15))
        .until(() -> percentOf(history(f).get(history(f).size() - 1), f.servingVersion()) == 100);
      assertThat(history(f)).allSatisfy(split -> assertThat(percentOf(split, next)).isLessThanOrEqualTo(10));
    }
  }

  @Test
  @DisplayName(
    "promote ends a soak at once, promote full skips to 100%, and each decision is recorded with who and why")
  void promote() {
    Fixture f = Fixture.create(api, sim, 50);
    String next = f.version(sim, clean());
    f.plan(Fixture.quickPlan(600, 60, 5, 10, 50, 100));
    String id = f.start(next).getString("id");
    String operator = api.newKey(f.key(), "operator");
    Api op = api.as(operator);
    await().atMost(Duration.ofSeconds(15)).until(() -> f.release(id).getJsonArray("stages").getJsonObject(0)
      .getString("soakStartedAt") != null);

    var promoted = op.post("/v1/releases/" + id + "/promote", new JsonObject().put("reason", "canary looks fine"));
    assertThat(promoted.statusCode()).isEqualTo(200);
    assertThat(promoted.bodyAsJsonObject().getInteger("currentStageIndex")).isEqualTo(1);
    var full = op.post("/v1/releases/" + id + "/promote", new JsonObject().put("full", true).put("reason", "ship it"));
    assertThat(full.statusCode()).isEqualTo(200);
    JsonObject afterFull = full.bodyAsJsonObject();
    assertThat(afterFull.getInteger("currentStageIndex")).isEqualTo(3);
    assertThat(afterFull.getJsonArray("stages").getJsonObject(2).getString("state")).isEqualTo("skipped");
    assertThat(op.post("/v1/releases/" + id + "/promote", new JsonObject().put("full", "yes")).statusCode())
      .isEqualTo(400);
    await().atMost(Duration.ofSeconds(15)).until(() -> f.release(id).getJsonArray("stages").getJsonObject(3)
      .getString("soakStartedAt") != null);
    assertThat(op.post("/v1/releases/" + id + "/promote", null).statusCode()).isEqualTo(200);
    JsonObject done = awaitEnd(f, id, Duration.ofSeconds(15));
    assertThat(done.getString("state")).isEqualTo("succeeded");
    assertThat(op.post("/v1/releases/" + id + "/promote", null).statusCode()).isEqualTo(409);

    JsonArray decisions = done.getJsonArray("decisions");
    assertThat(decisions).hasSize(3);
    JsonObject second = decisions.getJsonObject(1);
    assertThat(second.getString("action")).isEqualTo("promote");
    assertThat(second.getBoolean("full")).isTrue();
    assertThat(second.getString("note")).isEqualTo("ship it");
    assertThat(second.getInteger("stageIndex")).isEqualTo(1);
    assertThat(second.getJsonObject("by").getString("name")).isEqualTo("operator-key");
    assertThat(history(f)).allSatisfy(split -> assertThat(percentOf(split, next)).isNotEqualTo(50));
    JsonArray audit = f.api().get("/v1/audit").bodyAsJsonObject().getJsonArray("items");
    JsonObject entry = audit.stream().map(JsonObject.class::cast)
      .filter(e -> e.getString("action").equals("release.promote")
        && "ship it".equals(e.getJsonObject("detail").getString("note")))
      .findFirst().orElseThrow();
    assertThat(entry.getJsonObject("detail").getBoolean("full")).isTrue();
  }

  @Test
  @DisplayName(
    "revert after success goes straight back to 100% old without checks; again, or after another deployment, it is "
    + "a 409")
  void revert() {
    Fixture f = Fixture.create(api, sim, 50);
    String next = f.version(sim, clean());
    f.plan(Fixture.quickPlan(600, 60, 100));
    String id = f.start(next).getString("id");
    assertThat(f.api().post("/v1/releases/" + id + "/revert", null).statusCode()).as("not succeeded yet")
      .isEqualTo(409);
    await().atMost(Duration.ofSeconds(15)).until(() -> f.release(id).getJsonArray("stages").getJsonObject(0)
      .getString("soakStartedAt") != null);
    assertThat(f.api().post("/v1/releases/" + id + "/promote", null).statusCode()).isEqualTo(200);
    assertThat(awaitEnd(f, id, Duration.ofSeconds(15)).getString("state")).isEqualTo("succeeded");

    var reverted = f.api().post("/v1/releases/" + id + "/revert", new JsonObject().put("reason", "customers complain"));
    assertThat(reverted.statusCode()).as(reverted.bodyAsString()).isEqualTo(201);
    JsonObject revert = reverted.bodyAsJsonObject();
    assertThat(revert.getString("kind")).isEqualTo("revert");
    assertThat(revert.getString("revertOf")).isEqualTo(id);
    assertThat(revert.getString("newVersionId")).isEqualTo(f.servingVersion());
    assertThat(revert.getString("oldVersionId")).isEqualTo(next);
    assertThat(f.release(id).getString("kind")).isEqualTo("rollout");

    JsonObject done = awaitEnd(f, revert.getString("id"), Duration.ofSeconds(20));
    assertThat(done.getString("state")).isEqualTo("succeeded");
    assertThat(done.getJsonObject("outcome").getString("message")).contains("reverted").contains(id);
    assertThat(f.checks(revert.getString("id"))).isEmpty();
    List<JsonArray> history = history(f);
    assertThat(percentOf(history.get(history.size() - 1), f.servingVersion())).isEqualTo(100);
    JsonArray decisions = f.release(id).getJsonArray("decisions");
    JsonObject decision = decisions.getJsonObject(decisions.size() - 1);
    assertThat(decision.getString("action")).isEqualTo("revert");
    assertThat(decision.getString("note")).isEqualTo("customers complain");
    assertThat(decision.getString("releaseId")).isEqualTo(revert.getString("id"));

    var again = f.api().post("/v1/releases/" + id + "/revert", null);
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.bodyAsJsonObject().getString("detail")).contains("something else was deployed");
  }

  @Test
  @DisplayName("a dry-run SLO that would fail leaves the release succeeded, with its failures recorded on the checks")
  void dryRunSlo() {
    Fixture f = Fixture.create(api, sim, 200);
    String slowish = f.version(sim, new JsonObject().put("latencyMs", new JsonObject().put("p50", 120).put("p99", 400))
      .put("errorRate", 0.0));
    JsonObject plan = Fixture.quickPlan(6, 2, 50, 100).put("onInsufficientData", "proceed");
    plan.put("slos", new JsonArray()
      .add(new JsonObject().put("sli", "error_rate").put("threshold", 0.05))
      .add(new JsonObject().put("sli", "latency_p99").put("threshold", 100).put("dryRun", true)));
    f.plan(plan);
    String id = f.start(slowish).getString("id");
    JsonObject done = awaitEnd(f, id, Duration.ofSeconds(60));
    assertThat(done.getString("state")).isEqualTo("succeeded");
    assertThat(done.getJsonObject("plan").getJsonArray("slos").getJsonObject(1).getBoolean("dryRun")).isTrue();
    List<JsonObject> dryRuns = f.checks(id).stream().map(JsonObject.class::cast)
      .flatMap(c -> c.getJsonArray("slos").stream().map(JsonObject.class::cast))
      .filter(s -> s.getBoolean("dryRun", false)).toList();
    assertThat(dryRuns).isNotEmpty().anySatisfy(s -> assertThat(s.getString("verdict")).isEqualTo("fail"));
    assertThat(f.checks(id).stream().map(c -> ((JsonObject) c).getString("verdict"))).doesNotContain("fail");
  }

  @Test
  @DisplayName("an approval's note and a cancel's are kept on the release and in the audit entries, with who decided")
  void decisionNotes() {
    Fixture f = Fixture.create(api, sim, 200);
    JsonObject plan = Fixture.quickPlan(4, 2, 10, 50, 100).put("onInsufficientData", "proceed");
    plan.getJsonArray("stages").getJsonObject(0).put("autoProgress", false);
    plan.getJsonArray("stages").getJsonObject(1).put("soakSeconds", 600);
    f.plan(plan);
    String id = f.start(f.version(sim, clean())).getString("id");
    await().atMost(Duration.ofSeconds(40)).until(() -> f.release(id).getString("state").equals("awaiting_approval"));
    Api operator = api.as(api.newKey(f.key(), "operator"));
    assertThat(operator.post("/v1/releases/" + id + "/approve", new JsonObject().put("note", "canary is clean"))
      .statusCode()).isEqualTo(200);
    assertThat(f.api().post("/v1/releases/" + id + "/cancel", new JsonObject().put("reason", "wrong build"))
      .statusCode()).isEqualTo(200);
    JsonArray decisions = f.release(id).getJsonArray("decisions");
    assertThat(decisions).hasSize(2);
    JsonObject approve = decisions.getJsonObject(0);
    assertThat(approve.getString("action")).isEqualTo("approve");
    assertThat(approve.getString("note")).isEqualTo("canary is clean");
    assertThat(approve.getInteger("stageIndex")).isZero();
    assertThat(approve.getJsonObject("by").getString("name")).isEqualTo("operator-key");
    assertThat(approve.getJsonObject("by").getString("keyId")).startsWith("k_");
    assertThat(approve.getString("at")).isNotNull();
    JsonObject cancel = decisions.getJsonObject(1);
    assertThat(cancel.getString("action")).isEqualTo("cancel");
    assertThat(cancel.getString("note")).isEqualTo("wrong build");
    assertThat(cancel.getInteger("stageIndex")).isEqualTo(1);
    JsonArray audit = f.api().get("/v1/audit").bodyAsJsonObject().getJsonArray("items");
    JsonObject approved = audit.stream().map(JsonObject.class::cast)
      .filter(e -> e.getString("action").equals("release.approve") && id.equals(e.getString("targetId")))
      .findFirst().orElseThrow();
    assertThat(approved.getJsonObject("detail").getString("note")).isEqualTo("canary is clean");
    assertThat(approved.getJsonObject("detail").getInteger("stageIndex")).isZero();
  }
}
