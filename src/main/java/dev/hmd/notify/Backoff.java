package dev.hmd.notify;

import java.time.Duration;
import java.util.function.LongUnaryOperator;

/**
 * The wait before the next attempt: exponential ({@code base}, 2 x base, 4 x base, ...) up to
 * {@code max}, with jitter that takes up to a quarter off, so receivers that failed together are
 * not retried together.
 */
public record Backoff(Duration base, Duration max) {

  /** The wait after {@code failedAttempts} (1 or more) attempts; {@code random.applyAsLong(n)} is uniform in [0, n]. */
  public Duration after(int failedAttempts, LongUnaryOperator random) {
    long maxMillis = max.toMillis();
    long delay = base.toMillis();
    for (int i = 1; i < failedAttempts && delay < maxMillis; i++) {
      delay *= 2;
    }
    delay = Math.min(delay, maxMillis);
    return Duration.ofMillis(delay - random.applyAsLong(delay / 4));
  }
}
