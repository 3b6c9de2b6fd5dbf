package dev.hmd.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hmd.retry.Backoff.Jitter;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The one backoff, with the random draw pinned to its extremes. */
class BackoffTest {

  static final Duration SECOND = Duration.ofSeconds(1);
  static final Duration FIVE_MINUTES = Duration.ofMinutes(5);

  @Test
  @DisplayName("doubles from the base up to the cap")
  void doubles() {
    Backoff backoff = new Backoff(SECOND, FIVE_MINUTES, Jitter.NONE);
    assertThat(backoff.after(1).toMillis()).isEqualTo(1000);
    assertThat(backoff.after(2).toMillis()).isEqualTo(2000);
    assertThat(backoff.after(3).toMillis()).isEqualTo(4000);
    assertThat(backoff.after(9).toMillis()).isEqualTo(256_000);
    assertThat(backoff.after(10).toMillis()).isEqualTo(300_000);
    assertThat(backoff.after(Integer.MAX_VALUE).toMillis()).isEqualTo(300_000);
    assertThat(backoff.millisBeforeAttempt(0)).isEqualTo(1000);
  }

  @Test
  @DisplayName("each jitter keeps the wait within its share of the schedule")
  void jitter() {
    Backoff quarter = new Backoff(SECOND, FIVE_MINUTES, Jitter.QUARTER);
    assertThat(quarter.after(1, n -> 0).toMillis()).isEqualTo(1000);
    assertThat(quarter.after(1, n -> n).toMillis()).isEqualTo(750);
    assertThat(quarter.after(60, n -> n).toMillis()).isEqualTo(225_000);
    Backoff half = new Backoff(SECOND, FIVE_MINUTES, Jitter.HALF);
    assertThat(half.after(2, n -> 0).toMillis()).isEqualTo(2000);
    assertThat(half.after(2, n -> n).toMillis()).isEqualTo(1000);
    Backoff full = new Backoff(SECOND, FIVE_MINUTES, Jitter.FULL);
    assertThat(full.after(3, n -> 0).toMillis()).isZero();
    assertThat(full.after(3, n -> n).toMillis()).isEqualTo(4000);
    for (int i = 0; i < 1000; i++) {
      assertThat(full.after(4)).isBetween(Duration.ZERO, Duration.ofSeconds(8));
    }
  }

  @Test
  @DisplayName("a cap below the base is refused")
  void invalid() {
    assertThatThrownBy(() -> new Backoff(FIVE_MINUTES, SECOND, Jitter.NONE))
      .isInstanceOf(IllegalArgumentException.class);
  }
}
