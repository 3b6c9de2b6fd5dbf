package dev.hmd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.SseClient;
import dev.hmd.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Event streams per key and per tenant are capped: a 429 problem with Retry-After beyond. */
class StreamLimitsTest {

  static Service service;
  static Api api;

  @BeforeAll
  static void start() {
    service = TestService.start(Map.of(Config.SSE_MAX_STREAMS_PER_KEY, "3", Config.SSE_MAX_STREAMS_PER_TENANT, "5",
      Config.RATE_LIMIT_PER_MINUTE, "60000"));
    api = Api.of(service);
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  static SseClient open(String key, String path) {
    return SseClient.open(service.vertx(), service.httpPort(), path, Map.of("Authorization", "Bearer " + key));
  }

  static void assertRefused(SseClient sse, String limit) {
    assertThat(sse.status()).isEqualTo(429);
    assertThat(sse.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(sse.header("Retry-After")).isNotNull();
    assertThat(new JsonObject(sse.body()).getString("detail")).contains(limit);
  }

  @Test
  @DisplayName(
    "a key holds at most HMD_SSE_MAX_STREAMS_PER_KEY streams and a tenant HMD_SSE_MAX_STREAMS_PER_TENANT; a closed "
    + "one makes room")
  void caps() {
    Api.TenantKeys t = api.newTenant("streams");
    String second = api.newKey(t.adminKey(), "viewer");
    List<SseClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        open.add(open(t.adminKey(), i == 0 ? "/v1/events" : "/v1/events?lastEventId=0"));
        assertThat(open.get(i).status()).isEqualTo(200);
      }
      try (SseClient fourth = open(t.adminKey(), "/v1/events")) {
        assertRefused(fourth, "this API key");
      }
      open.add(open(second, "/v1/events"));
      open.add(open(second, "/v1/events"));
      assertThat(open).allSatisfy(sse -> assertThat(sse.status()).isEqualTo(200));
      try (SseClient sixth = open(second, "/v1/events")) {
        assertRefused(sixth, "the tenant");
      }
      // another tenant is not affected
      try (SseClient other = open(api.newTenant("other").adminKey(), "/v1/events")) {
        assertThat(other.status()).isEqualTo(200);
      }
      open.remove(0).close();
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        SseClient again = open(t.adminKey(), "/v1/events");
        if (again.status() == 200) {
          open.add(again);
          return true;
        }
        again.close();
        return false;
      });
    } finally {
      open.forEach(SseClient::close);
    }
  }
}
