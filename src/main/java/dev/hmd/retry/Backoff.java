package dev.hmd.retry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

/**
 * The wait before the next attempt, the one formula of the service: {@code base} after the first
 * failure, doubled after each further one, capped at {@code max}, with jitter so that the many
 * callers that failed together (releases of one account, deliveries to one receiver) do not come
 * back together.
 *
 * @param base   the wait after the first failure
 * @param max    the longest wait
 * @param jitter how much of the wait is drawn at random
 */
public record Backoff(Duration base, Duration max, Jitter jitter) {

  /** How much of the exponential wait is random. */
  public enum Jitter {
    /** The wait exactly: for a single client reconnecting, where nothing else competes. */
    NONE,
    /** Up to a quarter taken off: waits stay close to the schedule a person reads in the docs. */
    QUARTER,
    /** Between half and the whole of it. */
    HALF,
    /** Anywhere from zero to the whole ("full jitter"): best at spreading a crowd. */
    FULL
  }

  public Backoff {
    if (base.isNegative() || max.compareTo(base) < 0) {
      throw new IllegalArgumentException("backoff needs 0 <= base <= max, got " + base + " and " + max);
    }
  }

  /** The wait after {@code failedAttempts} (1 or more) failures, with a uniform random draw. */
  public Duration after(int failedAttempts) {
    return after(failedAttempts, bound -> ThreadLocalRandom.current().nextLong(bound + 1));
  }

  /** As {@link #after(int)}; {@code random.applyAsLong(n)} is uniform in [0, n] (tests pin it). */
  public Duration after(int failedAttempts, LongUnaryOperator random) {
    long cap = max.toMillis();
    long delay = base.toMillis();
    for (int i = 1; i < failedAttempts && delay < cap; i++) {
      delay *= 2;
    }
    delay = Math.min(delay, cap);
    long waited = switch (jitter) {
      case NONE -> delay;
      case QUARTER -> delay - random.applyAsLong(delay / 4);
      case HALF -> delay - random.applyAsLong(delay / 2);
      case FULL -> random.applyAsLong(delay);
    };
    return Duration.ofMillis(waited);
  }

  /** For Vert.x reconnect policies, which take a function from the attempt (from 0) to milliseconds. */
  public long millisBeforeAttempt(int attempt) {
    return after(attempt + 1).toMillis();
  }
}
