package dev.hmd.cloudflare;

import static dev.hmd.cloudflare.StubCloudflare.deployment;
import static dev.hmd.cloudflare.StubCloudflare.failure;
import static dev.hmd.cloudflare.StubCloudflare.success;
import static dev.hmd.cloudflare.StubCloudflare.version;
import static dev.hmd.cloudflare.TelemetryRows.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hmd.cloudflare.CloudflareException.Kind;
import dev.hmd.cloudflare.StubCloudflare.Received;
import dev.hmd.cloudflare.StubCloudflare.Reply;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The client against a stub Cloudflare over real sockets: requests as sent, answers as parsed, failures as typed. */
class CloudflareClientTest {

  static final String TOKEN = "tok-Secret-7f3a9c";
  static final String ACCOUNT = "0123456789abcdef0123456789abcdef";
  static final String SCRIPT = "api-worker";
  static final String SCRIPT_PATH = "/accounts/" + ACCOUNT + "/workers/scripts/" + SCRIPT;

  static Vertx vertx;
  static StubCloudflare stub;
  static PrometheusMeterRegistry registry;
  static CloudflareClient client;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    stub = StubCloudflare.start(vertx);
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // One attempt: retries have their own test class; here every failure must surface as it came.
    client = new CloudflareClient(vertx, CloudflareClientOptions.defaults()
      .withBaseUrl(stub.baseUrl())
      .withRetries(1, Duration.ofMillis(10), Duration.ofMillis(10))
      .withVersionPaging(2, 10), registry);
  }

  @AfterAll
  static void stop() {
    client.close();
    stub.close();
    vertx.close().await();
  }

  @BeforeEach
  void reset() {
    stub.reset();
    registry.clear();
  }

  // ---- versions

  /** Versions 4 to 1, newest first, as Cloudflare lists them. */
  static List<JsonObject> fourVersions() {
    return List.of(
      version("v4", 4, "2025-01-04T10:00:00Z", "fourth"),
      version("v3", 3, "2025-01-03T10:00:00Z", "third"),
      version("v2", 2, "2025-01-02T10:00:00Z", "second"),
      version("v1", 1, "2025-01-01T10:00:00Z", "first"));
  }

  @Test
  @DisplayName("listVersions follows the pages until a short one and keeps Cloudflare's newest-first order")
  void versionsAcrossPages() {
    List<JsonObject> all = new java.util.ArrayList<>(List.of(version("v5", 5, "2025-01-05T10:00:00.123456Z", "fifth")));
    all.addAll(fourVersions());
    stub.on(HttpMethod.GET, SCRIPT_PATH + "/versions", req -> page(all, req));

    List<WorkerVersion> versions = client.listVersions(TOKEN, ACCOUNT, SCRIPT).await();

    assertThat(versions).extracting(WorkerVersion::id).containsExactly("v5", "v4", "v3", "v2", "v1");
    assertThat(versions.get(0)).isEqualTo(new WorkerVersion("v5", 5, Instant.parse("2025-01-05T10:00:00.123456Z"),
      "fifth", "wrangler", "v5"));
    List<Received> requests = stub.received(HttpMethod.GET, SCRIPT_PATH + "/versions");
    assertThat(requests).extracting(r -> r.query().get("page")).containsExactly("1", "2", "3");
    assertThat(requests).extracting(r -> r.query().get("per_page")).containsOnly("2");
    assertThat(requests).extracting(Received::authorization).containsOnly("Bearer " + TOKEN);
  }

  @Test
  @DisplayName("listVersions stops at an empty page when the last real page was exactly full")
  void versionsFullLastPage() {
    List<JsonObject> all = fourVersions();
    stub.on(HttpMethod.GET, SCRIPT_PATH + "/versions", req -> page(all, req));

    List<WorkerVersion> versions = client.listVersions(TOKEN, ACCOUNT, SCRIPT).await();

    assertThat(versions).extracting(WorkerVersion::id).containsExactly("v4", "v3", "v2", "v1");
    assertThat(stub.received(HttpMethod.GET, SCRIPT_PATH + "/versions")).hasSize(3);
  }

  private static Reply page(List<JsonObject> all, Received req) {
    int page = Integer.parseInt(req.query().get("page"));
    int perPage = Integer.parseInt(req.query().get("per_page"));
    int from = Math.min(all.size(), (page - 1) * perPage);
    int to = Math.min(all.size(), from + perPage);
    JsonObject result = new JsonObject().put("items", new JsonArray(List.copyOf(all.subList(from, to))));
    return Reply.json(200, success(result, new JsonObject().put("page", page).put("per_page", perPage)));
  }

  // ---- deployments

  @Test
  @DisplayName("currentDeployment is the first listed deployment, with its split and workers/message")
  void currentDeployment() {
    JsonObject deployments = new JsonObject().put("deployments", new JsonArray()
      .add(deployment("d2", "2025-02-02T12:00:00Z", "HMD release r_1 stage 1: 10%", "v-new", 10, "v-old", 90))
      .add(deployment("d1", "2025-02-01T12:00:00Z", null, "v-old", 100)));
    stub.on(HttpMethod.GET, SCRIPT_PATH + "/deployments", req -> Reply.json(200, success(deployments)));

    WorkerDeployment current = client.currentDeployment(TOKEN, ACCOUNT, SCRIPT).await();
    List<WorkerDeployment> all = client.listDeployments(TOKEN, ACCOUNT, SCRIPT).await();

    assertThat(current).isEqualTo(new WorkerDeployment("d2", Instant.parse("2025-02-02T12:00:00Z"),
      List.of(new VersionSplit("v-new", 10), new VersionSplit("v-old", 90)),
      "HMD release r_1 stage 1: 10%", "api", "ops@example.com"));
    assertThat(current.percentageOf("v-new")).isEqualTo(10);
    assertThat(all).extracting(WorkerDeployment::id).containsExactly("d2", "d1");
    assertThat(all.get(1).message()).isNull();
  }

  @Test
  @DisplayName("currentDeployment of a script that was never deployed fails NOT_FOUND")
  void noDeployment() {
    stub.on(HttpMethod.GET, SCRIPT_PATH + "/deployments",
      req -> Reply.json(200, success(new JsonObject().put("deployments", new JsonArray()))));

    CloudflareException e = failureOf(client.currentDeployment(TOKEN, ACCOUNT, SCRIPT));

    assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
  }

  @Test
  @DisplayName("createDeployment posts strategy percentage, both versions and the workers/message annotation")
  void createDeploymentBody() {
    stub.on(HttpMethod.POST, SCRIPT_PATH + "/deployments", req -> Reply.json(200, success(
      deployment("d3", "2025-02-03T12:00:00Z", "HMD release r_1 stage 2: 50%", "v-new", 50, "v-old", 50))));

    WorkerDeployment created = client.createDeployment(TOKEN, ACCOUNT, SCRIPT,
      List.of(new VersionSplit("v-new", 50), new VersionSplit("v-old", 50)), "HMD release r_1 stage 2: 50%").await();

    Received sent = stub.received(HttpMethod.POST, SCRIPT_PATH + "/deployments").get(0);
    assertThat(sent.body()).isEqualTo(new JsonObject()
      .put("strategy", "percentage")
      .put("versions", new JsonArray()
        .add(new JsonObject().put("percentage", 50).put("version_id", "v-new"))
        .add(new JsonObject().put("percentage", 50).put("version_id", "v-old")))
      .put("annotations", new JsonObject().put("workers/message", "HMD release r_1 stage 2: 50%")));
    assertThat(sent.query()).doesNotContainKey("force");
    assertThat(sent.authorization()).isEqualTo("Bearer " + TOKEN);
    assertThat(created.id()).isEqualTo("d3");
    assertThat(created.versions()).containsExactly(new VersionSplit("v-new", 50), new VersionSplit("v-old", 50));
  }

  @Test
  @DisplayName("createDeployment with force adds ?force=true")
  void createDeploymentForce() {
    stub.on(HttpMethod.POST, SCRIPT_PATH + "/deployments",
      req -> Reply.json(200, success(deployment("d4", "2025-02-04T12:00:00Z", "rollback", "v-old", 100))));

    client.createDeployment(TOKEN, ACCOUNT, SCRIPT, List.of(new VersionSplit("v-old", 100)), "rollback", true).await();

    assertThat(stub.received(HttpMethod.POST, SCRIPT_PATH + "/deployments").get(0).query())
      .containsEntry("force", "true");
  }

  @Test
  @DisplayName("a split not summing to 100 is refused locally and never sent")
  void createDeploymentInvalidSplit() {
    Future<WorkerDeployment> result = client.createDeployment(TOKEN, ACCOUNT, SCRIPT,
      List.of(new VersionSplit("v-new", 10), new VersionSplit("v-old", 80)), "bad");

    assertThat(catchThrowableOfType(IllegalArgumentException.class, result::await)).hasMessageContaining("100");
    assertThat(stub.received()).isEmpty();
  }

  // ---- tokens

  @Test
  @DisplayName("verifyToken reads id and status from the account token endpoint")
  void verifyToken() {
    stub.on(HttpMethod.GET, "/accounts/" + ACCOUNT + "/tokens/verify", req -> Reply.json(200,
      success(new JsonObject().put("id", "tkn-1").put("status", "active").put("expires_on", "2030-01-01T00:00:00Z"))));

    TokenStatus status = client.verifyToken(TOKEN, ACCOUNT).await();

    assertThat(status).isEqualTo(new TokenStatus("tkn-1", "active"));
    assertThat(status.active()).isTrue();
    assertThat(stub.received().get(0).authorization()).isEqualTo("Bearer " + TOKEN);
  }

  // ---- telemetry

  @Test
  @DisplayName(
    "versionStats sends one grouped calculations query for all scripts, and one for the answered 500s, and folds "
    + "the rows per version")
  void telemetryQuery() {
    String path = "/accounts/" + ACCOUNT + "/workers/observability/telemetry/query";
    TelemetryRows rows = new TelemetryRows()
      .add(row("api-worker", "v-new", "ok", 90, 20))
      .add(row("api-worker", "v-new", "exception", 6, 1))
      .add(row("api-worker", "v-new", "canceled", 4, 2))
      .add(row("api-worker", "v-old", "ok", 1000, 10))
      .add(row("api-worker", "v-old", "exceededCpu", 3, 50))
      .add(row("api-worker", "v-old", "internalError", 2, 5))
      .add(row("edge-worker", "v-e1", "exception", 7, 3));
    // the invocations that answered 500 or more: 4 of v-new's ok ones, and the exceptions again
    TelemetryRows fiveHundreds = new TelemetryRows()
      .add(row("api-worker", "v-new", "ok", 4, 20))
      .add(row("api-worker", "v-new", "exception", 6, 1));
    stub.on(HttpMethod.POST, path, req -> Reply.json(200, req.body().encode().contains("$workers.event.response.status")
      ? fiveHundreds.envelope(false) : rows.envelope(false)));
    Instant from = Instant.parse("2025-03-01T10:00:00Z");
    Instant to = Instant.parse("2025-03-01T10:05:00Z");

    Map<ScriptVersion, VersionTelemetry> stats = client.versionStats(TOKEN, ACCOUNT,
      List.of("api-worker", "edge-worker", "quiet-worker"), from, to).await();

    // this call's two queries (a query of an earlier test may still arrive: its other query failed first)
    List<Received> sent = stub.received(HttpMethod.POST, path).stream()
      .filter(r -> r.body().encode().contains("quiet-worker")).toList();
    assertThat(sent).hasSize(2);
    JsonObject body = sent.stream().map(Received::body)
      .filter(b -> !b.encode().contains("$workers.event.response.status")).findFirst().orElseThrow();
    assertThat(body.getString("queryId")).isNotBlank();
    assertThat(body.getJsonObject("timeframe"))
      .isEqualTo(new JsonObject().put("from", from.toEpochMilli()).put("to", to.toEpochMilli()));
    assertThat(body.getString("view")).isEqualTo("calculations");
    assertThat(body.getBoolean("dry")).isTrue();
    JsonObject parameters = body.getJsonObject("parameters");
    assertThat(parameters.getJsonArray("datasets")).containsExactly("cloudflare-workers");
    assertThat(parameters.getJsonArray("filters")).containsExactly(
      new JsonObject().put("key", "$metadata.type").put("operation", "eq").put("type", "string")
        .put("value", "cf-worker-event"),
      new JsonObject().put("key", "$workers.scriptName").put("operation", "in").put("type", "string")
        .put("value", new JsonArray().add("api-worker").add("edge-worker").add("quiet-worker")));
    assertThat(parameters.getJsonArray("groupBys")).extracting(g -> ((JsonObject) g).getString("value"))
      .containsExactly("$workers.scriptName", "$workers.scriptVersion.id", "$workers.outcome");
    List<JsonObject> calculations = parameters.getJsonArray("calculations").stream().map(JsonObject.class::cast)
      .toList();
    assertThat(calculations).extracting(c -> c.getString("operator") + " " + c.getString("key"))
      .containsExactlyInAnyOrder("count null",
        "median $workers.wallTimeMs", "p25 $workers.wallTimeMs", "p75 $workers.wallTimeMs",
        "p90 $workers.wallTimeMs", "p95 $workers.wallTimeMs", "p99 $workers.wallTimeMs", "p999 $workers.wallTimeMs",
        "median $workers.cpuTimeMs", "p99 $workers.cpuTimeMs");
    assertThat(calculations).extracting(c -> c.getString("operator")).doesNotContain("p50");
    assertThat(calculations).extracting(c -> c.getString("alias")).doesNotHaveDuplicates().doesNotContainNull()
      .doesNotContain("");

    assertThat(stats).containsOnlyKeys(new ScriptVersion("api-worker", "v-new"),
      new ScriptVersion("api-worker", "v-old"), new ScriptVersion("edge-worker", "v-e1"));
    VersionTelemetry fresh = stats.get(new ScriptVersion("api-worker", "v-new"));
    assertThat(fresh.requests()).isEqualTo(100);
    assertThat(fresh.errors()).isEqualTo(10);
    assertThat(fresh.exceptions()).isEqualTo(6);
    assertThat(fresh.wallP50()).isEqualTo(20.0);
    assertThat(fresh.wallP99()).isEqualTo(80.0);
    assertThat(fresh.wallP999()).isEqualTo(120.0);
    assertThat(fresh.cpuP50()).isEqualTo(2.0);
    assertThat(fresh.cpuP99()).isEqualTo(10.0);
    VersionTelemetry old = stats.get(new ScriptVersion("api-worker", "v-old"));
    assertThat(old.requests()).isEqualTo(1005);
    assertThat(old.errors()).isEqualTo(5);
    assertThat(old.wallP90()).isEqualTo(20.0);
    VersionTelemetry failing = stats.get(new ScriptVersion("edge-worker", "v-e1"));
    assertThat(failing.requests()).isEqualTo(7);
    assertThat(failing.errors()).isEqualTo(7);
    assertThat(failing.wallP50()).isNull();
    assertThat(failing.cpuP99()).isNull();
    assertThat(stats.get(new ScriptVersion("quiet-worker", "anything"))).isNull();
  }

  @Test
  @DisplayName("versionStats of one script filters with eq, and an empty window is no data, not zeros")
  void telemetryEmptyWindow() {
    String path = "/accounts/" + ACCOUNT + "/workers/observability/telemetry/query";
    stub.on(HttpMethod.POST, path, req -> Reply.json(200, new TelemetryRows().envelope(false)));

    Map<ScriptVersion, VersionTelemetry> stats = client.versionStats(TOKEN, ACCOUNT, List.of(SCRIPT),
      Instant.parse("2025-03-01T10:00:00Z"), Instant.parse("2025-03-01T10:05:00Z")).await();

    assertThat(stats).isEmpty();
    JsonObject scriptFilter = stub.received().get(0).body().getJsonObject("parameters").getJsonArray("filters")
      .getJsonObject(1);
    assertThat(scriptFilter.getString("operation")).isEqualTo("eq");
    assertThat(scriptFilter.getString("value")).isEqualTo(SCRIPT);
  }

  @Test
  @DisplayName("an observability error has no code: its message and detail make the failure")
  void telemetryError() {
    String path = "/accounts/" + ACCOUNT + "/workers/observability/telemetry/query";
    stub.on(HttpMethod.POST, path, req -> Reply.json(400, new JsonObject().put("success", false)
      .put("errors", new JsonArray().add(new JsonObject().put("message", "Bad Request")
        .put("detail", "timeframe.from must be before timeframe.to")))
      .put("messages", new JsonArray())));

    CloudflareException e = failureOf(client.versionStats(TOKEN, ACCOUNT, List.of(SCRIPT),
      Instant.parse("2025-03-01T10:00:00Z"), Instant.parse("2025-03-01T10:05:00Z")));

    assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST);
    assertThat(e.code()).isEmpty();
    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.cloudflareMessage()).isEqualTo("Bad Request: timeframe.from must be before timeframe.to");
  }

  // ---- failures

  static Stream<Arguments> failures() {
    return Stream.of(
      Arguments.of(401, 10000, "Authentication error", Kind.UNAUTHORIZED),
      Arguments.of(400, 10000, "Authentication error", Kind.UNAUTHORIZED),
      Arguments.of(403, 10000, "Forbidden", Kind.FORBIDDEN),
      Arguments.of(404, 10007, "This Worker does not exist on your account.", Kind.NOT_FOUND),
      Arguments.of(429, 971, "Please wait and consider throttling your request speed", Kind.RATE_LIMITED),
      Arguments.of(500, 10013, "An unknown error has occurred", Kind.SERVER_ERROR),
      Arguments.of(400, 10021, "percentages must sum to 100", Kind.BAD_REQUEST));
  }

  @ParameterizedTest(name = "HTTP {0} code {1} is {3}")
  @MethodSource("failures")
  @DisplayName("each Cloudflare failure is typed, carries status, code and message, and never the token")
  void typedFailures(int status, int code, String message, Kind kind) {
    stub.on(HttpMethod.GET, SCRIPT_PATH + "/versions", req -> Reply.json(status, failure(code, message)));

    CloudflareException e = failureOf(client.listVersions(TOKEN, ACCOUNT, SCRIPT));

    assertThat(e.kind()).isEqualTo(kind);
    assertThat(e.httpStatus()).isEqualTo(status);
    assertThat(e.code()).contains(code);
    assertThat(e.cloudflareMessage()).isEqualTo(message);
    assertThat(e.endpoint()).isEqualTo(CloudflareClient.VERSIONS_LIST);
    assertThat(e.getMessage()).contains(String.valueOf(status), String.valueOf(code), message)
      .doesNotContain(TOKEN);
    assertThat(stub.received()).hasSize(1);
  }

  @Test
  @DisplayName("a token echoed back by the server is redacted from the failure")
  void tokenEchoRedacted() {
    stub.on(HttpMethod.GET, SCRIPT_PATH + "/deployments",
      req -> Reply.json(401, failure(10000, "Authentication error for " + req.authorization())));

    CloudflareException e = failureOf(client.listDeployments(TOKEN, ACCOUNT, SCRIPT));

    assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED);
    assertThat(e.getMessage()).doesNotContain(TOKEN).contains("[redacted]");
    assertThat(e.cloudflareMessage()).doesNotContain(TOKEN);
    assertThat(e.toString()).doesNotContain(TOKEN);
  }

  @Test
  @DisplayName("an HTML 502 from the edge is a SERVER_ERROR, a 200 that is not an envelope is INVALID_RESPONSE")
  void notAnEnvelope() {
    stub.on(HttpMethod.GET, SCRIPT_PATH + "/versions",
      req -> new Reply(502, Map.of("Content-Type", "text/html"), "<html>Bad gateway</html>", false));
    stub.on(HttpMethod.GET, SCRIPT_PATH + "/deployments",
      req -> Reply.json(200, success(new JsonObject().put("unexpected", true))));

    CloudflareException gateway = failureOf(client.listVersions(TOKEN, ACCOUNT, SCRIPT));
    CloudflareException invalid = failureOf(client.listDeployments(TOKEN, ACCOUNT, SCRIPT));

    assertThat(gateway.kind()).isEqualTo(Kind.SERVER_ERROR);
    assertThat(gateway.httpStatus()).isEqualTo(502);
    assertThat(invalid.kind()).isEqualTo(Kind.INVALID_RESPONSE);
  }

  // ---- metrics

  @Test
  @DisplayName("each attempt counts in hmd.cloudflare.requests and the duration timer, tagged by endpoint and status")
  void metrics() {
    stub.on(HttpMethod.GET, "/accounts/" + ACCOUNT + "/tokens/verify",
      req -> Reply.json(200, success(new JsonObject().put("id", "tkn-1").put("status", "active"))));
    stub.on(HttpMethod.GET, SCRIPT_PATH + "/deployments", req -> Reply.json(404, failure(10007, "no such worker")));

    client.verifyToken(TOKEN, ACCOUNT).await();
    client.verifyToken(TOKEN, ACCOUNT).await();
    failureOf(client.listDeployments(TOKEN, ACCOUNT, SCRIPT));

    assertThat(registry.get(CloudflareClient.METRIC_REQUESTS).tags("endpoint", "tokens.verify", "status", "200")
      .counter().count()).isEqualTo(2.0);
    assertThat(registry.get(CloudflareClient.METRIC_REQUESTS).tags("endpoint", "deployments.list", "status", "404")
      .counter().count()).isEqualTo(1.0);
    var timer = registry.get(CloudflareClient.METRIC_DURATION).tags("endpoint", "tokens.verify", "status", "200")
      .timer();
    assertThat(timer.count()).isEqualTo(2);
    assertThat(registry.scrape())
      .contains("hmd_cloudflare_requests_total{endpoint=\"tokens.verify\",status=\"200\"} 2.0")
      .contains("hmd_cloudflare_request_duration_seconds_bucket{endpoint=\"tokens.verify\",status=\"200\",le=");
  }

  static CloudflareException failureOf(Future<?> future) {
    return catchThrowableOfType(CloudflareException.class, future::await);
  }
}
