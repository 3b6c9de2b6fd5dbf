package dev.hmd.cloudflare;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Backoff bounds with the random draw pinned to its extremes. */
class RetryPolicyTest {

  static final CloudflareClientOptions OPTIONS = CloudflareClientOptions.defaults()
    .withRetries(6, Duration.ofMillis(100), Duration.ofMillis(1000))
    .withMaxRetryAfter(Duration.ofSeconds(30));
  static final RetryPolicy HIGHEST = new RetryPolicy(OPTIONS, bound -> bound);
  static final RetryPolicy LOWEST = new RetryPolicy(OPTIONS, bound -> 0);

  static CloudflareException serverError() {
    return CloudflareException.fromResponse("x.y", 503, null, "unavailable", null);
  }

  static CloudflareException rateLimited(Duration retryAfter) {
    return CloudflareException.fromResponse("x.y", 429, 971, "Please wait", retryAfter);
  }

  @Test
  @DisplayName("the jitter bound doubles per attempt up to the maximum delay, and may draw zero")
  void exponentialCap() {
    assertThat(HIGHEST.delayAfter(1, serverError())).isEqualTo(Duration.ofMillis(100));
    assertThat(HIGHEST.delayAfter(2, serverError())).isEqualTo(Duration.ofMillis(200));
    assertThat(HIGHEST.delayAfter(4, serverError())).isEqualTo(Duration.ofMillis(800));
    assertThat(HIGHEST.delayAfter(5, serverError())).isEqualTo(Duration.ofMillis(1000));
    assertThat(LOWEST.delayAfter(5, serverError())).isEqualTo(Duration.ZERO);
  }

  @Test
  @DisplayName("the real draw stays within the bound")
  void realDraw() {
    RetryPolicy policy = new RetryPolicy(OPTIONS);
    for (int i = 0; i < 200; i++) {
      assertThat(policy.delayAfter(3, serverError())).isBetween(Duration.ZERO, Duration.ofMillis(400));
    }
  }

  @Test
  @DisplayName("no retry after the last attempt, nor for a failure that is not retryable")
  void giveUp() {
    assertThat(HIGHEST.delayAfter(6, serverError())).isNull();
    assertThat(HIGHEST.delayAfter(1, CloudflareException.fromResponse("x.y", 403, 10000, "Forbidden", null))).isNull();
    assertThat(HIGHEST.delayAfter(1, CloudflareException.invalidResponse("x.y", 200, "garbage"))).isNull();
  }

  @Test
  @DisplayName("retry-after is a floor under the backoff, and one beyond maxRetryAfter is not waited out")
  void retryAfter() {
    assertThat(LOWEST.delayAfter(1, rateLimited(Duration.ofSeconds(2)))).isEqualTo(Duration.ofSeconds(2));
    assertThat(HIGHEST.delayAfter(5, rateLimited(Duration.ofMillis(10)))).isEqualTo(Duration.ofMillis(1000));
    assertThat(HIGHEST.delayAfter(1, rateLimited(Duration.ofMinutes(5)))).isNull();
  }

  @Test
  @DisplayName("timeouts and network failures are retried")
  void transportFailures() {
    assertThat(HIGHEST.delayAfter(1, CloudflareException.timeout("x.y", null))).isNotNull();
    assertThat(HIGHEST.delayAfter(1, CloudflareException.network("x.y", null))).isNotNull();
  }
}
