package dev.hmd.cloudflare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hmd.sim.SimOptions;
import dev.hmd.testing.TestSimulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The production client against the simulator over real sockets: what works there works against Cloudflare's contract.
 */
class CloudflareClientSimulatorTest {

  static TestSimulator sim;
  static Vertx vertx;
  static SimpleMeterRegistry registry;
  static CloudflareClient client;

  @BeforeAll
  static void start() {
    sim = TestSimulator.start(SimOptions.defaults().withRateLimit(12, Duration.ofSeconds(3)));
    vertx = Vertx.vertx();
    registry = new SimpleMeterRegistry();
    client = new CloudflareClient(vertx, CloudflareClientOptions.defaults().withBaseUrl(sim.apiBase())
      .withRetries(5, Duration.ofMillis(50), Duration.ofMillis(500)).withBudget(10, Duration.ofSeconds(3)), registry);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    sim.close();
  }

  @Test
  @DisplayName("versions (every page), the serving deployment, a new split, and per-version stats in one query")
  void roundTrip() {
    TestSimulator.Account account = sim.newAccount();
    String v1 = sim.newWorker(account, "api", 400);
    List<String> uploaded = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      uploaded.add(
        sim.newVersion(account, "api", new JsonObject().put("message", "v" + (i + 2)).put("errorRate", 0.2)));
    }
    sim.newWorker(account, "web", 100);
    CloudflareClient paged = new CloudflareClient(vertx, CloudflareClientOptions.defaults().withBaseUrl(sim.apiBase())
      .withVersionPaging(2, 10), registry);
    List<WorkerVersion> versions = paged.listVersions(account.token(), account.accountId(), "api").await();
    assertThat(versions).extracting(WorkerVersion::number).containsExactly(4, 3, 2, 1);
    assertThat(versions.get(0).message()).isEqualTo("v4");

    WorkerDeployment serving = client.currentDeployment(account.token(), account.accountId(), "api").await();
    assertThat(serving.versions()).containsExactly(new VersionSplit(v1, 100));
    String bad = uploaded.get(2);
    Instant splitAt = Instant.now();
    WorkerDeployment split = client.createDeployment(account.token(), account.accountId(), "api",
      List.of(new VersionSplit(bad, 50), new VersionSplit(v1, 50)), "HMD release r_test stage 1: 50% new").await();
    assertThat(split.message()).isEqualTo("HMD release r_test stage 1: 50% new");
    assertThat(client.currentDeployment(account.token(), account.accountId(), "api").await().id())
      .isEqualTo(split.id());

    await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(splitAt.plusSeconds(4)));
    Map<ScriptVersion,
      VersionTelemetry> stats = client.versionStats(account.token(), account.accountId(), List.of("api", "web"),
      splitAt.plusSeconds(1), splitAt.plusSeconds(3)).await();
    VersionTelemetry badStats = stats.get(new ScriptVersion("api", bad));
    VersionTelemetry oldStats = stats.get(new ScriptVersion("api", v1));
    assertThat(badStats.requests()).isBetween(250L, 550L);
    assertThat((double) badStats.errors() / badStats.requests()).isBetween(0.1, 0.3);
    assertThat(oldStats.requests()).isBetween(250L, 550L);
    assertThat(badStats.wallP50()).isNotNull();
    assertThat(stats.keySet()).anyMatch(k -> k.script().equals("web"));
  }

  @Test
  @DisplayName("the client retries the simulator's 5xx and 429 faults and gets through")
  void retriesFaults() {
    TestSimulator.Account account = sim.newAccount();
    sim.newWorker(account, "flaky", 5);
    try {
      sim.faults(new JsonObject().put("errorRate", 0.4).put("rateLimitRate", 0.2).put("retryAfterSeconds", 1));
      for (int i = 0; i < 3; i++) {
        assertThat(client.currentDeployment(account.token(), account.accountId(), "flaky").await().versions())
          .hasSize(1);
      }
    } finally {
      sim.faults(new JsonObject());
    }
  }

  @Test
  @DisplayName("the per-token budget queues below the simulator's rate limit, so the token is never banned")
  void budgetKeepsUnderTheLimit() {
    TestSimulator.Account account = sim.newAccount();
    sim.newWorker(account, "busy", 5);
    double limited = registry.find("hmd.cloudflare.requests").tag("status", "429").counters().stream()
      .mapToDouble(c -> c.count()).sum();
    for (int i = 0; i < 25; i++) {
      client.currentDeployment(account.token(), account.accountId(), "busy").await();
    }
    double after = registry.find("hmd.cloudflare.requests").tag("status", "429").counters().stream()
      .mapToDouble(c -> c.count()).sum();
    assertThat(after).isEqualTo(limited);
  }

  @Test
  @DisplayName("a token of another account is FORBIDDEN, an unknown Worker NOT_FOUND, with Cloudflare's codes")
  void typedFailures() {
    TestSimulator.Account a = sim.newAccount();
    TestSimulator.Account b = sim.newAccount();
    sim.newWorker(a, "mine", 5);
    assertThatThrownBy(() -> client.listVersions(b.token(), a.accountId(), "mine").await())
      .isInstanceOfSatisfying(CloudflareException.class, e -> {
        assertThat(e.kind()).isIn(CloudflareException.Kind.FORBIDDEN, CloudflareException.Kind.UNAUTHORIZED);
        assertThat(e.code()).contains(10000);
        assertThat(e.getMessage()).doesNotContain(b.token());
      });
    assertThatThrownBy(() -> client.listVersions(a.token(), a.accountId(), "nope").await())
      .isInstanceOfSatisfying(CloudflareException.class, e -> {
        assertThat(e.kind()).isEqualTo(CloudflareException.Kind.NOT_FOUND);
        assertThat(e.code()).contains(10007);
      });
  }
}
