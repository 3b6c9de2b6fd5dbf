package dev.hmd.testing;

import dev.hmd.sim.SimOptions;
import dev.hmd.sim.SimulatorVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** A Cloudflare simulator on a free port, and a client for its /sim control endpoints. */
public final class TestSimulator implements AutoCloseable {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final int port;
  private final WebClient http;

  private TestSimulator(Vertx vertx, int port) {
    this.vertx = vertx;
    this.port = port;
    this.http = WebClient.create(vertx);
  }

  public static TestSimulator start() {
    return start(SimOptions.defaults());
  }

  public static TestSimulator start(SimOptions options) {
    Vertx vertx = Vertx.vertx();
    SimulatorVerticle sim = new SimulatorVerticle(0, options);
    vertx.deployVerticle(sim).await();
    return new TestSimulator(vertx, sim.actualPort());
  }

  /** What the service's HMD_CLOUDFLARE_API_BASE should be. */
  public String apiBase() {
    return "http://localhost:" + port + "/client/v4";
  }

  public int port() {
    return port;
  }

  /** A fresh account id (32 hex) with a token registered for it. */
  public Account newAccount() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    String accountId = HexFormat.of().formatHex(bytes);
    String token = "cf-token-" + HexFormat.of().formatHex(bytes).substring(0, 20);
    control(HttpMethod.POST, "/sim/tokens", new JsonObject().put("token", token).put("accountId", accountId), 201);
    return new Account(accountId, token);
  }

  /** Creates a Worker with a first version at 100%; returns that version's id. */
  public String newWorker(Account account, String script, int rps) {
    return control(HttpMethod.POST, "/sim/accounts/" + account.accountId() + "/workers/" + script,
      new JsonObject().put("rps", rps), 201).getString("versionId");
  }

  /** Uploads a version (not deployed) with the given profile; returns its id. */
  public String newVersion(Account account, String script, JsonObject profile) {
    return control(HttpMethod.POST, "/sim/accounts/" + account.accountId() + "/workers/" + script + "/versions",
      profile, 201).getString("id");
  }

  public void changeVersion(Account account, String script, String versionId, JsonObject profile) {
    control(HttpMethod.PATCH, "/sim/accounts/" + account.accountId() + "/workers/" + script + "/versions/" + versionId,
      profile, 200);
  }

  /** The Worker's deployments' splits, oldest first. */
  public List<JsonArray> splits(Account account, String script) {
    JsonArray deployments = worker(account, script).getJsonArray("deployments");
    List<JsonArray> splits = new ArrayList<>();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      splits.add(deployments.getJsonObject(i).getJsonArray("versions"));
    }
    return splits;
  }

  public JsonObject worker(Account account, String script) {
    return control(HttpMethod.GET, "/sim/accounts/" + account.accountId() + "/workers/" + script, null, 200);
  }

  public void faults(JsonObject faults) {
    control(HttpMethod.PUT, "/sim/faults", faults, 200);
  }

  /** Calls a Cloudflare endpoint of the simulator directly, as somebody outside the service would. */
  public HttpResponse<Buffer> cloudflare(HttpMethod method, String path, String token, JsonObject body) {
    var request = http.request(method, port, "localhost", "/client/v4" + path)
      .putHeader("Authorization", "Bearer " + token);
    return (body == null ? request.send() : request.sendJsonObject(body)).await();
  }

  private JsonObject control(HttpMethod method, String path, JsonObject body, int expected) {
    var request = http.request(method, port, "localhost", path);
    HttpResponse<Buffer> res = (body == null ? request.send() : request.sendJsonObject(body)).await();
    if (res.statusCode() != expected) {
      throw new IllegalStateException(method + " " + path + " answered " + res.statusCode() + ": "
        + res.bodyAsString());
    }
    return res.body() == null || res.body().length() == 0 ? new JsonObject() : res.bodyAsJsonObject();
  }

  @Override
  public void close() {
    vertx.close().await();
  }

  /** A simulated Cloudflare account and a token bound to it. */
  public record Account(String accountId, String token) {
  }
}
