package dev.hmd.scheduler;

import static dev.hmd.scheduler.ReleaseEngineTest.split;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Stage evidence end to end (issues 11 and 17), on the default telemetry lag of 5 s as a user
 * runs serve + simulate: windows aligned to splits and pooled per stage, waiting for evidence,
 * and no unchecked tail at the end of a release.
 */
@WithService(env = "HMD_TELEMETRY_LAG_SECONDS=5")
class StageEvidenceScenariosTest {

  static TestSimulator sim;
  static Api api;

  static JsonObject end(Fixture f, String id, Duration atMost) {
    ReleaseEngineTest.awaitEnd(f, id, atMost);
    return f.release(id);
  }

  static List<JsonObject> checks(Fixture f, String id) {
    return f.checks(id).stream().map(JsonObject.class::cast).toList();
  }

  static Instant instant(JsonObject json, String field) {
    return json.getString(field) == null ? null : Instant.parse(json.getString(field));
  }

  static JsonObject stage(JsonObject release, int index) {
    return release.getJsonArray("stages").getJsonObject(index);
  }

  static void awaitServing(Fixture f, JsonArray split) {
    await().atMost(Duration.ofSeconds(20)).until(() ->
      sim.worker(f.account(), f.script()).getJsonArray("deployments").getJsonObject(0).getJsonArray("versions")
        .equals(split));
  }

  /** The plan of issue 11's first hole: 10/50/100%, 6 s soaks, a check every second, minRequests 50. */
  static JsonObject lowTrafficPlan() {
    return Fixture.quickPlan(6, 1, 10, 50, 100).put("minRequests", 50);
  }

  /**
   * Every check of a release read a window that ended after the first split was serving; a window
   * pooled for a stage was served under that stage's split; any other window counted only by
   * failing, and one that did not count says why.
   */
  static void assertAligned(JsonObject release, List<JsonObject> checks) {
    Instant firstSplit = instant(stage(release, 0), "soakStartedAt");
    assertThat(checks).isNotEmpty().allSatisfy(c -> {
      assertThat(instant(c, "windowEnd")).as("check %s", c.getString("id")).isAfter(firstSplit);
      assertThat(c.getValue("counted")).isInstanceOf(Boolean.class);
    });
    for (JsonObject c : checks) {
      JsonObject stage = stage(release, c.getInteger("stageIndex"));
      if (c.getJsonObject("stage") != null) {
        // one of the stage's own windows: served under its split alone
        assertThat(c.getBoolean("counted")).isTrue();
        assertThat(c.getInteger("servedPercent")).isEqualTo(stage.getInteger("targetPercent"));
        assertThat(instant(c, "windowStart")).isAfterOrEqualTo(instant(stage, "soakStartedAt"));
      } else if (c.getBoolean("counted")) {
        // another window counts only by failing
        assertThat(c.getString("verdict")).isEqualTo("fail");
      } else {
        assertThat(c.getString("countedReason")).isNotBlank();
      }
    }
  }

  @Test
  @DisplayName(
    "a Worker at 120 requests/s releases with a 10% stage checked every second: the stage passes on its pooled "
    + "evidence")
  void lowTrafficSucceeds() {
    Fixture f = Fixture.create(api, sim, 120);
    String next = f.version(sim, Fixture.healthy());
    f.plan(lowTrafficPlan());
    String id = f.start(next).getString("id");

    JsonObject done = end(f, id, Duration.ofSeconds(120));
    assertThat(done.getString("state")).as(done.encodePrettily()).isEqualTo("succeeded");
    List<JsonObject> checks = checks(f, id);
    assertAligned(done, checks);
    // no window alone had minRequests at 10% (about 12 requests a second): the stage passed pooled
    assertThat(checks.stream().filter(c -> c.getInteger("stageIndex") == 0 && c.getBoolean("counted")))
      .allSatisfy(c -> assertThat(c.getJsonObject("new").getLong("requests")).isLessThan(50));
    JsonObject first = stage(done, 0);
    assertThat(first.getJsonObject("evidence").getLong("requests")).isGreaterThanOrEqualTo(50);
    assertThat(first.getJsonObject("evidence").getString("verdict")).isEqualTo("pass");
    assertThat(first.getInteger("maxSoakSeconds")).isEqualTo(24);
    assertThat(first.getValue("waitingFor")).isNull();
    // the last stage ended only once its windows up to the soak's end were checked
    JsonObject last = stage(done, 2);
    assertThat(instant(last.getJsonObject("evidence"), "checkedUntil")).isAfterOrEqualTo(instant(last, "soakEndsAt"));
  }

  @Test
  @DisplayName("the same Worker with a version failing 15% of requests is rolled back")
  void lowTrafficRollsBack() {
    Fixture f = Fixture.create(api, sim, 120);
    String bad = f.version(sim, Fixture.healthy().put("message", "15% errors").put("errorRate", 0.15));
    f.plan(lowTrafficPlan());
    String id = f.start(bad).getString("id");

    JsonObject done = end(f, id, Duration.ofSeconds(60));
    assertThat(done.getString("state")).isEqualTo("rolled_back");
    assertThat(done.getJsonObject("outcome").getString("code")).isEqualTo("slo_violation");
    assertThat(done.getJsonObject("outcome").getString("message")).contains("at stage 1 (10%)");
    awaitServing(f, split(f.servingVersion(), 100, null, 0));
    assertAligned(done, checks(f, id));
  }

  @Test
  @DisplayName(
    "a 10 requests/s Worker finishes on the default plan (soaks shortened): its 10% stage waits for evidence")
  void tenRequestsPerSecondDefaultPlan() {
    Fixture f = Fixture.create(api, sim, 10);
    String next = f.version(sim, Fixture.healthy());
    JsonObject plan = new JsonObject(dev.hmd.connections.PlanJson.toJson(dev.hmd.slo.Plan.defaultPlan()).encode());
    plan.getJsonArray("stages").forEach(s -> ((JsonObject) s).put("soakSeconds", 30));
    f.plan(plan);
    String id = f.start(next).getString("id");

    // at 1 request a second to the new version, 50 take longer than the 30 s soak
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
      .until(() -> f.release(id).getJsonArray("stages").getJsonObject(0).getString("waitingFor") != null
        || !"running".equals(f.release(id).getString("state")));
    String waiting = stage(f.release(id), 0).getString("waitingFor");
    assertThat(waiting).matches("waiting for evidence: \\d+ of 50 requests");

    JsonObject done = end(f, id, Duration.ofSeconds(300));
    assertThat(done.getString("state")).as(done.encodePrettily()).isEqualTo("succeeded");
    assertAligned(done, checks(f, id));
  }

  @Test
  @DisplayName(
    "a regression at 1.3x its threshold over a long stage is caught by the pooled evidence though no single window "
    + "is conclusive")
  void weakRegressionCaughtPooled() {
    // 9 requests a second, a check every second: no window holds the 10 requests a fail needs
    Fixture f = Fixture.create(api, sim, 9);
    String slower = f.version(sim, new JsonObject().put("message", "median 1.3x")
      .put("latencyMs", new JsonObject().put("p50", 130).put("p99", 400)).put("errorRate", 0.0));
    JsonObject plan = Fixture.quickPlan(120, 1, 100).put("minRequests", 50);
    plan.put("slos", new JsonArray().add(new JsonObject().put("sli", "latency_p50").put("threshold", 100)));
    f.plan(plan);
    String id = f.start(slower).getString("id");

    JsonObject done = end(f, id, Duration.ofSeconds(150));
    assertThat(done.getString("state")).isEqualTo("rolled_back");
    assertThat(done.getJsonObject("outcome").getString("code")).isEqualTo("slo_violation");
    List<JsonObject> checks = checks(f, id);
    assertThat(checks).allSatisfy(c -> assertThat(c.getJsonArray("slos").getJsonObject(0).getString("verdict"))
      .as("window %s..%s alone", c.getString("windowStart"), c.getString("windowEnd")).isNotEqualTo("fail"));
    JsonObject failed = checks.get(checks.size() - 1);
    assertThat(failed.getString("verdict")).isEqualTo("fail");
    assertThat(failed.getString("reason")).startsWith("the stage's ");
    assertThat(failed.getJsonObject("stage").getString("verdict")).isEqualTo("fail");
    assertThat(failed.getJsonObject("stage").getLong("requests"))
      .isGreaterThan(failed.getJsonObject("new").getLong("requests"));
  }

  @Test
  @DisplayName(
    "issue 17: a version that turns bad 18 s into a 10/50/100% release is rolled back, not promoted in its "
    + "unchecked last seconds")
  void noUncheckedTail() {
    Fixture f = Fixture.create(api, sim, 200);
    String next = f.version(sim, Fixture.healthy());
    JsonObject plan = Fixture.quickPlan(6, 1, 10, 50, 100);
    plan.getJsonArray("stages").getJsonObject(2).put("soakSeconds", 10);
    plan.put("slos", new JsonArray().add(new JsonObject().put("sli", "error_rate").put("threshold", 0.02)));
    f.plan(plan);
    JsonObject started = f.start(next);
    String id = started.getString("id");
    Instant turnsBad = Instant.parse(started.getString("createdAt")).plusSeconds(18);
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
      .until(() -> !Instant.now().isBefore(turnsBad));
    sim.changeVersion(f.account(), f.script(), next, new JsonObject().put("errorRate", 0.08));

    JsonObject done = end(f, id, Duration.ofSeconds(90));
    assertThat(done.getString("state")).as(done.encodePrettily()).isEqualTo("rolled_back");
    assertThat(done.getJsonObject("outcome").getString("code")).isEqualTo("slo_violation");
    awaitServing(f, split(f.servingVersion(), 100, null, 0));
  }

  @Test
  @DisplayName(
    "issue 17: a regression in the last seconds of an intermediate stage is judged against that stage's split, "
    + "after the next began, and rolls back")
  void intermediateTailRegression() {
    Fixture f = Fixture.create(api, sim, 200);
    String next = f.version(sim, Fixture.healthy());
    f.plan(Fixture.quickPlan(10, 1, 10, 50, 100));
    String id = f.start(next).getString("id");
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
      .until(() -> stage(f.release(id), 1).getString("soakEndsAt") != null);
    Instant secondEnds = instant(stage(f.release(id), 1), "soakEndsAt");
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
      .until(() -> !Instant.now().isBefore(secondEnds.minusSeconds(3)));
    // bad for the last seconds of stage 2 (50%), healthy again once stage 3 (100%) serves
    sim.changeVersion(f.account(), f.script(), next, new JsonObject().put("errorRate", 0.5));
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
      .until(() -> stage(f.release(id), 2).getString("soakStartedAt") != null
        || !"running".equals(f.release(id).getString("state")));
    sim.changeVersion(f.account(), f.script(), next, new JsonObject().put("errorRate", 0.0005));

    JsonObject done = end(f, id, Duration.ofSeconds(60));
    assertThat(done.getString("state")).as(done.encodePrettily()).isEqualTo("rolled_back");
    assertThat(done.getJsonObject("outcome").getString("message"))
      .startsWith("1 failed check at stage 2 (50%) (in its last seconds, checked after stage 3 (100%) began)");
    JsonObject failed = checks(f, id).stream().filter(c -> c.getString("verdict").equals("fail")).findFirst()
      .orElseThrow();
    assertThat(failed.getInteger("stageIndex")).isEqualTo(1);
    assertThat(failed.getInteger("servedPercent")).isEqualTo(50);
    assertThat(instant(failed, "windowEnd")).isBeforeOrEqualTo(instant(stage(done, 1), "completedAt"));
    assertThat(instant(failed, "at")).isAfter(instant(stage(done, 2), "startedAt"));
    awaitServing(f, split(f.servingVersion(), 100, null, 0));
  }

  @Test
  @DisplayName("a healthy release still succeeds, and ends lag + interval after its last soak at the latest")
  void healthySucceedsAfterItsTail() {
    Fixture f = Fixture.create(api, sim, 200);
    String next = f.version(sim, Fixture.healthy());
    f.plan(Fixture.quickPlan(6, 2, 10, 100));
    String id = f.start(next).getString("id");

    JsonObject done = end(f, id, Duration.ofSeconds(90));
    assertThat(done.getString("state")).isEqualTo("succeeded");
    JsonObject last = stage(done, 1);
    Instant soakEnd = instant(last, "soakEndsAt");
    // telemetry 5 s late, a check every 2 s: the window holding the soak's end is read by then
    assertThat(instant(last, "completedAt")).isAfterOrEqualTo(soakEnd.plusSeconds(5))
      .isBefore(soakEnd.plusSeconds(5 + 2 + 2));
    assertAligned(done, checks(f, id));
  }

  @Test
  @DisplayName("a release's first check that cannot be made is made again for the same window, not skipped")
  void firstCheckErrorReadsItsWindowAgain() {
    Fixture f = Fixture.create(api, sim, 120);
    String next = f.version(sim, Fixture.healthy());
    f.plan(Fixture.quickPlan(6, 1, 10, 100));
    String id = f.start(next).getString("id");
    await().atMost(Duration.ofSeconds(30)).until(() -> stage(f.release(id), 0).getString("soakStartedAt") != null);
    JsonObject error;
    try {
      // every Cloudflare call fails until the first check has been recorded as an error
      sim.faults(new JsonObject().put("errorRate", 1.0).put("errorStatus", 503));
      error = await().atMost(Duration.ofSeconds(60)).until(() -> checks(f, id).stream().findFirst().orElse(null),
        c -> c != null);
    } finally {
      sim.faults(new JsonObject());
    }
    assertThat(error.getString("verdict")).isEqualTo("error");

    JsonObject done = end(f, id, Duration.ofSeconds(120));
    assertThat(done.getString("state")).as(done.encodePrettily()).isEqualTo("succeeded");
    List<JsonObject> checks = checks(f, id);
    JsonObject firstMade = checks.stream().filter(c -> !"error".equals(c.getString("verdict"))).findFirst()
      .orElseThrow();
    assertThat(firstMade.getString("windowStart")).as("the first window read after the errors")
      .isEqualTo(error.getString("windowStart"));
    assertAligned(done, checks);
  }
}
