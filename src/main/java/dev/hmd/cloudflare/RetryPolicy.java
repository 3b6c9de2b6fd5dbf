package dev.hmd.cloudflare;

import dev.hmd.retry.Backoff;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

/**
 * When to try a failed call again: exponential backoff with full jitter, {@code retry-after} as
 * a floor. Pure apart from the random draw, which tests replace.
 */
final class RetryPolicy {

  private final int maxAttempts;
  private final Backoff backoff;
  private final Duration maxRetryAfter;
  /** Given a bound b, a uniform draw in [0, b]. */
  private final LongUnaryOperator draw;

  RetryPolicy(CloudflareClientOptions options) {
    this(options, bound -> ThreadLocalRandom.current().nextLong(bound + 1));
  }

  RetryPolicy(CloudflareClientOptions options, LongUnaryOperator draw) {
    this.maxAttempts = options.maxAttempts();
    this.backoff = new Backoff(options.retryBaseDelay(), options.retryMaxDelay(), Backoff.Jitter.FULL);
    this.maxRetryAfter = options.maxRetryAfter();
    this.draw = draw;
  }

  /**
   * The wait after failed attempt number {@code attempt} (from 1), or null to give up. Full jitter
   * (a uniform draw up to the exponential cap) keeps many releases that failed together from
   * retrying together. A {@code retry-after} longer than {@code maxRetryAfter} (Cloudflare's
   * 5-minute ban) is not waited out here: the caller fails and comes back on its own schedule.
   */
  Duration delayAfter(int attempt, CloudflareException error) {
    if (!error.retryable() || attempt >= maxAttempts) {
      return null;
    }
    long backoff = this.backoff.after(attempt, draw).toMillis();
    Duration retryAfter = error.retryAfter().orElse(null);
    if (retryAfter == null) {
      return Duration.ofMillis(backoff);
    }
    if (retryAfter.compareTo(maxRetryAfter) > 0) {
      return null;
    }
    return Duration.ofMillis(Math.max(retryAfter.toMillis(), backoff));
  }

  int maxAttempts() {
    return maxAttempts;
  }
}
