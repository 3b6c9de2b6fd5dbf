package dev.hmd.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@WithService
class ReleaseEngineTest {

  static TestSimulator sim;
  static Service service;
  static Api api;

  static String awaitEnd(Fixture f, String releaseId, Duration atMost) {
    await().atMost(atMost).pollInterval(Duration.ofMillis(200))
      .until(() -> !List.of("running", "awaiting_approval").contains(f.release(releaseId).getString("state")));
    return f.release(releaseId).getString("state");
  }

  /** The simulator's deployments, oldest first */
  static List<JsonArray> history(Fixture f) {
    return sim.splits(f.account(), f.script());
  }

  /** The last of {@code splits}: read once, since a deployment may land between two reads of the simulator. */
  static JsonArray last(List<JsonArray> splits) {
    return splits.get(splits.size() - 1);
  }

  static JsonArray split(String a, int pa, String b, int pb) {
    JsonArray split = new JsonArray().add(new JsonObject().put("versionId", a).put("percentage", pa));
    if (b != null) {
      split.add(new JsonObject().put("versionId", b).put("percentage", pb));
    }
    return split;
  }

  @Test
  @DisplayName("a healthy version goes through every stage and succeeds at 100% new")
  void healthySucceeds() {
    Fixture f = Fixture.create(api, sim, 200);
    String next = f.version(sim, Fixture.healthy());
    f.plan(Fixture.quickPlan(10, 2, 10, 50, 100));
    JsonObject release = f.start(next);
    assertThat(release.getString("state")).isEqualTo("running");
    assertThat(release.getJsonArray("stages").getJsonObject(0).getString("state")).isEqualTo("soaking");
    assertThat(release.getString("oldVersionId")).isEqualTo(f.servingVersion());

    assertThat(awaitEnd(f, release.getString("id"), Duration.ofSeconds(90))).isEqualTo("succeeded");
    JsonObject done = f.release(release.getString("id"));
    assertThat(done.getJsonObject("outcome").getString("code")).isEqualTo("completed");
    assertThat(done.getJsonArray("stages"))
      .allSatisfy(s -> assertThat(((JsonObject) s).getString("state")).isEqualTo("passed"));
    assertThat(done.getString("finishedAt")).isNotNull();
    assertThat(history(f)).containsSubsequence(
      split(f.servingVersion(), 100, null, 0),
      split(next, 10, f.servingVersion(), 90),
      split(next, 50, f.servingVersion(), 50),
      split(next, 100, null, 0));
    JsonArray checks = f.checks(release.getString("id"));
    assertThat(checks).isNotEmpty();
    JsonObject check = checks.getJsonObject(checks.size() - 1);
    assertThat(check.fieldNames())
      .contains("at", "stageIndex", "windowStart", "windowEnd", "verdict", "new", "old", "slos");
    assertThat(check.getJsonObject("new").fieldNames()).contains("requests", "errors", "errorRate", "latencyP50",
      "latencyP90", "latencyP99", "latencyP999", "cpuP50", "cpuP99");
    assertThat(checks.stream().map(c -> ((JsonObject) c).getString("verdict"))).contains("pass").doesNotContain("fail");
  }

  @Test
  @DisplayName("a faulty version is rolled back at the first bad check, ending at 100% old")
  void faultyRollsBack() {
    Fixture f = Fixture.create(api, sim, 200);
    String bad = f.version(sim, Fixture.faulty());
    f.plan(Fixture.quickPlan(30, 2, 10, 50, 100));
    JsonObject release = f.start(bad);
    assertThat(awaitEnd(f, release.getString("id"), Duration.ofSeconds(60))).isEqualTo("rolled_back");
    JsonObject done = f.release(release.getString("id"));
    assertThat(done.getJsonObject("outcome").getString("code")).isEqualTo("slo_violation");
    await().atMost(Duration.ofSeconds(10)).until(() -> last(history(f))
      .equals(split(f.servingVersion(), 100, null, 0)));
    assertThat(history(f)).contains(split(bad, 10, f.servingVersion(), 90));
    assertThat(f.checks(release.getString("id")).stream().map(c -> ((JsonObject) c).getString("verdict")))
      .contains("fail");
  }

  @Test
  @DisplayName("cancel mid-soak rolls back to 100% old; a second cancel is 409")
  void cancel() {
    Fixture f = Fixture.create(api, sim, 100);
    String next = f.version(sim, Fixture.healthy());
    f.plan(Fixture.quickPlan(60, 2, 20, 100));
    String id = f.start(next).getString("id");
    await().atMost(Duration.ofSeconds(15)).until(() -> history(f).contains(split(next, 20, f.servingVersion(), 80)));
    var cancelled = f.api().post("/v1/releases/" + id + "/cancel", new JsonObject().put("note", "wrong version"));
    assertThat(cancelled.statusCode()).isEqualTo(200);
    assertThat(cancelled.bodyAsJsonObject().getString("state")).isEqualTo("cancelled");
    assertThat(cancelled.bodyAsJsonObject().getJsonObject("outcome").getString("message")).contains("wrong version");
    await().atMost(Duration.ofSeconds(10)).until(() -> last(history(f))
      .equals(split(f.servingVersion(), 100, null, 0)));
    assertThat(f.api().post("/v1/releases/" + id + "/cancel", null).statusCode()).isEqualTo(409);
  }

  @Test
  @DisplayName("cancel right after the start, racing the first split, still ends at 100% old")
  void cancelRacingTheFirstSplit() {
    for (int i = 0; i < 3; i++) {
      Fixture f = Fixture.create(api, sim, 20);
      String next = f.version(sim, Fixture.healthy());
      f.plan(Fixture.quickPlan(60, 2, 50, 100));
      String id = f.start(next).getString("id");
      assertThat(f.api().post("/v1/releases/" + id + "/cancel", null).statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(15)).until(() -> last(history(f))
        .equals(split(f.servingVersion(), 100, null, 0)));
      await().atMost(Duration.ofSeconds(15)).until(() ->
        f.release(id).getJsonArray("currentSplit").equals(split(f.servingVersion(), 100, null, 0)));
    }
  }

  /** Starts a healthy 10/100% release whose first stage waits for a person; its id. */
  static String startManual(Fixture f) {
    String next = f.version(sim, Fixture.healthy());
    JsonObject plan = Fixture.quickPlan(6, 2, 10, 100);
    plan.getJsonArray("stages").getJsonObject(0).put("autoProgress", false);
    f.plan(plan);
    return f.start(next).getString("id");
  }

  @Test
  @DisplayName("a manual stage waits for approval; approve moves on, and approving again is 409")
  void manualApproval() {
    Fixture f = Fixture.create(api, sim, 200);
    String id = startManual(f);
    assertThat(f.api().post("/v1/releases/" + id + "/approve", null).statusCode()).isEqualTo(409);
    await().atMost(Duration.ofSeconds(40)).until(() -> f.release(id).getString("state").equals("awaiting_approval"));
    assertThat(f.release(id).getJsonArray("stages").getJsonObject(0).getString("state")).isEqualTo("awaiting_approval");
    assertThat(f.api().post("/v1/releases/" + id + "/approve", null).statusCode()).isEqualTo(200);
    assertThat(awaitEnd(f, id, Duration.ofSeconds(40))).isEqualTo("succeeded");
  }

  @Test
  @DisplayName("deny at an approval rolls back with approval_denied")
  void deny() {
    Fixture f = Fixture.create(api, sim, 200);
    String id = startManual(f);
    await().atMost(Duration.ofSeconds(40)).until(() -> f.release(id).getString("state").equals("awaiting_approval"));
    JsonObject denied = f.api().post("/v1/releases/" + id + "/deny", null).bodyAsJsonObject();
    assertThat(denied.getString("state")).isEqualTo("rolled_back");
    assertThat(denied.getJsonObject("outcome").getString("code")).isEqualTo("approval_denied");
    await().atMost(Duration.ofSeconds(10)).until(() -> last(history(f))
      .equals(split(f.servingVersion(), 100, null, 0)));
  }

  @Test
  @DisplayName(
    "bad starts: unknown version 400, same version 400, second active release 409, another tenant's connection 404")
  void badStarts() {
    Fixture f = Fixture.create(api, sim, 50);
    String next = f.version(sim, Fixture.healthy());
    f.plan(Fixture.quickPlan(60, 5, 50, 100));
    String path = "/v1/connections/" + f.connectionId() + "/releases";
    assertThat(f.api().post(path, new JsonObject().put("newVersionId", "00000000-0000-0000-0000-000000000000"))
      .statusCode())
      .isEqualTo(400);
    assertThat(f.api().post(path, new JsonObject().put("newVersionId", f.servingVersion())).statusCode())
      .isEqualTo(400);
    assertThat(f.api().post(path, new JsonObject()).statusCode()).isEqualTo(400);
    String id = f.start(next).getString("id");
    assertThat(f.api().post(path, new JsonObject().put("newVersionId", next)).statusCode()).isEqualTo(409);
    Fixture other = Fixture.create(api, sim, 5);
    assertThat(other.api().post(path, new JsonObject().put("newVersionId", next)).statusCode()).isEqualTo(404);
    assertThat(other.api().get("/v1/releases/" + id).statusCode()).isEqualTo(404);
    assertThat(other.api().post("/v1/releases/" + id + "/cancel", null).statusCode()).isEqualTo(404);
    assertThat(other.api().get("/v1/releases/" + id + "/checks").statusCode()).isEqualTo(404);
    assertThat(f.api().delete("/v1/connections/" + f.connectionId()).statusCode()).isEqualTo(409);
    assertThat(f.api().post("/v1/releases/" + id + "/cancel", null).statusCode()).isEqualTo(200);
  }
}
