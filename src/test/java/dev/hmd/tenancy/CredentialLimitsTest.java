package dev.hmd.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.RawHttp;
import dev.hmd.testing.TestService;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Limits on credentials: active keys per tenant, and failed authentications per client address
 * (each test that fails on purpose does so from its own loopback address, so as not to block the others).
 */
class CredentialLimitsTest {

  static final int MAX_KEYS = 5;
  static final int FAILURES = 5;
  static Service service;
  static Api api;

  @BeforeAll
  static void start() {
    service = TestService.start(Map.of(Config.MAX_KEYS_PER_TENANT, String.valueOf(MAX_KEYS),
      Config.AUTH_FAILURES_PER_MINUTE, String.valueOf(FAILURES), Config.RATE_LIMIT_PER_MINUTE, "60000"));
    api = Api.of(service);
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  @Test
  @DisplayName("a tenant has at most HMD_MAX_KEYS_PER_TENANT active keys: 409 beyond, room again after a revocation")
  void keysPerTenant() {
    Api.TenantKeys t = api.newTenant("many-keys");
    Api admin = api.as(t.adminKey());
    List<String> ids = new ArrayList<>();
    for (int i = 1; i < MAX_KEYS; i++) {
      HttpResponse<Buffer> created = admin.post("/v1/api-keys",
        new JsonObject().put("name", "k" + i).put("role", "viewer"));
      assertThat(created.statusCode()).isEqualTo(201);
      ids.add(created.bodyAsJsonObject().getString("id"));
    }
    HttpResponse<Buffer> refused = admin.post("/v1/api-keys",
      new JsonObject().put("name", "one too many").put("role", "viewer"));
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(refused.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(refused.bodyAsJsonObject().getString("detail")).contains(String.valueOf(MAX_KEYS), "revoke one");
    assertThat(admin.get("/v1/api-keys").bodyAsJsonObject().getJsonArray("items")).hasSize(MAX_KEYS);
    // another tenant has its own count
    Api other = api.as(api.newTenant("few-keys").adminKey());
    assertThat(other.post("/v1/api-keys", new JsonObject().put("name", "x").put("role", "viewer")).statusCode())
      .isEqualTo(201);
    assertThat(admin.delete("/v1/api-keys/" + ids.get(0)).statusCode()).isEqualTo(204);
    assertThat(admin.post("/v1/api-keys", new JsonObject().put("name", "replacement").put("role", "viewer"))
      .statusCode())
      .isEqualTo(201);
  }

  static RawHttp.Response getAs(String from, String key) {
    return RawHttp.exchangeFrom(from, service.httpPort(),
      RawHttp.get("/v1/session", "Authorization: Bearer " + key + "\r\n"));
  }

  @Test
  @DisplayName(
    "random API keys: after HMD_AUTH_FAILURES_PER_MINUTE failures an address gets 429 with Retry-After, even for a "
    + "good key; others do not")
  void randomKeys() {
    Api.TenantKeys t = api.newTenant("guessed");
    String from = "127.0.0.11";
    for (int i = 0; i < FAILURES; i++) {
      assertThat(getAs(from, ApiKeys.newKey()).status()).isEqualTo(401);
    }
    RawHttp.Response throttled = getAs(from, ApiKeys.newKey());
    assertThat(throttled.status()).isEqualTo(429);
    assertThat(throttled.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(Integer.parseInt(throttled.header("Retry-After"))).isBetween(1, 60);
    assertThat(new JsonObject(throttled.body()).getString("detail")).contains("failed authentication");
    // while throttled, nothing from that address is checked, a real key included
    assertThat(getAs(from, t.adminKey()).status()).isEqualTo(429);
    // another address is not affected
    assertThat(getAs("127.0.0.12", t.adminKey()).status()).isEqualTo(200);
    // a request without credentials guesses nothing and is not counted
    assertThat(RawHttp.exchangeFrom("127.0.0.12", service.httpPort(), RawHttp.get("/v1/session", "")).status())
      .isEqualTo(401);
    assertThat(getAs("127.0.0.12", t.adminKey()).status()).isEqualTo(200);
  }

  @Test
  @DisplayName("platform-admin token guesses are throttled the same way")
  void adminTokenGuesses() {
    String from = "127.0.0.13";
    for (int i = 0; i < FAILURES; i++) {
      RawHttp.Response res = RawHttp.exchangeFrom(from, service.httpPort(), RawHttp.post("/v1/admin/tenants",
        "Authorization: Bearer guess-" + i + "\r\n", "{\"name\":\"x\"}"));
      assertThat(res.status()).isEqualTo(401);
    }
    RawHttp.Response throttled = RawHttp.exchangeFrom(from, service.httpPort(), RawHttp.post("/v1/admin/tenants",
      "Authorization: Bearer " + TestService.ADMIN_TOKEN + "\r\n", "{\"name\":\"x\"}"));
    assertThat(throttled.status()).isEqualTo(429);
    assertThat(throttled.header("Retry-After")).isNotNull();
    assertThat(RawHttp.exchangeFrom("127.0.0.14", service.httpPort(), RawHttp.post("/v1/admin/tenants",
      "Authorization: Bearer " + TestService.ADMIN_TOKEN + "\r\n", "{\"name\":\"x\"}")).status()).isEqualTo(201);
  }

  @Test
  @DisplayName("failed sign-ins are throttled the same way")
  void signIns() {
    Api.TenantKeys t = api.newTenant("sign-ins");
    String from = "127.0.0.15";
    for (int i = 0; i < FAILURES; i++) {
      assertThat(RawHttp.exchangeFrom(from, service.httpPort(), RawHttp.post("/v1/session", "",
        new JsonObject().put("apiKey", ApiKeys.newKey()).encode())).status()).isEqualTo(401);
    }
    RawHttp.Response throttled = RawHttp.exchangeFrom(from, service.httpPort(), RawHttp.post("/v1/session", "",
      new JsonObject().put("apiKey", t.adminKey()).encode()));
    assertThat(throttled.status()).isEqualTo(429);
    assertThat(throttled.header("Retry-After")).isNotNull();
    assertThat(throttled.header("Set-Cookie")).isNull();
    assertThat(RawHttp.exchangeFrom("127.0.0.16", service.httpPort(), RawHttp.post("/v1/session", "",
      new JsonObject().put("apiKey", t.adminKey()).encode())).status()).isEqualTo(204);
  }
}
