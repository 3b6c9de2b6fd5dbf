package dev.hmd.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AuthFailureLimiterTest {

  @Test
  @DisplayName("an address may fail perMinute times, then waits until the bucket refills one failure's worth")
  void refills() {
    AtomicLong now = new AtomicLong();
    AuthFailureLimiter limiter = new AuthFailureLimiter(6, now::get);
    for (int i = 0; i < 6; i++) {
      assertThat(limiter.blocked("a")).isZero();
      limiter.failed("a");
    }
    assertThat(limiter.blocked("a")).isEqualTo(10);
    assertThat(limiter.blocked("b")).isZero();
    now.addAndGet(TimeUnit.SECONDS.toNanos(10));
    assertThat(limiter.blocked("a")).isZero();
    limiter.failed("a");
    assertThat(limiter.blocked("a")).isPositive();
  }

  @Test
  @DisplayName("0 per minute turns the limit off")
  void off() {
    AuthFailureLimiter limiter = new AuthFailureLimiter(0);
    for (int i = 0; i < 100; i++) {
      limiter.failed("a");
    }
    assertThat(limiter.blocked("a")).isZero();
  }
}
