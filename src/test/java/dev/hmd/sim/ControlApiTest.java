package dev.hmd.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@WithSimulator
class ControlApiTest {

  static SimHarness sim;

  @Test
  @DisplayName("POST /sim/tokens registers a token and answers its public id, never the token")
  void registerToken() {
    String account = SimHarness.account("control-token");
    HttpResponse<Buffer> res = sim.sim(HttpMethod.POST, "/tokens",
      new JsonObject().put("token", "secret-token-value").put("accountId", account));
    assertThat(res.statusCode()).isEqualTo(201);
    assertThat(res.bodyAsJsonObject().getString("accountId")).isEqualTo(account);
    assertThat(res.bodyAsJsonObject().getString("id")).hasSize(32);
    assertThat(res.bodyAsString()).doesNotContain("secret-token-value");
  }

  @Test
  @DisplayName("POST /sim/tokens refuses a missing token and a malformed account id, naming each field")
  void registerTokenValidation() {
    HttpResponse<Buffer> res = sim.sim(HttpMethod.POST, "/tokens", new JsonObject().put("accountId", "xyz"));
    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.getHeader("content-type")).isEqualTo("application/problem+json");
    assertThat(res.bodyAsJsonObject().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")))
      .containsExactlyInAnyOrder("token", "accountId");
  }

  @Test
  @DisplayName("a body that is not JSON, or is an array, is a 400 problem, never a 500")
  void malformedBodies() {
    for (String body : new String[] {"{not json", "[1,2]", "42", "\"text\""}) {
      HttpResponse<Buffer> res = sim.sim(HttpMethod.POST, "/tokens", body);
      assertThat(res.statusCode()).as(body).isEqualTo(400);
      assertThat(res.bodyAsJsonObject().getInteger("status")).isEqualTo(400);
    }
    HttpResponse<Buffer> faults = sim.sim(HttpMethod.PUT, "/faults", "{oops");
    assertThat(faults.statusCode()).isEqualTo(400);
  }

  @Test
  @DisplayName("POST .../workers/{script} creates a Worker whose first version serves 100%")
  void createWorker() {
    String account = SimHarness.account("control-create");
    HttpResponse<Buffer> res = sim.sim(HttpMethod.POST, "/accounts/" + account + "/workers/shop-api", null);
    assertThat(res.statusCode()).isEqualTo(201);
    JsonObject created = res.bodyAsJsonObject();
    assertThat(created.getString("script")).isEqualTo("shop-api");
    String versionId = created.getString("versionId");

    JsonObject state = sim.sim(HttpMethod.GET, "/accounts/" + account + "/workers/shop-api", null).bodyAsJsonObject();
    assertThat(state.getValue("rps")).isEqualTo(50);
    JsonObject deployment = state.getJsonArray("deployments").getJsonObject(0);
    assertThat(deployment.getString("id")).isNotBlank();
    assertThat(deployment.getString("createdOn")).isNotBlank();
    assertThat(deployment.getJsonArray("versions")).containsExactly(
      new JsonObject().put("versionId", versionId).put("percentage", 100));
  }

  @Test
  @DisplayName("creating the same Worker twice is a 409; bad names are 400s")
  void createWorkerConflictsAndNames() {
    String account = SimHarness.account("control-conflict");
    sim.worker(account, "dup", 1);
    assertThat(sim.sim(HttpMethod.POST, "/accounts/" + account + "/workers/dup", null).statusCode()).isEqualTo(409);
    assertThat(sim.sim(HttpMethod.POST, "/accounts/" + account + "/workers/Bad-Name", null).statusCode())
      .isEqualTo(400);
    assertThat(sim.sim(HttpMethod.POST, "/accounts/not-hex/workers/fine", null).statusCode()).isEqualTo(400);
    assertThat(sim.sim(HttpMethod.POST, "/accounts/" + account + "/workers/neg", new JsonObject().put("rps", -1))
      .statusCode()).isEqualTo(400);
    assertThat(sim.sim(HttpMethod.POST, "/accounts/" + account + "/workers/str", new JsonObject().put("rps", "many"))
      .statusCode()).isEqualTo(400);
  }

  @Test
  @DisplayName("POST .../versions uploads without deploying and answers {id, number}")
  void uploadVersion() {
    String account = SimHarness.account("control-upload");
    String first = sim.worker(account, "svc", 1);
    HttpResponse<Buffer> res = sim.sim(HttpMethod.POST, "/accounts/" + account + "/workers/svc/versions",
      new JsonObject().put("message", "faster").put("latencyMs", new JsonObject().put("p50", 20).put("p99", 90))
        .put("cpuMs", new JsonObject().put("p50", 2).put("p99", 8)).put("errorRate", 0.02));
    assertThat(res.statusCode()).isEqualTo(201);
    assertThat(res.bodyAsJsonObject().getInteger("number")).isEqualTo(2);
    String second = res.bodyAsJsonObject().getString("id");

    JsonObject state = sim.sim(HttpMethod.GET, "/accounts/" + account + "/workers/svc", null).bodyAsJsonObject();
    assertThat(state.getJsonArray("deployments")).hasSize(1);
    assertThat(state.getJsonArray("deployments").getJsonObject(0).getJsonArray("versions").getJsonObject(0)
      .getString("versionId")).isEqualTo(first);
    JsonObject uploaded = state.getJsonArray("versions").getJsonObject(0);
    assertThat(uploaded.getString("id")).isEqualTo(second);
    assertThat(uploaded.getJsonObject("profile")).isEqualTo(new JsonObject()
      .put("latencyMs", new JsonObject().put("p50", 20).put("p99", 90))
      .put("cpuMs", new JsonObject().put("p50", 2).put("p99", 8))
      .put("errorRate", 0.02)
      .put("serverErrorRate", 0.0));
  }

  @Test
  @DisplayName(
    "an omitted profile takes the documented defaults: 40/250 ms, CPU 5/20 ms, 0.1% errors, no server errors")
  void defaultProfile() {
    String account = SimHarness.account("control-default-profile");
    sim.worker(account, "svc", 1);
    sim.version(account, "svc", new JsonObject());
    JsonObject profile = sim.sim(HttpMethod.GET, "/accounts/" + account + "/workers/svc", null).bodyAsJsonObject()
      .getJsonArray("versions").getJsonObject(0).getJsonObject("profile");
    assertThat(profile).isEqualTo(new JsonObject()
      .put("latencyMs", new JsonObject().put("p50", 40).put("p99", 250))
      .put("cpuMs", new JsonObject().put("p50", 5).put("p99", 20))
      .put("errorRate", 0.001)
      .put("serverErrorRate", 0.0));
  }

  @Test
  @DisplayName("profile validation: p99 below p50, negative times, errorRate above 1 and unknown fields are 400s")
  void profileValidation() {
    String account = SimHarness.account("control-profile-validation");
    sim.worker(account, "svc", 1);
    String path = "/accounts/" + account + "/workers/svc/versions";
    JsonObject[] bad = {
      new JsonObject().put("latencyMs", new JsonObject().put("p50", 100).put("p99", 50)),
      new JsonObject().put("cpuMs", new JsonObject().put("p50", -1)),
      new JsonObject().put("errorRate", 1.5),
      new JsonObject().put("latencyMs", 5),
      new JsonObject().put("speed", 1)};
    for (JsonObject body : bad) {
      HttpResponse<Buffer> res = sim.sim(HttpMethod.POST, path, body);
      assertThat(res.statusCode()).as(body.encode()).isEqualTo(400);
      assertThat(res.bodyAsJsonObject().getJsonArray("errors")).as(body.encode()).isNotEmpty();
    }
  }

  @Test
  @DisplayName("PATCH .../versions/{id} changes the profile; omitted fields keep their values; unknown ids are 404")
  void patchVersion() {
    String account = SimHarness.account("control-patch");
    sim.worker(account, "svc", 1);
    String version = sim.version(account, "svc", SimHarness.profile(30, 100, 0.01));
    HttpResponse<Buffer> res = sim.sim(HttpMethod.PATCH, "/accounts/" + account + "/workers/svc/versions/" + version,
      new JsonObject().put("errorRate", 0.5).put("latencyMs", new JsonObject().put("p99", 900)));
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().getJsonObject("profile").getDouble("errorRate")).isEqualTo(0.5);
    assertThat(res.bodyAsJsonObject().getJsonObject("profile").getJsonObject("latencyMs"))
      .isEqualTo(new JsonObject().put("p50", 30).put("p99", 900));
    assertThat(sim.sim(HttpMethod.PATCH, "/accounts/" + account + "/workers/svc/versions/nope",
      new JsonObject().put("errorRate", 0.5)).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("serverErrorRate is set on upload and by PATCH, shown in the profile, and refused outside 0..1 or when "
    + "errorRate + serverErrorRate exceeds 1")
  void serverErrorRate() {
    String account = SimHarness.account("control-server-error-rate");
    sim.worker(account, "svc", 1);
    String path = "/accounts/" + account + "/workers/svc/versions";
    String version = sim.version(account, "svc", new JsonObject().put("errorRate", 0.7).put("serverErrorRate", 0.3));
    assertThat(profile(account, version).getDouble("serverErrorRate")).isEqualTo(0.3);

    JsonObject[] badUploads = {
      new JsonObject().put("serverErrorRate", 1.5),
      new JsonObject().put("serverErrorRate", -0.1),
      new JsonObject().put("serverErrorRate", "high"),
      new JsonObject().put("serverErrorRate", true),
      new JsonObject().put("errorRate", 0.6).put("serverErrorRate", 0.5)};
    for (JsonObject body : badUploads) {
      HttpResponse<Buffer> res = sim.sim(HttpMethod.POST, path, body);
      assertThat(res.statusCode()).as(body.encode()).isEqualTo(400);
      assertThat(res.getHeader("content-type")).isEqualTo("application/problem+json");
      assertThat(res.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"))
        .as(body.encode()).isEqualTo("serverErrorRate");
    }

    // a PATCH of one rate is checked against the other one kept from the profile
    for (JsonObject body : new JsonObject[] {new JsonObject().put("serverErrorRate", 0.31),
      new JsonObject().put("errorRate", 0.71)}) {
      HttpResponse<Buffer> res = sim.sim(HttpMethod.PATCH, path + "/" + version, body);
      assertThat(res.statusCode()).as(body.encode()).isEqualTo(400);
    }
    assertThat(profile(account, version).getDouble("errorRate")).isEqualTo(0.7);
    assertThat(profile(account, version).getDouble("serverErrorRate")).isEqualTo(0.3);

    HttpResponse<Buffer> res = sim.sim(HttpMethod.PATCH, path + "/" + version,
      new JsonObject().put("errorRate", 0.1).put("serverErrorRate", 0.05));
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().getJsonObject("profile").getDouble("serverErrorRate")).isEqualTo(0.05);
    res = sim.sim(HttpMethod.PATCH, path + "/" + version,
      new JsonObject().put("latencyMs", new JsonObject().put("p99", 500)));
    assertThat(res.bodyAsJsonObject().getJsonObject("profile").getDouble("serverErrorRate")).isEqualTo(0.05);
    assertThat(profile(account, version).getDouble("errorRate")).isEqualTo(0.1);
  }

  private static JsonObject profile(String account, String versionId) {
    JsonObject state = sim.sim(HttpMethod.GET, "/accounts/" + account + "/workers/svc", null).bodyAsJsonObject();
    return state.getJsonArray("versions").stream().map(JsonObject.class::cast)
      .filter(version -> version.getString("id").equals(versionId)).findFirst().orElseThrow().getJsonObject("profile");
  }

  @Test
  @DisplayName("PATCH .../workers/{script} changes rps; unknown Workers are 404")
  void patchWorker() {
    String account = SimHarness.account("control-rps");
    sim.worker(account, "svc", 10);
    HttpResponse<Buffer> res = sim.sim(HttpMethod.PATCH, "/accounts/" + account + "/workers/svc",
      new JsonObject().put("rps", 7));
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(sim.sim(HttpMethod.GET, "/accounts/" + account + "/workers/svc", null).bodyAsJsonObject()
      .getValue("rps"))
      .isEqualTo(7);
    assertThat(sim.sim(HttpMethod.PATCH, "/accounts/" + account + "/workers/ghost", new JsonObject().put("rps", 7))
      .statusCode()).isEqualTo(404);
    assertThat(sim.sim(HttpMethod.GET, "/accounts/" + account + "/workers/ghost", null).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("GET .../workers/{script} counts requests and errors per version")
  void trafficCounts() {
    String account = SimHarness.account("control-traffic");
    String first = sim.worker(account, "svc", 100);
    sim.advance(Duration.ofSeconds(61));
    JsonObject traffic = sim.sim(HttpMethod.GET, "/accounts/" + account + "/workers/svc", null).bodyAsJsonObject()
      .getJsonObject("traffic");
    assertThat(traffic.fieldNames()).containsExactly(first);
    // created at second 0, traffic from second 1; seconds 1..60 are over at t = 61 s
    assertThat(traffic.getJsonObject(first).getLong("requests")).isEqualTo(60 * 100);
    assertThat(traffic.getJsonObject(first).getLong("errors")).isBetween(0L, 30L);
    assertThat(traffic.getJsonObject(first).getLong("serverErrors")).isZero();
  }

  @Test
  @DisplayName("unknown control paths are 404 problems")
  void unknownControlPath() {
    HttpResponse<Buffer> res = sim.sim(HttpMethod.GET, "/nothing", null);
    assertThat(res.statusCode()).isEqualTo(404);
    assertThat(res.getHeader("content-type")).isEqualTo("application/problem+json");
  }

  @Test
  @DisplayName("POST /sim/reset forgets tokens and Workers")
  void reset() {
    try (SimHarness own = SimHarness.start()) {
      String account = SimHarness.account("control-reset");
      String token = own.token(account);
      own.worker(account, "svc", 1);
      assertThat(own.sim(HttpMethod.POST, "/reset", null).statusCode()).isEqualTo(204);
      assertThat(own.sim(HttpMethod.GET, "/accounts/" + account + "/workers/svc", null).statusCode()).isEqualTo(404);
      assertThat(own.cfGet("/user/tokens/verify", token).statusCode()).isEqualTo(401);
    }
  }
}
