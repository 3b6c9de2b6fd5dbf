package dev.hmd.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.TestService;
import dev.hmd.testing.WithService;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@WithService(env = Config.RATE_LIMIT_PER_MINUTE + "=6000")
class TenancyApiTest {

  static Service service;
  static Api api;

  @Test
  @DisplayName("the platform admin creates a tenant and gets its admin key once")
  void createTenant() {
    HttpResponse<Buffer> res = api.as(TestService.ADMIN_TOKEN)
      .post("/v1/admin/tenants", new JsonObject().put("name", "Acme"));
    assertThat(res.statusCode()).isEqualTo(201);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getJsonObject("tenant").getString("id")).startsWith("t_");
    assertThat(body.getJsonObject("tenant").getString("name")).isEqualTo("Acme");
    JsonObject key = body.getJsonObject("apiKey");
    assertThat(key.getString("role")).isEqualTo("admin");
    assertThat(key.getString("key")).startsWith("hmd_").hasSizeGreaterThanOrEqualTo(4 + 43);
    HttpResponse<Buffer> listed = api.as(key.getString("key")).get("/v1/api-keys");
    assertThat(listed.statusCode()).isEqualTo(200);
    assertThat(listed.bodyAsString()).doesNotContain(key.getString("key"));
    assertThat(listed.bodyAsJsonObject().getJsonArray("items")).hasSize(1);
  }

  @Test
  @DisplayName("the admin endpoint refuses a wrong or missing platform token")
  void adminTokenRequired() {
    assertThat(api.post("/v1/admin/tenants", new JsonObject().put("name", "x")).statusCode()).isEqualTo(401);
    assertThat(api.as("wrong").post("/v1/admin/tenants", new JsonObject().put("name", "x")).statusCode())
      .isEqualTo(401);
    assertThat(api.as(TestService.ADMIN_TOKEN).post("/v1/admin/tenants", new JsonObject()).statusCode()).isEqualTo(400);
  }

  @Test
  @DisplayName("a created key works with its role, lists without its secret, and stops at once when revoked")
  void keyLifecycle() {
    Api.TenantKeys tenant = api.newTenant("keys");
    HttpResponse<Buffer> created = api.as(tenant.adminKey()).post("/v1/api-keys",
      new JsonObject().put("name", "ci").put("role", "viewer"));
    assertThat(created.statusCode()).isEqualTo(201);
    JsonObject key = created.bodyAsJsonObject();
    assertThat(key.fieldNames()).contains("id", "name", "role", "key", "createdAt");
    String viewer = key.getString("key");

    assertThat(api.as(viewer).get("/v1/session").statusCode()).isEqualTo(200);
    assertThat(api.as(viewer).get("/v1/api-keys").statusCode()).isEqualTo(403);
    assertThat(api.as(viewer).post("/v1/api-keys", new JsonObject().put("name", "x").put("role", "admin")).statusCode())
      .isEqualTo(403);

    JsonObject listed = api.as(tenant.adminKey()).get("/v1/api-keys").bodyAsJsonObject();
    assertThat(listed.getJsonArray("items")).hasSize(2);
    assertThat(listed.encode()).doesNotContain(viewer);
    JsonObject ci = listed.getJsonArray("items").getJsonObject(1);
    assertThat(ci.fieldNames()).contains("id", "name", "role", "createdAt", "lastUsedAt").doesNotContain("key");
    assertThat(ci.getString("lastUsedAt")).isNotNull();

    assertThat(api.as(tenant.adminKey()).delete("/v1/api-keys/" + key.getString("id")).statusCode()).isEqualTo(204);
    assertThat(api.as(viewer).get("/v1/session").statusCode()).isEqualTo(401);
    assertThat(api.as(tenant.adminKey()).delete("/v1/api-keys/" + key.getString("id")).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName(
    "a tenant's last active admin key cannot be revoked, not even by itself (409); with another admin it can")
  void lastAdminKey() {
    Api.TenantKeys tenant = api.newTenant("last-admin");
    Api admin = api.as(tenant.adminKey());
    String adminId = admin.get("/v1/session").bodyAsJsonObject().getJsonObject("key").getString("id");
    String viewer = api.newKey(tenant.adminKey(), "viewer");
    HttpResponse<Buffer> refused = admin.delete("/v1/api-keys/" + adminId);
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(refused.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(refused.bodyAsJsonObject().getString("detail")).contains("last active admin key");
    assertThat(admin.get("/v1/session").statusCode()).isEqualTo(200);
    assertThat(api.as(viewer).get("/v1/session").statusCode()).isEqualTo(200);

    String second = api.newKey(tenant.adminKey(), "admin");
    assertThat(admin.delete("/v1/api-keys/" + adminId).statusCode()).isEqualTo(204);
    assertThat(admin.get("/v1/session").statusCode()).isEqualTo(401);
    String secondId = api.as(second).get("/v1/session").bodyAsJsonObject().getJsonObject("key").getString("id");
    assertThat(api.as(second).delete("/v1/api-keys/" + secondId).statusCode()).isEqualTo(409);
    assertThat(api.as(second).get("/v1/api-keys").bodyAsJsonObject().getJsonArray("items")).hasSize(2);
  }

  @Test
  @DisplayName("another tenant's key id is 404, exactly like an unknown id")
  void isolation() {
    Api.TenantKeys a = api.newTenant("a");
    Api.TenantKeys b = api.newTenant("b");
    String bKeyId = api.as(b.adminKey()).get("/v1/api-keys").bodyAsJsonObject().getJsonArray("items").getJsonObject(0)
      .getString("id");
    HttpResponse<Buffer> foreign = api.as(a.adminKey()).delete("/v1/api-keys/" + bKeyId);
    HttpResponse<Buffer> unknown = api.as(a.adminKey()).delete("/v1/api-keys/k_doesnotexist");
    assertThat(foreign.statusCode()).isEqualTo(404);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(foreign.bodyAsJsonObject().getString("detail")).isEqualTo(
      unknown.bodyAsJsonObject().getString("detail").replace("k_doesnotexist", bKeyId));
    assertThat(api.as(b.adminKey()).get("/v1/session").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("invalid key bodies are 400 with the field, and change nothing")
  void invalidKeyBodies() {
    Api.TenantKeys tenant = api.newTenant("invalid");
    Api admin = api.as(tenant.adminKey());
    HttpResponse<Buffer> badRole = admin.post("/v1/api-keys", new JsonObject().put("name", "x").put("role", "root"));
    assertThat(badRole.statusCode()).isEqualTo(400);
    assertThat(badRole.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(badRole.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("role");
    assertThat(admin.post("/v1/api-keys", new JsonObject().put("role", "viewer")).statusCode()).isEqualTo(400);
    assertThat(admin.post("/v1/api-keys", new JsonObject().put("name", 12).put("role", "viewer")).statusCode())
      .isEqualTo(400);
    assertThat(
      admin.sendRaw(io.vertx.core.http.HttpMethod.POST, "/v1/api-keys", "application/json", Buffer.buffer("{nope"))
      .statusCode())
      .isEqualTo(400);
    assertThat(
      admin.sendRaw(io.vertx.core.http.HttpMethod.POST, "/v1/api-keys", "application/json", Buffer.buffer("[1,2]"))
      .statusCode())
      .isEqualTo(400);
    assertThat(admin.sendRaw(io.vertx.core.http.HttpMethod.POST, "/v1/api-keys", "text/plain", Buffer.buffer("name=x"))
      .statusCode())
      .isEqualTo(415);
    assertThat(admin.sendRaw(io.vertx.core.http.HttpMethod.POST, "/v1/api-keys", "application/json",
      Buffer.buffer("{\"name\":\"" + "x".repeat(100_000) + "\"}")).statusCode()).isEqualTo(413);
    assertThat(admin.get("/v1/api-keys").bodyAsJsonObject().getJsonArray("items")).hasSize(1);
  }

  @Test
  @DisplayName("a session cookie works for reads, needs our Origin for changes, and dies with its key")
  void sessions() {
    Api.TenantKeys tenant = api.newTenant("sessions");
    String operator = api.newKey(tenant.adminKey(), "admin");
    HttpResponse<Buffer> signIn = api.post("/v1/session", new JsonObject().put("apiKey", operator));
    assertThat(signIn.statusCode()).isEqualTo(204);
    String setCookie = signIn.getHeader("Set-Cookie");
    assertThat(setCookie).contains("hmd_session=").containsIgnoringCase("HttpOnly")
      .containsIgnoringCase("SameSite=Strict");
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    Api browser = api.with("Cookie", cookie);

    assertThat(browser.get("/v1/session").bodyAsJsonObject().getBoolean("viaSession")).isTrue();
    JsonObject newKey = new JsonObject().put("name", "from-dashboard").put("role", "viewer");
    assertThat(browser.post("/v1/api-keys", newKey).statusCode()).isEqualTo(403);
    assertThat(browser.with("Origin", "http://evil.example").post("/v1/api-keys", newKey).statusCode()).isEqualTo(403);
    assertThat(browser.with("Origin", "http://localhost:" + service.httpPort()).post("/v1/api-keys", newKey).statusCode())
      .isEqualTo(201);
    // Fetch Metadata decides where a browser sends it (Origin is null under Referrer-Policy: no-referrer)
    assertThat(browser.with("Origin", "null").with("Sec-Fetch-Site", "same-origin").post("/v1/api-keys", newKey)
      .statusCode()).isEqualTo(201);
    assertThat(browser.with("Origin", "http://localhost:" + service.httpPort()).with("Sec-Fetch-Site", "cross-site")
      .post("/v1/api-keys", newKey).statusCode()).isEqualTo(403);
    assertThat(browser.with("Sec-Fetch-Site", "same-site").post("/v1/api-keys", newKey).statusCode()).isEqualTo(403);

    assertThat(api.post("/v1/session", new JsonObject().put("apiKey", "hmd_wrong")).statusCode()).isEqualTo(401);
    assertThat(api.with("Cookie", "hmd_session=not-a-jwt").get("/v1/session").statusCode()).isEqualTo(401);

    String keyId = browser.get("/v1/session").bodyAsJsonObject().getJsonObject("key").getString("id");
    assertThat(api.as(tenant.adminKey()).delete("/v1/api-keys/" + keyId).statusCode()).isEqualTo(204);
    assertThat(browser.get("/v1/session").statusCode()).isEqualTo(401);

    HttpResponse<Buffer> signOut = api.delete("/v1/session");
    assertThat(signOut.statusCode()).isEqualTo(204);
    assertThat(signOut.getHeader("Set-Cookie")).contains("Max-Age=0");
  }

  @Test
  @DisplayName("a session expires")
  void sessionExpiry() {
    Api.TenantKeys tenant = api.newTenant("expiry");
    String keyId = api.as(tenant.adminKey()).get("/v1/session").bodyAsJsonObject().getJsonObject("key").getString("id");
    // a JWT's times are whole seconds: a 1 s session issued late in a second may be over before its first use
    Sessions shortLived = new Sessions(service.vertx(), TestService.JWT_SECRET, Duration.ofSeconds(2));
    String cookie = shortLived.issue(tenant.tenantId(), keyId, 0, false).getValue();
    Api browser = api.with("Cookie", Sessions.COOKIE + "=" + cookie);
    assertThat(browser.get("/v1/session").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> browser.get("/v1/session").statusCode() == 401);
  }

  @Test
  @DisplayName("a session signed with another secret is refused")
  void forgedSession() {
    Api.TenantKeys tenant = api.newTenant("forged");
    String keyId = api.as(tenant.adminKey()).get("/v1/session").bodyAsJsonObject().getJsonObject("key").getString("id");
    Sessions forger = new Sessions(service.vertx(), "another-secret-0123456789abcdef0123456789", Duration.ofHours(1));
    String cookie = forger.issue(tenant.tenantId(), keyId, 0, false).getValue();
    assertThat(api.with("Cookie", Sessions.COOKIE + "=" + cookie).get("/v1/session").statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName(
    "audit ids count the tenant's own entries, 1, 2, 3..., whatever other tenants do in between; pages follow them")
  void auditIdsPerTenant() {
    Api.TenantKeys a = api.newTenant("audit-a");
    Api.TenantKeys b = api.newTenant("audit-b");
    for (int i = 0; i < 3; i++) {
      api.newKey(a.adminKey(), "viewer");
      api.newKey(b.adminKey(), "viewer");
      api.newKey(b.adminKey(), "viewer");
    }
    JsonObject log = api.as(a.adminKey()).get("/v1/audit").bodyAsJsonObject();
    assertThat(log.getJsonArray("items").stream().map(item -> ((JsonObject) item).getString("id")))
      .containsExactly("4", "3", "2", "1");
    assertThat(api.as(b.adminKey()).get("/v1/audit").bodyAsJsonObject().getJsonArray("items").getJsonObject(0)
      .getString("id")).isEqualTo("7");
    JsonObject first = api.as(a.adminKey()).get("/v1/audit?limit=3").bodyAsJsonObject();
    assertThat(first.getString("nextCursor")).isEqualTo("2");
    JsonObject rest = api.as(a.adminKey()).get("/v1/audit?limit=3&cursor=" + first.getString("nextCursor"))
      .bodyAsJsonObject();
    assertThat(rest.getJsonArray("items")).hasSize(1);
    assertThat(rest.getJsonArray("items").getJsonObject(0).getString("action")).isEqualTo("tenant.create");
    assertThat(rest.getValue("nextCursor")).isNull();
  }

  @Test
  @DisplayName("state-changing actions are audited with the key that did them")
  void audit() {
    Api.TenantKeys tenant = api.newTenant("audited");
    api.newKey(tenant.adminKey(), "viewer");
    JsonObject log = api.as(tenant.adminKey()).get("/v1/audit").bodyAsJsonObject();
    assertThat(log.getJsonArray("items")).hasSize(2);
    JsonObject latest = log.getJsonArray("items").getJsonObject(0);
    assertThat(latest.getString("action")).isEqualTo("api_key.create");
    assertThat(latest.getJsonObject("actor").getString("name")).isEqualTo("admin");
    assertThat(latest.getString("at")).isNotNull();
  }
}
