package dev.hmd.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.WithService;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@WithService(env = Config.RATE_LIMIT_PER_MINUTE + "=60")
class RateLimitTest {

  static Service service;
  static Api api;

  @Test
  @DisplayName("a key over its rate gets 429 with Retry-After, and other keys are unaffected")
  void limited() {
    Api.TenantKeys tenant = api.newTenant("limited");
    Api.TenantKeys other = api.newTenant("other");
    HttpResponse<Buffer> last = null;
    for (int i = 0; i < 30 && (last == null || last.statusCode() != 429); i++) {
      last = api.as(tenant.adminKey()).get("/v1/session");
    }
    assertThat(last.statusCode()).isEqualTo(429);
    assertThat(last.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(Integer.parseInt(last.getHeader("Retry-After"))).isPositive();
    assertThat(api.as(other.adminKey()).get("/v1/session").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("the bucket refills at the configured rate")
  void refills() {
    AtomicLong now = new AtomicLong();
    KeyRateLimiter limiter = new KeyRateLimiter(60, now::get);
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.acquire("k")).isZero();
    }
    assertThat(limiter.acquire("k")).isEqualTo(1);
    now.addAndGet(1_000_000_000L);
    assertThat(limiter.acquire("k")).isZero();
    assertThat(limiter.acquire("k")).isPositive();
  }
}
