package dev.hmd.controls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestService;
import dev.hmd.testing.TestSimulator;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A paused release stays paused, its soak clock stopped, across a restart of the service. */
class PauseAcrossRestartTest {

  static TestSimulator sim;

  @BeforeAll
  static void start() {
    sim = TestSimulator.start();
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  static Instant instant(JsonObject release, String field) {
    String text = release.getJsonArray("stages").getJsonObject(0).getString(field);
    return text == null ? null : Instant.parse(text);
  }

  @Test
  @DisplayName(
    "pause, restart the service past the soak's end: still paused and soaking; resume moves the end by the pause")
  void pauseSurvivesRestart() {
    Map<String, String> env = new HashMap<>(Map.of(Config.CLOUDFLARE_API_BASE, sim.apiBase(),
      Config.RATE_LIMIT_PER_MINUTE, "600000", Config.SCHEDULER_TICK_MS, "100", Config.TELEMETRY_LAG_SECONDS, "1"));
    Config config = TestService.config(env);
    Fixture f;
    String id;
    Instant soakEndsAt;
    Instant pausedAt;
    try (Service first = Service.start(config)) {
      Api root = Api.of(first);
      f = Fixture.create(root, sim, 200);
      String next = f.version(sim, new JsonObject().put("latencyMs", new JsonObject().put("p50", 20).put("p99", 100))
        .put("errorRate", 0.0));
      f.plan(Fixture.quickPlan(8, 2, 10, 100).put("onInsufficientData", "proceed"));
      id = f.start(next).getString("id");
      await().atMost(Duration.ofSeconds(20)).until(() -> instant(f.release(id), "soakEndsAt") != null);
      var paused = f.api().post("/v1/releases/" + id + "/pause", new JsonObject().put("reason", "checking a graph"));
      assertThat(paused.statusCode()).isEqualTo(200);
      JsonObject view = paused.bodyAsJsonObject();
      assertThat(view.getString("state")).isEqualTo("paused");
      soakEndsAt = instant(view, "soakEndsAt");
      pausedAt = Instant.parse(view.getString("pausedAt"));
      assertThat(f.api().post("/v1/releases/" + id + "/pause", null).statusCode()).isEqualTo(409);
    }

    // down until the soak would have ended, then up again: a new process, the same database
    await().atMost(Duration.ofSeconds(20)).until(() -> Instant.now().isAfter(soakEndsAt.plusSeconds(2)));
    try (Service second = Service.start(config.with(Config.INSTANCE_ID, "hmd-again-" + System.nanoTime()))) {
      Fixture again = new Fixture(Api.of(second).as(f.key()), f.key(), f.tenantId(), f.account(), f.script(),
        f.connectionId(), f.servingVersion());
      // checks go on while paused; the soak does not end
      int checksBefore = again.checks(id).size();
      await().atMost(Duration.ofSeconds(20)).until(() -> again.checks(id).size() >= checksBefore + 2);
      JsonObject still = again.release(id);
      assertThat(still.getString("state")).isEqualTo("paused");
      assertThat(still.getJsonArray("stages").getJsonObject(0).getString("state")).isEqualTo("soaking");
      assertThat(instant(still, "soakEndsAt")).isEqualTo(soakEndsAt);

      var resumed = again.api().post("/v1/releases/" + id + "/resume", new JsonObject().put("reason", "graph is fine"));
      assertThat(resumed.statusCode()).isEqualTo(200);
      JsonObject after = resumed.bodyAsJsonObject();
      assertThat(after.getString("state")).isEqualTo("running");
      assertThat(after.getValue("pausedAt")).isNull();
      Instant resumedAt = Instant.parse(after.getJsonArray("decisions").getJsonObject(1).getString("at"));
      Duration paused = Duration.between(pausedAt, resumedAt);
      // times in the API are to the millisecond
      assertThat(instant(after, "soakEndsAt")).isBetween(soakEndsAt.plus(paused).minusMillis(2),
        soakEndsAt.plus(paused).plusMillis(2));
      assertThat(after.getJsonArray("decisions")).extracting(d -> ((JsonObject) d).getString("action"))
        .containsExactly("pause", "resume");

      await().atMost(Duration.ofSeconds(40)).until(() -> again.release(id).getString("state").equals("succeeded"));
      Instant completed = instant(again.release(id), "completedAt");
      assertThat(completed).isAfterOrEqualTo(soakEndsAt.plus(paused).minusMillis(2));
    }
  }
}
