package dev.hmd.cloudflare;

import static dev.hmd.cloudflare.StubCloudflare.deployment;
import static dev.hmd.cloudflare.StubCloudflare.failure;
import static dev.hmd.cloudflare.StubCloudflare.success;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.hmd.cloudflare.CloudflareException.Kind;
import dev.hmd.cloudflare.StubCloudflare.Received;
import dev.hmd.cloudflare.StubCloudflare.Reply;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Retries, timeouts and the per-token budget, seen from the server's side: how many attempts
 * arrived and when. Delays are shrunk to milliseconds; the only timing assertions are lower
 * bounds the client guarantees (a loaded machine only makes things later).
 */
class CloudflareClientResilienceTest {

  static final String TOKEN = "tok-Resilience-1b2c";
  static final String OTHER_TOKEN = "tok-Other-9z8y";
  static final String ACCOUNT = "0123456789abcdef0123456789abcdef";
  static final String VERIFY = "/accounts/" + ACCOUNT + "/tokens/verify";
  static final String DEPLOYMENTS = "/accounts/" + ACCOUNT + "/workers/scripts/api-worker/deployments";

  static Vertx vertx;
  static StubCloudflare stub;
  SimpleMeterRegistry registry;
  final List<CloudflareClient> clients = new ArrayList<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    stub = StubCloudflare.start(vertx);
  }

  @AfterAll
  static void stop() {
    stub.close();
    vertx.close().await();
  }

  @BeforeEach
  void reset() {
    stub.reset();
    registry = new SimpleMeterRegistry();
  }

  @AfterEach
  void closeClients() {
    clients.forEach(CloudflareClient::close);
  }

  CloudflareClient client(CloudflareClientOptions options) {
    CloudflareClient client = new CloudflareClient(vertx, options, registry);
    clients.add(client);
    return client;
  }

  /** Four attempts, millisecond backoff, a short timeout, the default (never reached) budget. */
  CloudflareClientOptions fast() {
    return CloudflareClientOptions.defaults()
      .withBaseUrl(stub.baseUrl())
      .withRetries(4, Duration.ofMillis(20), Duration.ofMillis(100))
      .withTimeouts(Duration.ofMillis(400), Duration.ofSeconds(2));
  }

  static Reply active() {
    return Reply.json(200, success(new JsonObject().put("id", "tkn-1").put("status", "active")));
  }

  double requests(String endpoint, String status) {
    var counter = registry.find(CloudflareClient.METRIC_REQUESTS).tags("endpoint", endpoint, "status", status)
      .counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  @DisplayName("5xx answers are retried with backoff until one succeeds, each attempt counted")
  void retriesServerErrors() {
    stub.on(HttpMethod.GET, VERIFY, req -> switch (req.attempt()) {
      case 1 -> Reply.json(503, failure(10013, "Service unavailable"));
      case 2 -> Reply.json(500, failure(10013, "An unknown error has occurred"));
      default -> active();
    });

    TokenStatus status = client(fast()).verifyToken(TOKEN, ACCOUNT).await();

    assertThat(status.active()).isTrue();
    assertThat(stub.received(HttpMethod.GET, VERIFY)).hasSize(3);
    assertThat(requests("tokens.verify", "503")).isEqualTo(1.0);
    assertThat(requests("tokens.verify", "500")).isEqualTo(1.0);
    assertThat(requests("tokens.verify", "200")).isEqualTo(1.0);
  }

  @Test
  @DisplayName("a persistent 5xx fails SERVER_ERROR after maxAttempts attempts")
  void givesUpOnServerErrors() {
    stub.on(HttpMethod.GET, VERIFY, req -> Reply.json(500, failure(10013, "An unknown error has occurred")));

    CloudflareException e = failureOf(client(fast()).verifyToken(TOKEN, ACCOUNT));

    assertThat(e.kind()).isEqualTo(Kind.SERVER_ERROR);
    assertThat(e.httpStatus()).isEqualTo(500);
    assertThat(stub.received(HttpMethod.GET, VERIFY)).hasSize(4);
  }

  @Test
  @DisplayName("a 4xx other than 429 is not retried")
  void noRetryOnClientErrors() {
    stub.on(HttpMethod.GET, VERIFY, req -> Reply.json(403, failure(10000, "Forbidden")));

    CloudflareException e = failureOf(client(fast()).verifyToken(TOKEN, ACCOUNT));

    assertThat(e.kind()).isEqualTo(Kind.FORBIDDEN);
    assertThat(stub.received(HttpMethod.GET, VERIFY)).hasSize(1);
  }

  @Test
  @DisplayName("a 429 is retried no sooner than its retry-after")
  void honoursRetryAfter() {
    stub.on(HttpMethod.GET, VERIFY, req -> req.attempt() == 1
      ? Reply.json(429, failure(971, "Please wait and consider throttling your request speed"))
        .withHeader("retry-after", "1")
      : active());

    TokenStatus status = client(fast()).verifyToken(TOKEN, ACCOUNT).await();

    assertThat(status.active()).isTrue();
    List<Received> attempts = stub.received(HttpMethod.GET, VERIFY);
    assertThat(attempts).hasSize(2);
    // The backoff alone would be at most 20 ms; only the retry-after explains a second's gap.
    long gapMillis = TimeUnit.NANOSECONDS.toMillis(attempts.get(1).arrivedNanos() - attempts.get(0).arrivedNanos());
    assertThat(gapMillis).isGreaterThanOrEqualTo(950);
    assertThat(requests("tokens.verify", "429")).isEqualTo(1.0);
  }

  @Test
  @DisplayName("a retry-after longer than maxRetryAfter fails RATE_LIMITED at once, carrying the wait")
  void longRetryAfterIsNotWaitedOut() {
    stub.on(HttpMethod.GET, VERIFY, req -> Reply.json(429, failure(971, "Please wait"))
      .withHeader("retry-after", "300"));

    CloudflareException e = failureOf(client(fast()).verifyToken(TOKEN, ACCOUNT));

    assertThat(e.kind()).isEqualTo(Kind.RATE_LIMITED);
    assertThat(e.code()).contains(971);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(300));
    assertThat(stub.received(HttpMethod.GET, VERIFY)).hasSize(1);
  }

  @Test
  @DisplayName("attempts that time out are retried and the call then fails TIMEOUT")
  void timeouts() {
    stub.on(HttpMethod.GET, VERIFY, req -> Reply.silence());

    CloudflareException e = failureOf(client(fast().withRetries(3, Duration.ofMillis(20), Duration.ofMillis(50)))
      .verifyToken(TOKEN, ACCOUNT));

    assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
    assertThat(e.getMessage()).doesNotContain(TOKEN);
    assertThat(stub.received(HttpMethod.GET, VERIFY)).hasSize(3);
    assertThat(requests("tokens.verify", "timeout")).isEqualTo(3.0);
  }

  @Test
  @DisplayName("an attempt that times out is followed by one that succeeds")
  void timeoutThenSuccess() {
    stub.on(HttpMethod.GET, VERIFY, req -> req.attempt() == 1 ? Reply.silence() : active());

    TokenStatus status = client(fast()).verifyToken(TOKEN, ACCOUNT).await();

    assertThat(status.active()).isTrue();
    assertThat(stub.received(HttpMethod.GET, VERIFY)).hasSize(2);
  }

  @Test
  @DisplayName("a refused connection is retried and fails NETWORK, counted with status error")
  void connectionRefused() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    CloudflareClient client = client(fast().withBaseUrl("http://localhost:" + closedPort + "/client/v4"));

    CloudflareException e = failureOf(client.verifyToken(TOKEN, ACCOUNT));

    assertThat(e.kind()).isEqualTo(Kind.NETWORK);
    assertThat(e.getMessage()).doesNotContain(TOKEN);
    assertThat(requests("tokens.verify", "error")).isEqualTo(4.0);
  }

  @Test
  @DisplayName("a deployment POST that drew a 503 is sent again with the same body")
  void deploymentPostRetried() {
    stub.on(HttpMethod.POST, DEPLOYMENTS, req -> req.attempt() == 1
      ? Reply.json(503, failure(10013, "Service unavailable"))
      : Reply.json(200, success(deployment("d1", "2025-02-01T12:00:00Z", "stage 1", "v-new", 10, "v-old", 90))));

    WorkerDeployment created = client(fast()).createDeployment(TOKEN, ACCOUNT, "api-worker",
      List.of(new VersionSplit("v-new", 10), new VersionSplit("v-old", 90)), "stage 1").await();

    assertThat(created.id()).isEqualTo("d1");
    List<Received> posts = stub.received(HttpMethod.POST, DEPLOYMENTS);
    assertThat(posts).hasSize(2);
    assertThat(posts.get(1).body()).isEqualTo(posts.get(0).body());
  }

  @Test
  @DisplayName("past the budget (5 per 2 s) a request is queued until the window frees, other tokens are not")
  void budgetQueues() {
    stub.on(HttpMethod.GET, VERIFY, req -> active());
    CloudflareClient client = client(fast().withBudget(5, Duration.ofSeconds(2)));
    long t0 = System.nanoTime();

    List<Future<TokenStatus>> calls = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      calls.add(client.verifyToken(TOKEN, ACCOUNT));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> stub.received(HttpMethod.GET, VERIFY).size() == 5);
    // Another tenant's token has its own budget: it goes straight through while the 6th waits.
    client.verifyToken(OTHER_TOKEN, ACCOUNT).await();
    List<Received> beforeWindowFrees = stub.received(HttpMethod.GET, VERIFY);
    Future.all(calls).await();

    assertThat(beforeWindowFrees).extracting(Received::authorization)
      .containsOnlyOnce("Bearer " + OTHER_TOKEN)
      .filteredOn(a -> a.equals("Bearer " + TOKEN)).hasSize(5);
    List<Received> mine = stub.received(HttpMethod.GET, VERIFY).stream()
      .filter(r -> r.authorization().equals("Bearer " + TOKEN)).toList();
    assertThat(mine).hasSize(6);
    long sixthAfterMillis = TimeUnit.NANOSECONDS.toMillis(mine.get(5).arrivedNanos() - t0);
    assertThat(sixthAfterMillis).isGreaterThanOrEqualTo(2000);
    assertThat(calls).allMatch(Future::succeeded);
    assertThat(registry.find(CloudflareClient.METRIC_BUDGET_WAIT).timer()).isNotNull();
  }

  @Test
  @DisplayName("a request that would queue past budgetMaxWait fails RATE_LIMITED without being sent")
  void budgetMaxWait() {
    stub.on(HttpMethod.GET, VERIFY, req -> active());
    CloudflareClient client = client(fast().withBudget(1, Duration.ofMinutes(1))
      .withBudgetMaxWait(Duration.ofSeconds(1)));

    client.verifyToken(TOKEN, ACCOUNT).await();
    CloudflareException e = failureOf(client.verifyToken(TOKEN, ACCOUNT));

    assertThat(e.kind()).isEqualTo(Kind.RATE_LIMITED);
    assertThat(e.httpStatus()).isZero();
    assertThat(e.retryAfter()).hasValueSatisfying(wait -> assertThat(wait).isGreaterThan(Duration.ofSeconds(30)));
    assertThat(stub.received(HttpMethod.GET, VERIFY)).hasSize(1);
  }

  static CloudflareException failureOf(Future<?> future) {
    return catchThrowableOfType(CloudflareException.class, future::await);
  }
}
