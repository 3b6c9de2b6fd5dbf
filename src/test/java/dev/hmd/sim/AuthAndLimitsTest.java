package dev.hmd.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@WithSimulator
class AuthAndLimitsTest {

  static SimHarness sim;

  private static JsonObject error(HttpResponse<Buffer> res) {
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getBoolean("success")).isFalse();
    assertThat(body.getJsonArray("messages")).isEmpty();
    assertThat(body.containsKey("result")).isTrue();
    assertThat(body.getValue("result")).isNull();
    assertThat(body.getJsonArray("errors")).hasSize(1);
    return body.getJsonArray("errors").getJsonObject(0);
  }

  private static HttpResponse<Buffer> getWithHeader(String path, String authorization) {
    HttpRequest<Buffer> request = sim.http.get(sim.port, "localhost", "/client/v4" + path);
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    return request.send().await();
  }

  @Test
  @DisplayName("a missing or unknown token is 401, code 10000 Authentication error")
  void unknownToken() {
    String account = SimHarness.account("auth-unknown");
    sim.worker(account, "svc", 1);
    String path = "/accounts/" + account + "/workers/scripts/svc/versions";
    for (HttpResponse<Buffer> res : List.of(getWithHeader(path, null), sim.cfGet(path, "never-registered"))) {
      assertThat(res.statusCode()).isEqualTo(401);
      assertThat(error(res)).isEqualTo(new JsonObject().put("code", 10000).put("message", "Authentication error"));
    }
  }

  @Test
  @DisplayName("a token of another account is 403, code 10000")
  void otherAccount() {
    String mine = SimHarness.account("auth-mine");
    String theirs = SimHarness.account("auth-theirs");
    sim.worker(theirs, "svc", 1);
    String token = sim.token(mine);
    HttpResponse<Buffer> res = sim.cfGet("/accounts/" + theirs + "/workers/scripts/svc/versions", token);
    assertThat(res.statusCode()).isEqualTo(403);
    assertThat(error(res).getInteger("code")).isEqualTo(10000);
    assertThat(sim.cfGet("/accounts/" + theirs + "/tokens/verify", token).statusCode()).isEqualTo(403);
  }

  @Test
  @DisplayName("a malformed Authorization header is 400, code 6003")
  void malformedHeader() {
    String account = SimHarness.account("auth-malformed");
    String token = sim.token(account);
    for (String header : new String[] {"Basic abc", "Bearer", "Bearer a b", token}) {
      HttpResponse<Buffer> res = getWithHeader("/user/tokens/verify", header);
      assertThat(res.statusCode()).as(header).isEqualTo(400);
      assertThat(error(res).getInteger("code")).isEqualTo(6003);
    }
  }

  @Test
  @DisplayName("an unknown script is 404, code 10007 'This Worker does not exist on your account.'")
  void unknownScript() {
    String account = SimHarness.account("auth-unknown-script");
    String token = sim.token(account);
    for (String path : new String[] {"/versions", "/deployments", "/versions/abc"}) {
      HttpResponse<Buffer> res = sim.cfGet("/accounts/" + account + "/workers/scripts/ghost" + path, token);
      assertThat(res.statusCode()).as(path).isEqualTo(404);
      assertThat(error(res)).isEqualTo(new JsonObject().put("code", 10007)
        .put("message", "This Worker does not exist on your account."));
    }
    HttpResponse<Buffer> post = sim.deploy(account, "ghost", token, SimHarness.split("x", 100));
    assertThat(post.statusCode()).isEqualTo(404);
    assertThat(error(post).getInteger("code")).isEqualTo(10007);
  }

  @Test
  @DisplayName("an unknown route, a wrong method or a malformed account id is 404, code 7003")
  void unknownRoute() {
    String account = SimHarness.account("auth-route");
    String token = sim.token(account);
    sim.worker(account, "svc", 1);
    HttpResponse<Buffer> unknown = sim.cfGet("/accounts/" + account + "/workers/scripts/svc/nothing", token);
    HttpResponse<Buffer> method = sim.cf(HttpMethod.DELETE, "/accounts/" + account + "/workers/scripts/svc/versions",
      token, null);
    HttpResponse<Buffer> badAccount = sim.cfGet("/accounts/not-an-account/workers/scripts/svc/versions", token);
    for (HttpResponse<Buffer> res : new HttpResponse[] {unknown, method, badAccount}) {
      assertThat(res.statusCode()).isEqualTo(404);
      assertThat(error(res).getInteger("code")).isEqualTo(7003);
      assertThat(error(res).getString("message")).startsWith("Could not route to /client/v4/");
    }
  }

  @Test
  @DisplayName("past the configured limit a token gets 429, code 971, with retry-after, for a whole window")
  void rateLimitConfigured() {
    try (SimHarness limited = SimHarness.start(SimOptions.defaults().withRateLimit(5, Duration.ofMinutes(1)))) {
      String account = SimHarness.account("auth-limit");
      String token = limited.token(account);
      String other = limited.token(account);
      for (int i = 0; i < 5; i++) {
        assertThat(limited.cfGet("/user/tokens/verify", token).statusCode()).isEqualTo(200);
      }
      HttpResponse<Buffer> limitedRes = limited.cfGet("/user/tokens/verify", token);
      assertThat(limitedRes.statusCode()).isEqualTo(429);
      assertThat(error(limitedRes)).isEqualTo(new JsonObject().put("code", 971)
        .put("message", "Please wait and consider throttling your request speed"));
      assertThat(limitedRes.getHeader("retry-after")).isEqualTo("60");
      assertThat(limited.cfGet("/user/tokens/verify", other).statusCode()).as("limits are per token").isEqualTo(200);

      limited.advance(Duration.ofSeconds(45));
      HttpResponse<Buffer> stillBlocked = limited.cfGet("/user/tokens/verify", token);
      assertThat(stillBlocked.statusCode()).isEqualTo(429);
      assertThat(stillBlocked.getHeader("retry-after")).isEqualTo("15");

      limited.advance(Duration.ofSeconds(15));
      assertThat(limited.cfGet("/user/tokens/verify", token).statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("the window slides: calls older than the window no longer count")
  void rateLimitSlides() {
    try (SimHarness limited = SimHarness.start(SimOptions.defaults().withRateLimit(3, Duration.ofSeconds(10)))) {
      String token = limited.token(SimHarness.account("auth-slide"));
      for (int i = 0; i < 3; i++) {
        assertThat(limited.cfGet("/user/tokens/verify", token).statusCode()).isEqualTo(200);
        limited.advance(Duration.ofSeconds(4));
      }
      // at t = 12 s the first call (t = 0) has left the 10 s window
      assertThat(limited.cfGet("/user/tokens/verify", token).statusCode()).isEqualTo(200);
      assertThat(limited.cfGet("/user/tokens/verify", token).statusCode()).isEqualTo(429);
    }
  }

  @Test
  @DisplayName("the default limit is Cloudflare's: call 1201 within 5 minutes is refused for 300 s")
  void rateLimitDefault() {
    String token = sim.token(SimHarness.account("auth-default-limit"));
    for (int i = 0; i < 1200; i++) {
      assertThat(sim.cfGet("/user/tokens/verify", token).statusCode()).isEqualTo(200);
    }
    HttpResponse<Buffer> res = sim.cfGet("/user/tokens/verify", token);
    assertThat(res.statusCode()).isEqualTo(429);
    assertThat(res.getHeader("retry-after")).isEqualTo("300");
  }
}
