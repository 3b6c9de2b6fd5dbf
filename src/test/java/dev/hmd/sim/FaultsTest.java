package dev.hmd.sim;

import static dev.hmd.sim.SimHarness.START;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@WithSimulator
class FaultsTest {

  static SimHarness sim;
  static String account;
  static String token;
  static String firstVersion;

  @BeforeAll
  static void start() {
    account = SimHarness.account("faults");
    token = sim.token(account);
    firstVersion = sim.worker(account, "svc", 10);
  }

  @AfterEach
  void clear() {
    assertThat(sim.sim(HttpMethod.DELETE, "/faults", null).statusCode()).isEqualTo(204);
  }

  private static HttpResponse<Buffer> faults(JsonObject faults) {
    return sim.sim(HttpMethod.PUT, "/faults", faults);
  }

  private static HttpResponse<Buffer> deploy(String script, String versionId) {
    return sim.deploy(account, script, token, SimHarness.split(versionId, 100));
  }

  private static int deploymentCount(String script) {
    return sim.sim(HttpMethod.GET, "/accounts/" + account + "/workers/" + script, null).bodyAsJsonObject()
      .getJsonArray("deployments").size();
  }

  private static HttpResponse<Buffer> versions() {
    return sim.cfGet("/accounts/" + account + "/workers/scripts/svc/versions", token);
  }

  @Test
  @DisplayName("errorRate 1 answers every Cloudflare call with a 5xx error envelope, but never /sim")
  void serverErrors() {
    assertThat(faults(new JsonObject().put("errorRate", 1.0)).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> res = versions();
    assertThat(res.statusCode()).isEqualTo(500);
    assertThat(res.bodyAsJsonObject().getBoolean("success")).isFalse();
    assertThat(res.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getInteger("code"))
      .isGreaterThanOrEqualTo(1000);
    assertThat(sim.sim(HttpMethod.GET, "/accounts/" + account + "/workers/svc", null).statusCode()).isEqualTo(200);

    faults(new JsonObject().put("errorRate", 1.0).put("errorStatus", 503));
    assertThat(versions().statusCode()).isEqualTo(503);
  }

  @Test
  @DisplayName("errorRate 0.5 fails about half the calls")
  void partialErrors() {
    faults(new JsonObject().put("errorRate", 0.5));
    int failed = 0;
    for (int i = 0; i < 200; i++) {
      failed += versions().statusCode() == 500 ? 1 : 0;
    }
    assertThat(failed).isBetween(60, 140);
  }

  @Test
  @DisplayName("rateLimitRate 1 answers 429, code 971, with the configured retry-after")
  void rateLimited() {
    faults(new JsonObject().put("rateLimitRate", 1.0));
    HttpResponse<Buffer> res = versions();
    assertThat(res.statusCode()).isEqualTo(429);
    assertThat(res.getHeader("retry-after")).isEqualTo("1");
    assertThat(res.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getInteger("code")).isEqualTo(971);
    faults(new JsonObject().put("rateLimitRate", 1.0).put("retryAfterSeconds", 7));
    assertThat(versions().getHeader("retry-after")).isEqualTo("7");
  }

  @Test
  @DisplayName("latencyMs delays every Cloudflare answer by at least that much")
  void slowAnswers() {
    faults(new JsonObject().put("latencyMs", 300));
    long started = System.nanoTime();
    HttpResponse<Buffer> res = versions();
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(elapsedMs).isGreaterThanOrEqualTo(300);
  }

  @Test
  @DisplayName("telemetryLagSeconds hides telemetry younger than the lag until time passes")
  void lateTelemetry() {
    try (SimHarness own = SimHarness.start()) {
      String ownAccount = SimHarness.account("faults-lag");
      String ownToken = own.token(ownAccount);
      own.worker(ownAccount, "svc", 10);
      own.advance(Duration.ofSeconds(61));
      own.sim(HttpMethod.PUT, "/faults", new JsonObject().put("telemetryLagSeconds", 30));
      // seconds 1..60 happened; with 30 s of lag only seconds 1..30 are visible at t = 61 s
      assertThat(TrafficTest.count(own, ownAccount, ownToken, START, START + 61_000)).isEqualTo(30 * 10);
      own.advance(Duration.ofSeconds(30));
      assertThat(TrafficTest.count(own, ownAccount, ownToken, START, START + 61_000)).isEqualTo(60 * 10);
    }
  }

  @Test
  @DisplayName("PUT {} clears every fault; GET shows the faults in force")
  void clearWithEmptyBody() {
    faults(new JsonObject().put("errorRate", 1.0).put("latencyMs", 5));
    assertThat(sim.sim(HttpMethod.GET, "/faults", null).bodyAsJsonObject().getDouble("errorRate")).isEqualTo(1.0);
    assertThat(faults(new JsonObject()).statusCode()).isEqualTo(200);
    assertThat(versions().statusCode()).isEqualTo(200);
    assertThat(sim.sim(HttpMethod.GET, "/faults", null).bodyAsJsonObject())
      .isEqualTo(Faults.NONE.toJson());
  }

  @Test
  @DisplayName(
    "refuseDeployments answers every deployment 400 with that code and message and changes nothing, until cleared")
  void refuseDeployments() {
    JsonObject refusal = new JsonObject().put("code", 10220).put("message", "rollback refused: a secret changed");
    assertThat(faults(new JsonObject().put("refuseDeployments", refusal)).statusCode()).isEqualTo(200);
    assertThat(sim.sim(HttpMethod.GET, "/faults", null).bodyAsJsonObject().getJsonObject("refuseDeployments"))
      .isEqualTo(refusal);
    int before = deploymentCount("svc");

    for (Object body : new Object[] {SimHarness.split(firstVersion, 100), "{not json"}) {
      HttpResponse<Buffer> res = body instanceof String raw
        ? sim.cf(HttpMethod.POST, "/accounts/" + account + "/workers/scripts/svc/deployments", token, raw)
        : deploy("svc", firstVersion);
      assertThat(res.statusCode()).isEqualTo(400);
      assertThat(res.bodyAsJsonObject()).isEqualTo(new JsonObject()
        .put("success", false)
        .put("errors", new JsonArray().add(refusal))
        .put("messages", new JsonArray())
        .putNull("result"));
    }
    assertThat(deploymentCount("svc")).isEqualTo(before);
    // only deployments: the other Cloudflare calls go on
    assertThat(versions().statusCode()).isEqualTo(200);

    assertThat(faults(new JsonObject()).statusCode()).isEqualTo(200);
    assertThat(sim.sim(HttpMethod.GET, "/faults", null).bodyAsJsonObject().getValue("refuseDeployments")).isNull();
    assertThat(deploy("svc", firstVersion).statusCode()).isEqualTo(200);
    assertThat(deploymentCount("svc")).isEqualTo(before + 1);

    faults(new JsonObject().put("refuseDeployments", refusal));
    assertThat(deploy("svc", firstVersion).statusCode()).isEqualTo(400);
    assertThat(sim.sim(HttpMethod.DELETE, "/faults", null).statusCode()).isEqualTo(204);
    assertThat(deploy("svc", firstVersion).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("refuseDeployments.scripts refuses only the deployments of those scripts")
  void refuseDeploymentsOfSomeScripts() {
    String otherVersion = sim.worker(account, "refuse-other", 1);
    JsonObject refusal = new JsonObject().put("code", 10021).put("message", "nope").put("scripts",
      new JsonArray().add("svc").add("ghost"));
    assertThat(faults(new JsonObject().put("refuseDeployments", refusal)).statusCode()).isEqualTo(200);
    assertThat(sim.sim(HttpMethod.GET, "/faults", null).bodyAsJsonObject().getJsonObject("refuseDeployments"))
      .isEqualTo(refusal);
    HttpResponse<Buffer> refused = deploy("svc", firstVersion);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getInteger("code")).isEqualTo(10021);
    assertThat(deploy("refuse-other", otherVersion).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName(
    "malformed refuseDeployments and overridePropagationSeconds are 400 problems naming the field, never 500s")
  void refusalValidation() {
    faults(new JsonObject().put("latencyMs", 1));
    JsonObject inForce = sim.sim(HttpMethod.GET, "/faults", null).bodyAsJsonObject();
    Object[][] cases = {
      {new JsonObject().put("refuseDeployments", true), "refuseDeployments"},
      {new JsonObject().put("refuseDeployments", "10220"), "refuseDeployments"},
      {refusal(999, "m"), "refuseDeployments.code"},
      {refusal(10220.5, "m"), "refuseDeployments.code"},
      {refusal("10220", "m"), "refuseDeployments.code"},
      {refusal(1L << 40, "m"), "refuseDeployments.code"},
      {refusal(10220, ""), "refuseDeployments.message"},
      {refusal(10220, "   "), "refuseDeployments.message"},
      {refusal(10220, "x".repeat(501)), "refuseDeployments.message"},
      {refusal(10220, 42), "refuseDeployments.message"},
      {new JsonObject().put("refuseDeployments", new JsonObject().put("code", 10220)), "refuseDeployments.message"},
      {new JsonObject().put("refuseDeployments", new JsonObject().put("message", "m")), "refuseDeployments.code"},
      {new JsonObject().put("refuseDeployments", new JsonObject().put("code", 10220).put("message", "m").put("why", 1)),
        "refuseDeployments.why"},
      {new JsonObject().put("refuseDeployments", new JsonObject().put("code", 10220).put("message", "m")
        .put("scripts", new JsonArray())), "refuseDeployments.scripts"},
      {new JsonObject().put("refuseDeployments", new JsonObject().put("code", 10220).put("message", "m")
        .put("scripts", new JsonArray().add("Bad Name"))), "refuseDeployments.scripts[0]"},
      {new JsonObject().put("refuseDeployments", new JsonObject().put("code", 10220).put("message", "m")
        .put("scripts", "svc")), "refuseDeployments.scripts"},
      {new JsonObject().put("overridePropagationSeconds", -1), "overridePropagationSeconds"},
      {new JsonObject().put("overridePropagationSeconds", 1.5), "overridePropagationSeconds"},
      {new JsonObject().put("overridePropagationSeconds", "2"), "overridePropagationSeconds"}};
    for (Object[] bad : cases) {
      HttpResponse<Buffer> res = faults((JsonObject) bad[0]);
      assertThat(res.statusCode()).as(bad[0].toString()).isEqualTo(400);
      assertThat(res.getHeader("content-type")).isEqualTo("application/problem+json");
      assertThat(res.bodyAsJsonObject().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")))
        .as(bad[0].toString()).contains((String) bad[1]);
    }
    assertThat(sim.sim(HttpMethod.GET, "/faults", null).bodyAsJsonObject()).isEqualTo(inForce);
    assertThat(faults(refusal(1000, "x".repeat(500))).statusCode()).isEqualTo(200);
  }

  private static JsonObject refusal(Object code, Object message) {
    return new JsonObject().put("refuseDeployments", new JsonObject().put("code", code).put("message", message));
  }

  @Test
  @DisplayName("invalid faults are 400 problems and change nothing")
  void validation() {
    for (JsonObject bad : new JsonObject[] {new JsonObject().put("errorRate", 2), new JsonObject().put("latencyMs", -1),
      new JsonObject().put("errorStatus", 404), new JsonObject().put("telemetryLagSeconds", 1.5),
      new JsonObject().put("chaos", true)}) {
      HttpResponse<Buffer> res = faults(bad);
      assertThat(res.statusCode()).as(bad.encode()).isEqualTo(400);
      assertThat(res.getHeader("content-type")).isEqualTo("application/problem+json");
    }
    assertThat(sim.sim(HttpMethod.GET, "/faults", null).bodyAsJsonObject()).isEqualTo(Faults.NONE.toJson());
  }
}
