package dev.hmd.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.app.Service;
import dev.hmd.http.SecurityHeaders;
import dev.hmd.testing.Api;
import dev.hmd.testing.RawHttp;
import dev.hmd.testing.SseClient;
import dev.hmd.testing.TestService;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Every kind of response carries the security headers: pages, API answers, streams and refusals. */
class SecurityHeadersTest {

  static Service service;
  static Api api;

  @BeforeAll
  static void start() {
    service = TestService.start();
    api = Api.of(service);
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  static void assertHeaders(String what, Function<String, String> header) {
    assertThat(header.apply("Content-Security-Policy")).as(what).isEqualTo(SecurityHeaders.contentSecurityPolicy())
      .contains("default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'")
      .doesNotContain("unsafe-inline", "unsafe-eval");
    assertThat(header.apply("X-Frame-Options")).as(what).isEqualTo("DENY");
    assertThat(header.apply("X-Content-Type-Options")).as(what).isEqualTo("nosniff");
    assertThat(header.apply("Referrer-Policy")).as(what).isEqualTo("no-referrer");
  }

  @Test
  @DisplayName(
    "pages, API answers, problems, a stream and HTTP-layer refusals all carry CSP, framing, nosniff and referrer "
    + "headers")
  void everyResponse() {
    Api.TenantKeys t = api.newTenant("headers");
    Map<String, HttpResponse<Buffer>> responses = new LinkedHashMap<>();
    responses.put("the dashboard", api.get("/"));
    responses.put("liveness", api.get("/health/live"));
    responses.put("metrics", api.get("/metrics"));
    responses.put("the OpenAPI document", api.get("/openapi.yaml"));
    responses.put("an API answer", api.as(t.adminKey()).get("/v1/api-keys"));
    responses.put("a 401", api.get("/v1/releases"));
    responses.put("a 404", api.as(t.adminKey()).get("/v1/releases/r_none"));
    responses.put("a 404 outside any route", api.get("/no/such/file"));
    responses.put("a 400 of the input filter", api.get("/v1/releases/r%00"));
    responses.put("a 415",
      api.as(t.adminKey()).sendRaw(io.vertx.core.http.HttpMethod.POST, "/v1/api-keys", "text/plain",
      Buffer.buffer("x")));
    responses.put("a sign-in", api.post("/v1/session", new JsonObject().put("apiKey", t.adminKey())));
    responses.forEach((what, res) -> {
      assertHeaders(what, res::getHeader);
      assertThat(res.getHeader("Strict-Transport-Security")).as(what).isNull();
    });
    try (SseClient sse = SseClient.open(service.vertx(), service.httpPort(), "/v1/events",
      Map.of("Authorization", "Bearer " + t.adminKey()))) {
      assertThat(sse.status()).isEqualTo(200);
      assertHeaders("a stream", sse::header);
    }
    for (String file : new String[] {"/app.js", "/style.css", "/views/release.js", "/favicon.svg"}) {
      RawHttp.Response res = RawHttp.exchange(service.httpPort(), RawHttp.get(file, ""));
      assertThat(res.status()).as(file).isEqualTo(200);
      assertHeaders(file, res::header);
    }
    RawHttp.Response tooLong = RawHttp.exchange(service.httpPort(), RawHttp.get("/" + "x".repeat(10_000), ""));
    assertThat(tooLong.status()).isEqualTo(414);
    assertHeaders("a 414 from the HTTP decoder", tooLong::header);
    RawHttp.Response malformed = RawHttp.exchange(service.httpPort(), RawHttp.get("/", "no colon\r\n"));
    assertThat(malformed.status()).isEqualTo(400);
    assertHeaders("a malformed request", malformed::header);
  }

  @Test
  @DisplayName("HSTS only when the request came over TLS, as a proxy's X-Forwarded-Proto: https says")
  void hstsBehindTls() {
    HttpResponse<Buffer> overTls = api.with("X-Forwarded-Proto", "https").get("/");
    assertThat(overTls.getHeader("Strict-Transport-Security"))
      .isEqualTo("max-age=" + SecurityHeaders.HSTS_MAX_AGE_SECONDS);
    assertHeaders("over TLS", overTls::getHeader);
    HttpResponse<Buffer> problem = api.with("X-Forwarded-Proto", "https").get("/v1/releases");
    assertThat(problem.statusCode()).isEqualTo(401);
    assertThat(problem.getHeader("Strict-Transport-Security")).startsWith("max-age=");
    MultiMap plain = api.with("X-Forwarded-Proto", "http").get("/").headers();
    assertThat(plain.get("Strict-Transport-Security")).isNull();
  }
}
