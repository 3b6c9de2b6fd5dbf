package dev.hmd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.SseClient;
import dev.hmd.testing.TestService;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A stream holds only while the credentials it was opened with do: revoking its key, or signing
 * out its session, ends it, on the process that made the change and on every other one.
 */
class StreamRevocationTest {

  static Service first;
  static Service second;
  static Api api;

  @BeforeAll
  static void start() {
    Config config = TestService.config(Map.of(Config.RATE_LIMIT_PER_MINUTE, "60000"));
    first = Service.start(config);
    second = TestService.startOn(config);
    api = Api.of(first);
  }

  @AfterAll
  static void stop() {
    second.close();
    first.close();
  }

  static SseClient stream(Service on, String header, String value) {
    SseClient sse = SseClient.open(on.vertx(), on.httpPort(), "/v1/events", Map.of(header, value));
    assertThat(sse.status()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> !sse.retries().isEmpty());
    return sse;
  }

  static String keyId(String key) {
    return api.as(key).get("/v1/session").bodyAsJsonObject().getJsonObject("key").getString("id");
  }

  static String signIn(String key) {
    HttpResponse<Buffer> res = api.post("/v1/session", new JsonObject().put("apiKey", key));
    assertThat(res.statusCode()).isEqualTo(204);
    String setCookie = res.getHeader("Set-Cookie");
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  @Test
  @DisplayName("revoking a key ends its open streams, bearer and session alike, on this process and on another")
  void revokedKeyEndsStreams() {
    Api.TenantKeys t = api.newTenant("revoked-streams");
    String viewer = api.newKey(t.adminKey(), "viewer");
    String cookie = signIn(viewer);
    try (SseClient here = stream(first, "Authorization", "Bearer " + viewer);
         SseClient there = stream(second, "Authorization", "Bearer " + viewer);
         SseClient session = stream(second, "Cookie", cookie);
         SseClient bystander = stream(second, "Authorization", "Bearer " + t.adminKey())) {
      assertThat(api.as(t.adminKey()).delete("/v1/api-keys/" + keyId(viewer)).statusCode()).isEqualTo(204);
      await().atMost(Duration.ofSeconds(10)).until(() -> here.ended() && there.ended() && session.ended());
      assertThat(bystander.ended()).isFalse();
      try (SseClient again = SseClient.open(second.vertx(), second.httpPort(), "/v1/events",
        Map.of("Authorization", "Bearer " + viewer))) {
        assertThat(again.status()).isEqualTo(401);
      }
    }
  }

  @Test
  @DisplayName("signing out ends the session on the server: its streams end everywhere, and the old cookie is refused")
  void signOutEndsTheSession() {
    Api.TenantKeys t = api.newTenant("signed-out");
    String operator = api.newKey(t.adminKey(), "operator");
    String cookie = signIn(operator);
    Api browser = api.with("Cookie", cookie);
    assertThat(browser.get("/v1/session").statusCode()).isEqualTo(200);
    try (SseClient here = stream(first, "Cookie", cookie);
         SseClient there = stream(second, "Cookie", cookie);
         SseClient withTheKey = stream(second, "Authorization", "Bearer " + operator)) {
      HttpResponse<Buffer> out = browser.delete("/v1/session");
      assertThat(out.statusCode()).isEqualTo(204);
      assertThat(out.getHeader("Set-Cookie")).contains("Max-Age=0");
      await().atMost(Duration.ofSeconds(10)).until(() -> here.ended() && there.ended());
      // the key itself still works: only its sessions ended
      assertThat(withTheKey.ended()).isFalse();
      assertThat(api.as(operator).get("/v1/session").statusCode()).isEqualTo(200);
    }
    // the cookie the browser was told to forget, sent again (copied, stolen): refused on every process
    assertThat(browser.get("/v1/session").statusCode()).isEqualTo(401);
    assertThat(Api.of(second).with("Cookie", cookie).get("/v1/session").statusCode()).isEqualTo(401);
    try (SseClient refused = SseClient.open(second.vertx(), second.httpPort(), "/v1/events",
      Map.of("Cookie", cookie))) {
      assertThat(refused.status()).isEqualTo(401);
    }
    // signing in again makes a new session that works
    String fresh = signIn(operator);
    assertThat(api.with("Cookie", fresh).get("/v1/session").statusCode()).isEqualTo(200);
    // signing out with a cookie that no longer holds is harmless
    assertThat(api.with("Cookie", cookie).delete("/v1/session").statusCode()).isEqualTo(204);
    assertThat(api.with("Cookie", fresh).get("/v1/session").statusCode()).isEqualTo(200);
  }
}
