package dev.hmd.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;

/**
 * A simulator on a free port with a manual clock, and a web client that talks to it over a real
 * socket. Tests isolate themselves by account: {@link #account(String)} names one per test.
 */
final class SimHarness implements AutoCloseable {

  /** A minute boundary, so that "advance 60 s" covers whole stored minutes. */
  static final long START = 1_700_000_040_000L;

  final Vertx vertx;
  final WebClient http;
  final ManualClock clock;
  final int port;

  private SimHarness(Vertx vertx, ManualClock clock, int port) {
    this.vertx = vertx;
    this.http = WebClient.create(vertx);
    this.clock = clock;
    this.port = port;
  }

  static SimHarness start() {
    return start(SimOptions.defaults());
  }

  /** Starts with {@code options}, its clock replaced by a manual one at {@link #START}. */
  static SimHarness start(SimOptions options) {
    ManualClock clock = new ManualClock(START);
    Vertx vertx = Vertx.vertx();
    SimulatorVerticle sim = new SimulatorVerticle(0, options.withClock(clock));
    vertx.deployVerticle(sim).await();
    return new SimHarness(vertx, clock, sim.actualPort());
  }

  @Override
  public void close() {
    vertx.close().await();
  }

  /** A stable 32-hex account id per name: the same seeds, so the same traffic, on every run. */
  static String account(String name) {
    try {
      byte[] digest = MessageDigest.getInstance("MD5").digest(name.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  void advance(Duration by) {
    clock.advance(by);
  }

  HttpResponse<Buffer> cf(HttpMethod method, String path, String token, Object body) {
    HttpRequest<Buffer> request = http.request(method, port, "localhost", "/client/v4" + path);
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return send(request, body);
  }

  HttpResponse<Buffer> cfGet(String path, String token) {
    return cf(HttpMethod.GET, path, token, null);
  }

  HttpResponse<Buffer> sim(HttpMethod method, String path, Object body) {
    return send(http.request(method, port, "localhost", "/sim" + path), body);
  }

  private static HttpResponse<Buffer> send(HttpRequest<Buffer> request, Object body) {
    if (body == null) {
      return request.send().await();
    }
    String text = body instanceof String raw ? raw : body.toString();
    return request.sendBuffer(Buffer.buffer(text)).await();
  }

  /**
   * A request to the Worker itself at {@code /sim/edge/{account}/{script}{path}}, with the
   * version-overrides header when {@code overrides} is not null.
   */
  HttpResponse<Buffer> edge(HttpMethod method, String accountId, String script, String path, String overrides) {
    HttpRequest<Buffer> request = http.request(method, port, "localhost",
      "/sim/edge/" + accountId + "/" + script + path);
    if (overrides != null) {
      request.putHeader("Cloudflare-Workers-Version-Overrides", overrides);
    }
    return request.send().await();
  }

  /** A GET to the Worker's root that must be answered, 200 or 500; returns the version that answered. */
  String edgeVersion(String accountId, String script, String overrides) {
    HttpResponse<Buffer> res = edge(HttpMethod.GET, accountId, script, "/", overrides);
    assertThat(res.statusCode()).as(res.bodyAsString()).isIn(200, 500);
    String version = res.bodyAsJsonObject().getString("versionId");
    assertThat(res.getHeader("x-sim-version")).isEqualTo(version);
    return version;
  }

  /** Registers a fresh token for the account and returns it. */
  String token(String accountId) {
    String token = "tok-" + UUID.randomUUID();
    HttpResponse<Buffer> res = sim(HttpMethod.POST, "/tokens",
      new JsonObject().put("token", token).put("accountId", accountId));
    assertThat(res.statusCode()).isEqualTo(201);
    return token;
  }

  /** Creates a Worker and returns its first version id. */
  String worker(String accountId, String script, double rps) {
    HttpResponse<Buffer> res = sim(HttpMethod.POST, "/accounts/" + accountId + "/workers/" + script,
      new JsonObject().put("rps", rps));
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    return res.bodyAsJsonObject().getString("versionId");
  }

  /** Uploads a version with the given profile fields and returns its id. */
  String version(String accountId, String script, JsonObject profile) {
    HttpResponse<Buffer> res = sim(HttpMethod.POST, "/accounts/" + accountId + "/workers/" + script + "/versions",
      profile);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    return res.bodyAsJsonObject().getString("id");
  }

  HttpResponse<Buffer> deploy(String accountId, String script, String token, JsonArray versions) {
    JsonObject body = new JsonObject().put("strategy", "percentage").put("versions", versions);
    return cf(HttpMethod.POST, "/accounts/" + accountId + "/workers/scripts/" + script + "/deployments", token, body);
  }

  static JsonArray split(String versionId, double percentage) {
    return new JsonArray().add(new JsonObject().put("version_id", versionId).put("percentage", percentage));
  }

  static JsonArray split(String first, double firstPercentage, String second, double secondPercentage) {
    return split(first, firstPercentage)
      .add(new JsonObject().put("version_id", second).put("percentage", secondPercentage));
  }

  HttpResponse<Buffer> query(String accountId, String token, Object body) {
    return cf(HttpMethod.POST, "/accounts/" + accountId + "/workers/observability/telemetry/query", token, body);
  }

  /** Runs a query that must succeed and returns its result. */
  JsonObject result(String accountId, String token, JsonObject body) {
    HttpResponse<Buffer> res = query(accountId, token, body);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject().getJsonObject("result");
  }

  static JsonObject profile(double p50, double p99, double errorRate) {
    return new JsonObject()
      .put("latencyMs", new JsonObject().put("p50", p50).put("p99", p99))
      .put("errorRate", errorRate);
  }

  static JsonArray aggregates(JsonObject result, int calculation) {
    return result.getJsonArray("calculations").getJsonObject(calculation).getJsonArray("aggregates");
  }

  /** The aggregates of one calculation keyed by their group values joined with "|". */
  static java.util.Map<String, JsonObject> byGroup(JsonObject result, int calculation) {
    java.util.Map<String, JsonObject> byGroup = new java.util.HashMap<>();
    for (Object item : aggregates(result, calculation)) {
      JsonObject aggregate = (JsonObject) item;
      StringBuilder key = new StringBuilder();
      for (Object group : aggregate.getJsonArray("groups", new JsonArray())) {
        key.append(key.length() == 0 ? "" : "|").append(((JsonObject) group).getValue("value"));
      }
      byGroup.put(key.toString(), aggregate);
    }
    return byGroup;
  }
}
