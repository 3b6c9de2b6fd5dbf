package dev.hmd.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.ChildService;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code serve} without a database URL, in child JVMs, on a data directory of its own: the
 * embedded Postgres survives neither a SIGKILL of its service as an orphan, nor its own death
 * unnoticed, nor a SIGTERM of its service.
 */
@WithService(service = false)
class EmbeddedPostgresCrashTest {

  static TestSimulator sim;
  static Vertx vertx;
  Path dataDir;

  @BeforeEach
  void dataDir() throws IOException {
    dataDir = Files.createDirectories(Path.of("target", "embedded-pg-tests").toAbsolutePath())
      .resolve("hmd-" + System.nanoTime());
  }

  /** Whatever a failed test left running on the directory is stopped; then the directory goes. */
  @AfterEach
  void cleanUp() throws IOException {
    EmbeddedDatabase.clearLeftovers(PostgresBinaries.locate(), pg());
    if (Files.exists(dataDir)) {
      try (Stream<Path> paths = Files.walk(dataDir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  Path pg() {
    return dataDir.resolve("pg");
  }

  Map<String, String> env() {
    Map<String, String> env = new HashMap<>(Map.of(Config.LEASE_SECONDS, "3", Config.SCHEDULER_TICK_MS, "100",
      Config.TELEMETRY_LAG_SECONDS, "1", Config.RATE_LIMIT_PER_MINUTE, "60000"));
    env.put(Config.CLOUDFLARE_API_BASE, sim.apiBase());
    return env;
  }

  static boolean running(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** After a SIGTERM of the service: no server on the directory (Postgres removes its pid file last). */
  void assertNoPostgresLeft(long postmaster) {
    assertThat(pg().resolve(PostmasterPidFile.NAME)).doesNotExist();
    assertThat(running(postmaster)).as("postmaster %d still running", postmaster).isFalse();
  }

  @Test
  @DisplayName("serve killed with SIGKILL leaves its Postgres running; the next serve stops it, is ready within 30 s "
    + "on the same port, the release started before finishes, and SIGTERM leaves no Postgres behind")
  void killedService() throws IOException {
    Fixture f;
    String id;
    PostmasterPidFile before;
    try (ChildService first = ChildService.startEmbedded(dataDir, "pg-crash-a-" + System.nanoTime(), env(),
      Duration.ofSeconds(120))) {
      f = Fixture.create(Api.of(vertx, first.port()), sim, 200);
      String next = f.version(sim, Fixture.healthy());
      f.plan(Fixture.quickPlan(12, 2, 10, 100).put("onInsufficientData", "proceed"));
      id = f.start(next).getString("id");
      await().atMost(Duration.ofSeconds(30)).until(() ->
        f.release(id).getJsonArray("stages").getJsonObject(0).getString("soakStartedAt") != null);
      before = PostmasterPidFile.read(pg()).orElseThrow();
      first.kill();
    }
    assertThat(running(before.pid())).as("the postmaster outlives the JVM killed with SIGKILL").isTrue();

    try (ChildService second = ChildService.startEmbedded(dataDir, "pg-crash-b-" + System.nanoTime(), env(),
      Duration.ofSeconds(30))) {
      assertThat(running(before.pid())).as("the orphan is stopped").isFalse();
      assertThat(Files.readString(second.log())).contains("left by a process that died");
      PostmasterPidFile after = PostmasterPidFile.read(pg()).orElseThrow();
      assertThat(after.pid()).isNotEqualTo(before.pid());
      assertThat(after.port()).isEqualTo(before.port());

      Api api = Api.of(vertx, second.port()).as(f.key());
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() ->
        !List.of("running", "awaiting_approval")
          .contains(api.get("/v1/releases/" + id).bodyAsJsonObject().getString("state")));
      assertThat(api.get("/v1/releases/" + id).bodyAsJsonObject().getString("state")).isEqualTo("succeeded");

      second.terminate();
      assertNoPostgresLeft(after.pid());
    }
  }

  @Test
  @DisplayName("the embedded Postgres killed alone is restarted on the same port; readiness answers 503 problem+json "
    + "meanwhile, then 200, and the API works again")
  void killedPostgres() throws IOException {
    try (ChildService child = ChildService.startEmbedded(dataDir, "pg-alone-" + System.nanoTime(), env(),
      Duration.ofSeconds(120))) {
      Api api = Api.of(vertx, child.port());
      PostmasterPidFile before = PostmasterPidFile.read(pg()).orElseThrow();
      ProcessHandle.of(before.pid()).orElseThrow().destroyForcibly();

      List<HttpResponse<Buffer>> notReady = new CopyOnWriteArrayList<>();
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
        HttpResponse<Buffer> ready = api.get("/health/ready");
        if (ready.statusCode() != 200) {
          notReady.add(ready);
        }
        return ready.statusCode() == 200 && PostmasterPidFile.read(pg()).filter(p -> p.pid() != before.pid())
          .isPresent();
      });
      // how many 503s a poll catches depends on the machine; what each one looks like does not
      assertThat(notReady).allSatisfy(r -> {
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.getHeader("Content-Type")).startsWith("application/problem+json");
        assertThat(r.bodyAsJsonObject().getString("database")).isEqualTo("down or schema behind");
      });
      PostmasterPidFile after = PostmasterPidFile.read(pg()).orElseThrow();
      assertThat(after.port()).isEqualTo(before.port());
      assertThat(api.newTenant("after-restart-" + System.nanoTime()).adminKey()).startsWith("hmd_");
      // the supervisor counts and logs the restart once its start has returned, which may be a moment
      // after the pool has reconnected to the new postmaster
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        assertThat(api.get("/metrics").bodyAsString()).contains("hmd_embedded_postgres_restarts_total 1.0");
        assertThat(Files.readString(child.log())).contains("died under the service")
          .contains("restarted on port " + after.port().orElseThrow());
      });

      child.terminate();
      assertNoPostgresLeft(after.pid());
    }
  }
}
