package dev.hmd.connections;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.app.Service;
import dev.hmd.testing.Api;
import dev.hmd.testing.LogCapture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@WithService
class ConnectionsApiTest {

  static TestSimulator sim;
  static Service service;
  static Api api;

  static JsonObject connection(TestSimulator.Account account, String worker) {
    return new JsonObject().put("accountId", account.accountId()).put("workerName", worker)
      .put("apiToken", account.token());
  }

  @Test
  @DisplayName("a connection is created after Cloudflare accepts its token, and never shows the token")
  void createAndRead() {
    Api.TenantKeys t = api.newTenant("conn");
    TestSimulator.Account account = sim.newAccount();
    String v1 = sim.newWorker(account, "shop", 20);
    sim.newVersion(account, "shop", new JsonObject().put("message", "faster checkout"));
    Api admin = api.as(t.adminKey());

    HttpResponse<Buffer> created = admin.post("/v1/connections", connection(account, "shop").put("name", "Shop"));
    assertThat(created.statusCode()).isEqualTo(201);
    JsonObject c = created.bodyAsJsonObject();
    assertThat(c.getString("id")).startsWith("c_");
    assertThat(c.getString("name")).isEqualTo("Shop");
    assertThat(c.getString("accountId")).isEqualTo(account.accountId());
    assertThat(c.getString("workerName")).isEqualTo("shop");
    assertThat(c.getString("tokenHint")).isEqualTo(account.token().substring(account.token().length() - 4));
    assertThat(c.getString("createdAt")).isNotNull();
    assertThat(created.bodyAsString()).doesNotContain(account.token());

    String id = c.getString("id");
    assertThat(admin.get("/v1/connections").bodyAsJsonObject().getJsonArray("items")).hasSize(1);
    assertThat(admin.get("/v1/connections/" + id).bodyAsJsonObject().getString("workerName")).isEqualTo("shop");

    JsonArray versions = admin.get("/v1/connections/" + id + "/versions").bodyAsJsonObject().getJsonArray("items");
    assertThat(versions).hasSize(2);
    assertThat(versions.getJsonObject(0).getString("message")).isEqualTo("faster checkout");
    assertThat(versions.getJsonObject(0).getInteger("number")).isEqualTo(2);
    assertThat(versions.getJsonObject(1).getString("id")).isEqualTo(v1);
    assertThat(versions.getJsonObject(0).fieldNames()).contains("id", "number", "createdOn", "message");

    JsonObject deployment = admin.get("/v1/connections/" + id + "/deployment").bodyAsJsonObject();
    assertThat(deployment.getString("id")).isNotBlank();
    assertThat(deployment.getString("createdOn")).isNotBlank();
    assertThat(deployment.getJsonArray("versions")).containsExactly(
      new JsonObject().put("versionId", v1).put("percentage", 100));
  }

  @Test
  @DisplayName("a token Cloudflare refuses, or a Worker it does not know, is a 400 with Cloudflare's reason")
  void refusedByCloudflare() {
    Api.TenantKeys t = api.newTenant("refused");
    TestSimulator.Account account = sim.newAccount();
    TestSimulator.Account other = sim.newAccount();
    sim.newWorker(account, "api", 5);
    Api admin = api.as(t.adminKey());

    HttpResponse<Buffer> wrongToken = admin.post("/v1/connections",
      connection(account, "api").put("apiToken", "not-a-valid-token"));
    assertThat(wrongToken.statusCode()).isEqualTo(400);
    assertThat(wrongToken.bodyAsJsonObject().getString("detail")).contains("Authentication error");

    HttpResponse<Buffer> otherAccount = admin.post("/v1/connections",
      connection(account, "api").put("apiToken", other.token()));
    assertThat(otherAccount.statusCode()).isEqualTo(400);

    HttpResponse<Buffer> noWorker = admin.post("/v1/connections", connection(account, "nope"));
    assertThat(noWorker.statusCode()).isEqualTo(400);
    assertThat(noWorker.bodyAsJsonObject().getString("detail")).contains("does not exist");
    assertThat(admin.get("/v1/connections").bodyAsJsonObject().getJsonArray("items")).isEmpty();
  }

  @Test
  @DisplayName("Cloudflare failing is a 502 that says so")
  void cloudflareDown() {
    Api.TenantKeys t = api.newTenant("down");
    TestSimulator.Account account = sim.newAccount();
    sim.newWorker(account, "down", 5);
    String id = api.as(t.adminKey()).post("/v1/connections", connection(account, "down")).bodyAsJsonObject()
      .getString("id");
    try {
      sim.faults(new JsonObject().put("errorRate", 1.0));
      HttpResponse<Buffer> res = api.as(t.adminKey()).get("/v1/connections/" + id + "/deployment");
      assertThat(res.statusCode()).isEqualTo(502);
      assertThat(res.getHeader("Content-Type")).isEqualTo("application/problem+json");
      assertThat(res.bodyAsJsonObject().getString("detail")).startsWith("Cloudflare");
    } finally {
      sim.faults(new JsonObject());
    }
  }

  @Test
  @DisplayName("every invalid field is its own error entry, and nothing is stored")
  void invalidBodies() {
    Api.TenantKeys t = api.newTenant("invalid");
    Api admin = api.as(t.adminKey());
    HttpResponse<Buffer> res = admin.post("/v1/connections",
      new JsonObject().put("accountId", "xyz").put("workerName", "Bad Name").put("apiToken", 42).put("name", ""));
    assertThat(res.statusCode()).isEqualTo(400);
    List<String> fields = new ArrayList<>();
    res.bodyAsJsonObject().getJsonArray("errors").forEach(e -> fields.add(((JsonObject) e).getString("field")));
    assertThat(fields).containsExactlyInAnyOrder("accountId", "workerName", "apiToken", "name");
    assertThat(admin.post("/v1/connections", new JsonObject()).statusCode()).isEqualTo(400);
    assertThat(admin.sendRaw(HttpMethod.POST, "/v1/connections", "application/json", Buffer.buffer("nope"))
      .statusCode())
      .isEqualTo(400);
    assertThat(admin.get("/v1/connections").bodyAsJsonObject().getJsonArray("items")).isEmpty();
  }

  @Test
  @DisplayName("rename, rotate the token (checked at Cloudflare), a duplicate Worker is 409, delete")
  void updateAndDelete() {
    Api.TenantKeys t = api.newTenant("update");
    TestSimulator.Account account = sim.newAccount();
    sim.newWorker(account, "edge", 5);
    Api admin = api.as(t.adminKey());
    String id = admin.post("/v1/connections", connection(account, "edge")).bodyAsJsonObject().getString("id");

    assertThat(admin.patch("/v1/connections/" + id, new JsonObject().put("name", "Edge")).bodyAsJsonObject()
      .getString("name"))
      .isEqualTo("Edge");
    assertThat(admin.patch("/v1/connections/" + id, new JsonObject().put("apiToken", "wrong-token-123")).statusCode())
      .isEqualTo(400);
    assertThat(admin.patch("/v1/connections/" + id, new JsonObject()).statusCode()).isEqualTo(400);
    assertThat(admin.get("/v1/connections/" + id + "/versions").statusCode()).isEqualTo(200);

    assertThat(admin.post("/v1/connections", connection(account, "edge")).statusCode()).isEqualTo(409);

    assertThat(admin.delete("/v1/connections/" + id).statusCode()).isEqualTo(204);
    assertThat(admin.get("/v1/connections/" + id).statusCode()).isEqualTo(404);
    assertThat(admin.delete("/v1/connections/" + id).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("roles: viewers read, operators save plans, only admins manage connections")
  void roles() {
    Api.TenantKeys t = api.newTenant("roles");
    TestSimulator.Account account = sim.newAccount();
    sim.newWorker(account, "roles", 5);
    String viewer = api.newKey(t.adminKey(), "viewer");
    String operator = api.newKey(t.adminKey(), "operator");
    assertThat(api.as(operator).post("/v1/connections", connection(account, "roles")).statusCode()).isEqualTo(403);
    String id = api.as(t.adminKey()).post("/v1/connections", connection(account, "roles")).bodyAsJsonObject()
      .getString("id");
    JsonObject plan = api.as(viewer).get("/v1/connections/" + id + "/plan").bodyAsJsonObject();
    plan.remove("revision");
    plan.remove("updatedAt");
    assertThat(api.as(viewer).get("/v1/connections/" + id).statusCode()).isEqualTo(200);
    assertThat(api.as(viewer).put("/v1/connections/" + id + "/plan", plan).statusCode()).isEqualTo(403);
    assertThat(api.as(viewer).patch("/v1/connections/" + id, new JsonObject().put("name", "x")).statusCode())
      .isEqualTo(403);
    assertThat(api.as(operator).put("/v1/connections/" + id + "/plan", plan).statusCode()).isEqualTo(200);
    assertThat(api.as(operator).delete("/v1/connections/" + id).statusCode()).isEqualTo(403);
  }

  @Test
  @DisplayName("another tenant's connection is 404 on every route, like an unknown id")
  void isolation() {
    Api.TenantKeys a = api.newTenant("a");
    Api.TenantKeys b = api.newTenant("b");
    TestSimulator.Account account = sim.newAccount();
    sim.newWorker(account, "iso", 5);
    String id = api.as(b.adminKey()).post("/v1/connections", connection(account, "iso")).bodyAsJsonObject()
      .getString("id");
    Api other = api.as(a.adminKey());
    assertThat(other.get("/v1/connections/" + id).statusCode()).isEqualTo(404);
    assertThat(other.patch("/v1/connections/" + id, new JsonObject().put("name", "mine")).statusCode()).isEqualTo(404);
    assertThat(other.get("/v1/connections/" + id + "/versions").statusCode()).isEqualTo(404);
    assertThat(other.get("/v1/connections/" + id + "/deployment").statusCode()).isEqualTo(404);
    assertThat(other.get("/v1/connections/" + id + "/plan").statusCode()).isEqualTo(404);
    assertThat(other.put("/v1/connections/" + id + "/plan", new JsonObject()).statusCode()).isIn(400, 404);
    assertThat(other.delete("/v1/connections/" + id).statusCode()).isEqualTo(404);
    assertThat(other.get("/v1/connections").bodyAsJsonObject().getJsonArray("items")).isEmpty();
    assertThat(api.as(b.adminKey()).get("/v1/connections/" + id).bodyAsJsonObject().getString("name")).isEqualTo("iso");
  }

  @Test
  @DisplayName("a Cloudflare token appears in no response and no log line, even when Cloudflare refuses it")
  void tokenNeverLeaks() {
    Api.TenantKeys t = api.newTenant("secret");
    TestSimulator.Account account = sim.newAccount();
    sim.newWorker(account, "secret", 5);
    String wrong = "leak-check-token-" + System.nanoTime();
    List<String> bodies = new ArrayList<>();
    try (LogCapture logs = LogCapture.open()) {
      Api admin = api.as(t.adminKey());
      bodies.add(admin.post("/v1/connections", connection(account, "secret").put("apiToken", wrong)).bodyAsString());
      HttpResponse<Buffer> created = admin.post("/v1/connections", connection(account, "secret"));
      bodies.add(created.bodyAsString());
      String id = created.bodyAsJsonObject().getString("id");
      bodies.add(admin.get("/v1/connections/" + id).bodyAsString());
      bodies.add(admin.get("/v1/connections").bodyAsString());
      bodies.add(admin.patch("/v1/connections/" + id, new JsonObject().put("apiToken", wrong)).bodyAsString());
      bodies.add(admin.get("/v1/audit").bodyAsString());
      sim.faults(new JsonObject().put("errorRate", 1.0));
      bodies.add(admin.get("/v1/connections/" + id + "/versions").bodyAsString());
      sim.faults(new JsonObject());
      assertThat(logs.lines()).noneMatch(line -> line.contains(account.token()) || line.contains(wrong));
    } finally {
      sim.faults(new JsonObject());
    }
    assertThat(bodies).noneMatch(body -> body.contains(account.token()) || body.contains(wrong));
    String stored = service.pool().query("select token_ciphertext::text from connections").execute().await()
      .iterator().next().getString(0);
    assertThat(stored).doesNotContain(account.token());
  }
}
