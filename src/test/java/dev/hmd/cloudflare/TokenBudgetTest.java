package dev.hmd.cloudflare;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The sliding-window budget on an explicit clock. */
class TokenBudgetTest {

  static final long NO_LIMIT = Long.MAX_VALUE;

  @Test
  @DisplayName("the first `limit` requests go at once, the next waits for the oldest to leave the window")
  void queuesTheExcess() {
    TokenBudget budget = new TokenBudget(3, 1000);

    assertThat(budget.reserve("k", 0, NO_LIMIT)).isZero();
    assertThat(budget.reserve("k", 100, NO_LIMIT)).isZero();
    assertThat(budget.reserve("k", 200, NO_LIMIT)).isZero();
    assertThat(budget.reserve("k", 300, NO_LIMIT)).isEqualTo(700);
    assertThat(budget.reserve("k", 300, NO_LIMIT)).isEqualTo(800);
    assertThat(budget.reserve("k", 300, NO_LIMIT)).isEqualTo(900);
    // Queued starts count too: the seventh waits for the fourth's booked start to leave the window.
    assertThat(budget.reserve("k", 300, NO_LIMIT)).isEqualTo(1700);
    assertThat(budget.reserve("k", 5000, NO_LIMIT)).isZero();
  }

  @Test
  @DisplayName("no window of the given length ever holds more than `limit` booked starts")
  void neverOverLimit() {
    TokenBudget budget = new TokenBudget(5, 2000);
    long[] starts = new long[40];
    for (int i = 0; i < starts.length; i++) {
      long now = i * 37L;
      starts[i] = now + budget.reserve("k", now, NO_LIMIT);
    }
    for (int i = 0; i + 5 < starts.length; i++) {
      assertThat(starts[i + 5] - starts[i]).isGreaterThanOrEqualTo(2000);
    }
  }

  @Test
  @DisplayName("tokens have separate budgets")
  void perToken() {
    TokenBudget budget = new TokenBudget(1, 1000);

    assertThat(budget.reserve("a", 0, NO_LIMIT)).isZero();
    assertThat(budget.reserve("b", 0, NO_LIMIT)).isZero();
    assertThat(budget.reserve("a", 0, NO_LIMIT)).isEqualTo(1000);
  }

  @Test
  @DisplayName("a wait beyond maxWait is refused (negative) and books nothing")
  void maxWait() {
    TokenBudget budget = new TokenBudget(1, 1000);
    budget.reserve("k", 0, NO_LIMIT);

    assertThat(budget.reserve("k", 0, 500)).isEqualTo(-1000);
    assertThat(budget.reserve("k", 600, 500)).isEqualTo(400);
  }

  @Test
  @DisplayName("tokens idle for a whole window are evicted, so memory follows the active tokens")
  void evictsIdleTokens() {
    TokenBudget budget = new TokenBudget(10, 1000);
    for (int i = 0; i < 50; i++) {
      budget.reserve("idle-" + i, 2000, NO_LIMIT);
    }
    assertThat(budget.trackedTokens()).isEqualTo(50);

    budget.reserve("busy", 3500, NO_LIMIT);

    assertThat(budget.trackedTokens()).isEqualTo(1);
  }

  @Test
  @DisplayName("the key of a token is stable and does not contain the token")
  void keyOfToken() {
    String token = "tok-Secret-123456";

    assertThat(TokenBudget.keyOf(token)).isEqualTo(TokenBudget.keyOf(token)).doesNotContain(token).hasSize(32);
    assertThat(TokenBudget.keyOf(token)).isNotEqualTo(TokenBudget.keyOf(token + "x"));
  }
}
