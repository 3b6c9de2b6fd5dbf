package dev.hmd.cli;

import dev.hmd.app.Service;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the demo creates, through the same HTTP APIs a user would call: a simulated Worker with a
 * deployed version, a healthy new version and a faulty one; a demo tenant whose admin key is
 * kept in {@code .hmd/demo-api-key}; a connection to the Worker; a plan with short soaks. A
 * restart finds the tenant, key and connection again (the simulator starts empty each time, so
 * the Worker and its versions are made anew under the same account and token).
 */
final class DemoSeed {

  static final String ACCOUNT_ID = "de000000000000000000000000000001";
  static final String WORKER = "demo-worker";
  /** A simulator token: it only ever opens the in-process simulator. */
  static final String CLOUDFLARE_TOKEN = "demo-cloudflare-token-not-a-secret";

  record Result(List<String> describe) {
  }

  private final WebClient http;
  private final int servicePort;
  private final int simPort;
  private final String adminToken;

  private DemoSeed(WebClient http, int servicePort, int simPort, String adminToken) {
    this.http = http;
    this.servicePort = servicePort;
    this.simPort = simPort;
    this.adminToken = adminToken;
  }

  static Result seed(Service service, int simPort, Path keyFile) {
    DemoSeed seed = new DemoSeed(WebClient.create(service.vertx()), service.httpPort(), simPort,
      service.config().adminToken().orElseThrow());
    try {
      return seed.run(keyFile);
    } finally {
      seed.http.close();
    }
  }

  private Result run(Path keyFile) {
    sim(HttpMethod.POST, "/sim/tokens", new JsonObject().put("token", CLOUDFLARE_TOKEN).put("accountId", ACCOUNT_ID));
    String worker = "/sim/accounts/" + ACCOUNT_ID + "/workers/" + WORKER;
    String current = sim(HttpMethod.POST, worker, new JsonObject().put("rps", 50)).getString("versionId");
    String healthy = sim(HttpMethod.POST, worker + "/versions",
      new JsonObject().put("message", "v2: healthy, faster cart")
      .put("latencyMs", new JsonObject().put("p50", 35).put("p99", 220)).put("errorRate", 0.001)).getString("id");
    String faulty = sim(HttpMethod.POST, worker + "/versions",
      new JsonObject().put("message", "v3: faulty (5% errors, p99 900 ms)")
      .put("latencyMs", new JsonObject().put("p50", 80).put("p99", 900)).put("errorRate", 0.05)).getString("id");

    String key = existingKey(keyFile);
    if (key == null) {
      JsonObject tenant = api(HttpMethod.POST, "/v1/admin/tenants", adminToken, new JsonObject().put("name", "Demo"),
        201);
      key = tenant.getJsonObject("apiKey").getString("key");
      writeKey(keyFile, key);
    }
    JsonArray connections = api(HttpMethod.GET, "/v1/connections", key, null, 200).getJsonArray("items");
    String connectionId = null;
    for (int i = 0; i < connections.size(); i++) {
      if (WORKER.equals(connections.getJsonObject(i).getString("workerName"))) {
        connectionId = connections.getJsonObject(i).getString("id");
      }
    }
    if (connectionId == null) {
      connectionId = api(HttpMethod.POST, "/v1/connections", key, new JsonObject().put("name", "Demo Worker")
        .put("accountId", ACCOUNT_ID).put("workerName", WORKER).put("apiToken", CLOUDFLARE_TOKEN), 201).getString("id");
    }
    if (api(HttpMethod.GET, "/v1/connections/" + connectionId + "/plan", key, null, 200).getInteger("revision") == 0) {
      api(HttpMethod.PUT, "/v1/connections/" + connectionId + "/plan", key, demoPlan(), 200);
    }
    return new Result(List.of(
      "Admin API key:        " + key + "  (also in " + keyFile + ")",
      "Connection:           " + connectionId + " -> Worker " + WORKER + " (simulated account " + ACCOUNT_ID + ")",
      "Versions:             " + current + " (serving), " + healthy + " (healthy), " + faulty + " (faulty)"));
  }

  /** Short soaks so a release finishes in about a minute; thresholds the faulty version breaks. */
  static JsonObject demoPlan() {
    return new JsonObject()
      .put("stages", new JsonArray()
        .add(new JsonObject().put("targetPercent", 10).put("soakSeconds", 20).put("autoProgress", true)
          .put("description", "canary"))
        .add(new JsonObject().put("targetPercent", 50).put("soakSeconds", 20).put("autoProgress", true)
          .put("description", "half"))
        .add(new JsonObject().put("targetPercent", 100).put("soakSeconds", 20).put("autoProgress", true)
          .put("description", "all")))
      .put("slos", new JsonArray()
        .add(new JsonObject().put("sli", "latency_p99").put("threshold", 500))
        .add(new JsonObject().put("sli", "error_rate").put("threshold", 0.01)))
      .put("pollIntervalSeconds", 5).put("minRequests", 20).put("failureThreshold", 1)
      .put("onInsufficientData", "pause").putNull("approvalTimeoutSeconds");
  }

  private String existingKey(Path keyFile) {
    try {
      if (!Files.exists(keyFile)) {
        return null;
      }
      String key = Files.readString(keyFile).trim();
      HttpResponse<Buffer> res = http.get(servicePort, "localhost", "/v1/session")
        .putHeader("Authorization", "Bearer " + key).send().await();
      return res.statusCode() == 200 ? key : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static void writeKey(Path keyFile, String key) {
    try {
      Files.createDirectories(keyFile.getParent());
      Files.writeString(keyFile, key + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + keyFile, e);
    }
  }

  private JsonObject sim(HttpMethod method, String path, JsonObject body) {
    HttpResponse<Buffer> res = send(http.request(method, simPort, "localhost", path), body);
    if (res.statusCode() >= 300) {
      throw new IllegalStateException("simulator " + method + " " + path + ": " + res.statusCode() + " "
        + res.bodyAsString());
    }
    return res.body() == null ? new JsonObject() : res.bodyAsJsonObject();
  }

  private JsonObject api(HttpMethod method, String path, String bearer, JsonObject body, int expected) {
    HttpResponse<Buffer> res = send(http.request(method, servicePort, "localhost", path)
      .putHeader("Authorization", "Bearer " + bearer), body);
    if (res.statusCode() != expected) {
      throw new IllegalStateException("demo set-up " + method + " " + path + ": " + res.statusCode() + " "
        + res.bodyAsString());
    }
    return res.bodyAsJsonObject();
  }

  private static HttpResponse<Buffer> send(io.vertx.ext.web.client.HttpRequest<Buffer> request, JsonObject body) {
    Future<HttpResponse<Buffer>> sent = body == null ? request.send() : request.sendJsonObject(body);
    return sent.await();
  }
}
