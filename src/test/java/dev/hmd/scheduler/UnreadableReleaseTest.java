package dev.hmd.scheduler;

import static dev.hmd.scheduler.ReleaseEngineTest.split;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.LogCapture;
import dev.hmd.testing.TestService;
import dev.hmd.testing.TestSimulator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Release rows this build cannot read: ended failed, the Worker left alone, the other releases unharmed. */
class UnreadableReleaseTest {

  static TestSimulator sim;
  static Service service;
  static Api api;

  @BeforeAll
  static void start() {
    sim = TestSimulator.start();
    service = TestService.onSimulator(sim);
    api = Api.of(service);
  }

  @AfterAll
  static void stop() {
    service.close();
    sim.close();
  }

  /** A release whose first split serves; returns its id. */
  static String serving(Fixture f) {
    String id = f.startIdleRelease(sim);
    await().atMost(Duration.ofSeconds(20)).until(() ->
      f.release(id).getJsonArray("stages").getJsonObject(0).getString("soakStartedAt") != null);
    return id;
  }

  static JsonArray lastDeployment(Fixture f) {
    return sim.worker(f.account(), f.script()).getJsonArray("deployments").getJsonObject(0).getJsonArray("versions");
  }

  static Row stored(Pool pool, String id) {
    return pool.preparedQuery("select state, lease_owner, next_due_at, desired_split from releases where id = $1")
      .execute(Tuple.of(id)).await().iterator().next();
  }

  static JsonObject lastReleaseEvent(Pool pool, String id) {
    return pool.preparedQuery(
      "select data from events where release_id = $1 and type = 'release' order by id desc limit 1")
      .execute(Tuple.of(id)).await().iterator().next().getJsonObject(0);
  }

  @Test
  @DisplayName(
    "rows with an unknown stage state, a plan the validator refuses or a malformed split end failed/error with "
    + "the field named, their lease given up and the Worker left as it serves, while another release succeeds")
  void unreadableRowsEndFailed() {
    Pool pool = service.pool();
    Fixture stages = Fixture.create(api, sim, 20);
    Fixture plan = Fixture.create(api, sim, 20);
    Fixture desired = Fixture.create(api, sim, 20);
    Fixture garbage = Fixture.create(api, sim, 20);
    List<Fixture> victims = List.of(stages, plan, desired, garbage);
    List<String> ids = victims.stream().map(UnreadableReleaseTest::serving).toList();
    List<JsonArray> servedBefore = victims.stream().map(UnreadableReleaseTest::lastDeployment).toList();

    Fixture healthy = Fixture.create(api, sim, 200);
    // without noise, and two fails to roll back: this release is here to go on, not to be judged
    String next = healthy.version(sim, new JsonObject().put("message", "clean")
      .put("latencyMs", new JsonObject().put("p50", 20).put("p99", 100)).put("errorRate", 0.0));
    healthy.plan(Fixture.quickPlan(6, 2, 10, 100).put("onInsufficientData", "proceed").put("failureThreshold", 2));
    String healthyId = healthy.start(next).getString("id");

    try (LogCapture logs = LogCapture.open()) {
      // all at once, due now: they are claimed together, with the healthy release's steps going on meanwhile
      pool.preparedQuery("""
          update releases set
            stages = case when id = $1 then jsonb_set(stages, '{0,state}', '"paused"')
                          when id = $4 then '"garbage"'::jsonb else stages end,
            plan = case when id = $2 then jsonb_set(plan, '{pollIntervalSeconds}', '0') else plan end,
            desired_split = case when id = $3 then '[{"versionId": "v", "percentage": "lots"}]'::jsonb
                                 else desired_split end,
            next_due_at = now(), row_version = row_version + 1
          where id in ($1, $2, $3, $4)""")
        .execute(Tuple.of(ids.get(0), ids.get(1), ids.get(2), ids.get(3))).await();

      await().atMost(Duration.ofSeconds(20)).until(() -> ids.stream()
        .allMatch(id -> stored(pool, id).getString("state").equals("failed")));
      assertThat(logs.lines()).anySatisfy(line -> assertThat(line)
        .contains("stages[0].state 'paused' is unknown").contains("UnreadableRelease"));
    }

    List<String> expected = List.of("stages[0].state 'paused' is unknown", "plan.pollIntervalSeconds",
      "desired_split[0].percentage is 'lots', not an integer 0..100", "stages is 'garbage', not a JSON array");
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      Row row = stored(pool, id);
      assertThat(row.getString("lease_owner")).as("lease of %s", id).isNull();
      assertThat(row.getValue("next_due_at")).as("next due of %s", id).isNull();
      assertThat(row.getValue("desired_split")).as("desired split of %s", id).isNull();
      JsonObject event = lastReleaseEvent(pool, id);
      assertThat(event.getString("state")).isEqualTo("failed");
      assertThat(event.getJsonObject("outcome").getString("code")).isEqualTo("error");
      assertThat(event.getJsonObject("outcome").getString("message"))
        .startsWith("this build cannot read the release: ").contains(expected.get(i));
    }
    // the one whose only problem was the split it wanted reads as a whole (and as the contract says) again
    JsonObject release = desired.release(ids.get(2));
    assertThat(release.getString("state")).isEqualTo("failed");
    assertThat(release.getJsonObject("outcome").getString("message")).contains(expected.get(2));
    assertThat(release.getValue("wantedSplit")).isNull();
    assertThat(release.getJsonArray("currentSplit")).isEqualTo(servedBefore.get(2));
    // the others' events carry the whole release as it stands, or what can be read of it
    assertThat(lastReleaseEvent(pool, ids.get(0)).getJsonArray("stages").getJsonObject(0).getString("state"))
      .isEqualTo("paused");
    assertThat(lastReleaseEvent(pool, ids.get(3)).getJsonArray("stages")).isEmpty();

    assertThat(ReleaseEngineTest.awaitEnd(healthy, healthyId, Duration.ofSeconds(60))).isEqualTo("succeeded");
    // nothing was deployed for the failed ones: each Worker still serves the split its release had applied
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> java.util.stream.IntStream
      .range(0, victims.size()).allMatch(i -> lastDeployment(victims.get(i)).equals(servedBefore.get(i))));
    assertThat(servedBefore.get(0)).isEqualTo(split(lastReleaseEvent(pool, ids.get(0)).getString("newVersionId"), 10,
      stages.servingVersion(), 90));
    assertThat(api.get("/metrics").bodyAsString()).contains("hmd_releases_unreadable_total 4.0");
  }
}
