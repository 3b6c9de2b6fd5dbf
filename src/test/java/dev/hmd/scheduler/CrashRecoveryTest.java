package dev.hmd.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.ChildService;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestService;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Service processes killed with SIGKILL mid-release, and several processes sharing one database.
 * These tests are about who drives a release, not about verdicts: a soak that a loaded machine
 * leaves without a conclusive pass proceeds instead of pausing for a person.
 */
@WithService(service = false)
class CrashRecoveryTest {

  static final Map<String, String> FAST = Map.of(Config.LEASE_SECONDS, "3", Config.SCHEDULER_TICK_MS, "100",
    Config.TELEMETRY_LAG_SECONDS, "1", Config.RATE_LIMIT_PER_MINUTE, "60000");

  static TestSimulator sim;
  static Vertx vertx;

  static Config config() {
    Map<String, String> env = new java.util.HashMap<>(FAST);
    env.put(Config.CLOUDFLARE_API_BASE, sim.apiBase());
    return TestService.config(env);
  }

  static Instant instant(JsonObject stage, String field) {
    return stage.getString(field) == null ? null : Instant.parse(stage.getString(field));
  }

  @Test
  @DisplayName("kill -9 mid-soak, start again: the release finishes and its soak neither restarts nor is skipped")
  void killedMidSoak() {
    Config config = config();
    JsonObject stageBefore;
    String id;
    Fixture f;
    try (ChildService first = ChildService.start(config, "crash-a-" + System.nanoTime(), Map.of())) {
      Api api = Api.of(vertx, first.port());
      f = Fixture.create(api, sim, 200);
      String next = f.version(sim, Fixture.healthy());
      f.plan(Fixture.quickPlan(12, 2, 10, 100).put("onInsufficientData", "proceed"));
      id = f.start(next).getString("id");
      await().atMost(Duration.ofSeconds(20)).until(() ->
        f.release(id).getJsonArray("stages").getJsonObject(0).getString("soakStartedAt") != null);
      stageBefore = f.release(id).getJsonArray("stages").getJsonObject(0);
      Instant soakStarted = instant(stageBefore, "soakStartedAt");
      await().atMost(Duration.ofSeconds(20)).until(() -> Instant.now().isAfter(soakStarted.plusSeconds(4)));
      first.kill();
    }
    try (ChildService second = ChildService.start(config, "crash-b-" + System.nanoTime(), Map.of())) {
      Api api = Api.of(vertx, second.port()).as(f.key());
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
        !List.of("running", "awaiting_approval")
          .contains(api.get("/v1/releases/" + id).bodyAsJsonObject().getString("state")));
      JsonObject done = api.get("/v1/releases/" + id).bodyAsJsonObject();
      assertThat(done.getString("state")).isEqualTo("succeeded");
      JsonObject stageAfter = done.getJsonArray("stages").getJsonObject(0);
      assertThat(stageAfter.getString("soakStartedAt")).isEqualTo(stageBefore.getString("soakStartedAt"));
      assertThat(stageAfter.getString("soakEndsAt")).isEqualTo(stageBefore.getString("soakEndsAt"));
      assertThat(instant(stageAfter, "completedAt")).isAfterOrEqualTo(instant(stageBefore, "soakEndsAt"));
      JsonArray deployments = sim.worker(f.account(), f.script()).getJsonArray("deployments");
      long tenPercent = deployments.stream().filter(d -> ((JsonObject) d).getJsonArray("versions").size() == 2).count();
      assertThat(tenPercent).as("the 10% split was deployed once, not again after the restart").isEqualTo(1);
    }
  }

  @Test
  @DisplayName("SIGTERM mid-release: the process gives its leases back and another one finishes the release at once")
  void gracefulShutdown() throws Exception {
    // a lease far longer than the test: only a released lease lets the other process take over in time
    Config config = config().with(Config.LEASE_SECONDS, "300");
    try (ChildService a = ChildService.start(config, "term-a-" + System.nanoTime(), Map.of());
         ChildService b = ChildService.start(config, "term-b-" + System.nanoTime(),
           Map.of(Config.LOG_FORMAT, "json"))) {
      Api apiA = Api.of(vertx, a.port());
      List<Fixture> fixtures = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        Fixture f = Fixture.create(apiA, sim, 200);
        String next = f.version(sim, Fixture.healthy());
        f.plan(Fixture.quickPlan(8, 2, 10, 100).put("onInsufficientData", "proceed"));
        fixtures.add(f);
        ids.add(f.start(next).getString("id"));
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> java.util.stream.IntStream.range(0, ids.size()).allMatch(i ->
        fixtures.get(i).release(ids.get(i)).getJsonArray("stages").getJsonObject(0)
          .getString("soakStartedAt") != null));
      a.terminate();
      assertThat(java.nio.file.Files.readString(a.log())).contains("lease(s) of");
      Api apiB = Api.of(vertx, b.port());
      for (int i = 0; i < ids.size(); i++) {
        Api api = apiB.as(fixtures.get(i).key());
        String id = ids.get(i);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
          api.get("/v1/releases/" + id).bodyAsJsonObject().getString("state").equals("succeeded"));
      }
      // serve logs JSON lines; the engine's carry the tenant and release as fields of their own
      List<JsonObject> lines = java.nio.file.Files.readAllLines(b.log()).stream().filter(l -> l.startsWith("{"))
        .map(JsonObject::new).toList();
      assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(l.getString("level")).isNotNull());
      assertThat(lines.stream().filter(l -> l.getString("formattedMessage", "").contains(" ended succeeded")))
        .isNotEmpty().allSatisfy(l -> assertThat(l.encode()).contains("\"releaseId\"").contains("\"tenantId\""));
    }
  }

  @Test
  @DisplayName(
    "two processes on one database drive each release exactly once, and the survivor takes over a killed one's")
  void twoProcesses() {
    Config config = config();
    try (ChildService a = ChildService.start(config, "pair-a-" + System.nanoTime(), Map.of());
         ChildService b = ChildService.start(config, "pair-b-" + System.nanoTime(), Map.of())) {
      Api apiA = Api.of(vertx, a.port());
      List<Fixture> fixtures = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        Fixture f = Fixture.create(apiA, sim, 200);
        String next = f.version(sim, Fixture.healthy());
        f.plan(Fixture.quickPlan(10, 2, 10, 100).put("onInsufficientData", "proceed"));
        fixtures.add(f);
        ids.add(f.start(next).getString("id"));
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> java.util.stream.IntStream.range(0, ids.size()).allMatch(i ->
        fixtures.get(i).release(ids.get(i)).getJsonArray("stages").getJsonObject(0)
          .getString("soakStartedAt") != null));
      a.kill();
      Api apiB = Api.of(vertx, b.port());
      for (int i = 0; i < fixtures.size(); i++) {
        Api api = apiB.as(fixtures.get(i).key());
        String id = ids.get(i);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() ->
          !List.of("running", "awaiting_approval")
            .contains(api.get("/v1/releases/" + id).bodyAsJsonObject().getString("state")));
        assertThat(api.get("/v1/releases/" + id).bodyAsJsonObject().getString("state")).isEqualTo("succeeded");
        JsonArray checks = api.get("/v1/releases/" + id + "/checks").bodyAsJsonObject().getJsonArray("items");
        Set<String> windows = new HashSet<>();
        for (int c = 0; c < checks.size(); c++) {
          assertThat(windows.add(checks.getJsonObject(c).getString("windowEnd")))
            .as("window %s of release %s checked twice", checks.getJsonObject(c).getString("windowEnd"), id).isTrue();
        }
      }
      String metrics = apiB.get("/metrics").bodyAsString();
      assertThat(metrics).contains("hmd_lease_takeovers_total");
    }
  }

  /**
   * Issue 11's second hole: three processes on one database, one of them SIGKILLed every few
   * seconds and started again, while healthy and faulty releases run (plans that pause on
   * insufficient data, as the default does). Windows that pass while a release changes hands are
   * checked by the process that takes it over, so no healthy release stops for want of data, and
   * each release's windows are checked once each, one after another without a gap.
   */
  @Test
  @DisplayName(
    "three processes, one SIGKILLed every few seconds: every release ends right, its windows checked once each "
    + "without a gap")
  void threeProcessesKilledInTurn() {
    Config config = config().with(Config.LEASE_SECONDS, "4");
    List<ChildService> processes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        processes.add(ChildService.start(config, "turn-" + i + "-" + System.nanoTime(), Map.of()));
      }
      Api first = Api.of(vertx, processes.get(0).port());
      List<Fixture> fixtures = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      List<Boolean> faulty = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        Fixture f = Fixture.create(first, sim, 200);
        boolean bad = i % 5 == 4;
        String next = f.version(sim,
          bad ? Fixture.faulty().put("latencyMs", new JsonObject().put("p50", 30).put("p99", 200))
          : Fixture.healthy());
        f.plan(Fixture.quickPlan(12, 1, 10, 50, 100));
        fixtures.add(f);
        faulty.add(bad);
        ids.add(f.start(next).getString("id"));
      }
      // kill one process every 5 s, in turn, and start it again, until every release has ended
      Instant giveUp = Instant.now().plusSeconds(150);
      int victim = 0;
      int kills = 0;
      while (!allEnded(processes, fixtures, ids) && Instant.now().isBefore(giveUp)) {
        await().pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> true);
        processes.get(victim).kill();
        kills++;
        processes.set(victim, ChildService.start(config, "turn-" + victim + "-" + System.nanoTime(), Map.of()));
        victim = (victim + 1) % processes.size();
      }
      assertThat(kills).isGreaterThanOrEqualTo(4);
      for (int i = 0; i < ids.size(); i++) {
        JsonObject release = alive(processes, fixtures.get(i)).get("/v1/releases/" + ids.get(i)).bodyAsJsonObject();
        assertThat(release.getString("state")).as("release %d (%s): %s", i, faulty.get(i) ? "faulty" : "healthy",
          release.getJsonObject("outcome")).isEqualTo(faulty.get(i) ? "rolled_back" : "succeeded");
        JsonArray checks = alive(processes, fixtures.get(i)).get("/v1/releases/" + ids.get(i) + "/checks")
          .bodyAsJsonObject()
          .getJsonArray("items");
        List<JsonObject> read = checks.stream().map(JsonObject.class::cast)
          .filter(c -> !c.getString("verdict").equals("error"))
          .sorted(java.util.Comparator.comparing(c -> Instant.parse(c.getString("windowStart")))).toList();
        for (int c = 1; c < read.size(); c++) {
          assertThat(read.get(c).getString("windowStart")).as("release %d, window after %s", i,
            read.get(c - 1).getString("windowEnd")).isEqualTo(read.get(c - 1).getString("windowEnd"));
        }
      }
    } finally {
      processes.forEach(ChildService::close);
    }
  }

  /** Whether no release runs any more (one awaiting approval has stopped too: it waits for a person). */
  private static boolean allEnded(List<ChildService> processes, List<Fixture> fixtures, List<String> ids) {
    for (int i = 0; i < ids.size(); i++) {
      String state = alive(processes, fixtures.get(i)).get("/v1/releases/" + ids.get(i)).bodyAsJsonObject()
        .getString("state");
      if ("running".equals(state)) {
        return false;
      }
    }
    return true;
  }

  /** A client of a process that is up, as the fixture's tenant. */
  private static Api alive(List<ChildService> processes, Fixture f) {
    ChildService up = processes.stream().filter(ChildService::alive).findFirst().orElseThrow();
    return Api.of(vertx, up.port()).as(f.key());
  }
}
