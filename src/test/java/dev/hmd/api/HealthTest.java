package dev.hmd.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.app.Service;
import dev.hmd.testing.WithService;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@WithService
class HealthTest {

  static Service service;
  static WebClient http;

  @BeforeAll
  static void start() {
    http = WebClient.create(service.vertx());
  }

  @Test
  @DisplayName("live and ready answer 200 once the schema is applied")
  void liveAndReady() {
    HttpResponse<Buffer> live = http.get(service.httpPort(), "localhost", "/health/live").send().await();
    HttpResponse<Buffer> ready = http.get(service.httpPort(), "localhost", "/health/ready").send().await();
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getString("status")).isEqualTo("ready");
  }

  @Test
  @DisplayName("an unknown route is a problem+json 404")
  void unknownRoute() {
    HttpResponse<Buffer> res = http.get(service.httpPort(), "localhost", "/nothing-here").send().await();
    assertThat(res.statusCode()).isEqualTo(404);
    assertThat(res.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(res.bodyAsJsonObject().getInteger("status")).isEqualTo(404);
    assertThat(res.bodyAsJsonObject().getString("title")).isNotBlank();
  }

  @Test
  @DisplayName("a wrong method is a problem+json 405")
  void wrongMethod() {
    HttpResponse<Buffer> res = http.request(HttpMethod.DELETE, service.httpPort(), "localhost", "/health/live").send()
      .await();
    assertThat(res.statusCode()).isEqualTo(405);
    assertThat(res.getHeader("Content-Type")).isEqualTo("application/problem+json");
  }

  @Test
  @DisplayName("metrics are Prometheus text with JVM and HTTP server series")
  void metrics() {
    http.get(service.httpPort(), "localhost", "/health/live").send().await();
    HttpResponse<Buffer> res = http.get(service.httpPort(), "localhost", "/metrics").send().await();
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsString()).contains("jvm_memory_used_bytes").contains("vertx_http_server_requests_total");
  }
}
