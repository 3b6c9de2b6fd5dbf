package dev.hmd.connections;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConnectionTokensTest {

  private final AtomicInteger reads = new AtomicInteger();
  private final List<Promise<Optional<String>>> pending = new ArrayList<>();
  private final ConnectionTokens tokens = new ConnectionTokens((tenantId, connectionId) -> {
    reads.incrementAndGet();
    Promise<Optional<String>> promise = Promise.promise();
    pending.add(promise);
    return promise.future();
  });

  @Test
  @DisplayName("callers who arrive while a token is read share the read, and an answered token is kept")
  void callersWhoArriveWhileTheTokenIsReadShareTheRead() {
    List<Future<String>> answers = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      answers.add(tokens.token("t1", "c1"));
    }
    assertThat(reads).hasValue(1);
    pending.get(0).complete(Optional.of("secret"));
    assertThat(answers).allSatisfy(answer -> assertThat(answer.result()).isEqualTo("secret"));

    assertThat(tokens.token("t1", "c1").result()).isEqualTo("secret");
    assertThat(reads).as("an answered token is kept").hasValue(1);
  }

  @Test
  @DisplayName("each connection of each tenant is kept apart")
  void connectionsAreCachedApart() {
    tokens.token("t1", "c1");
    tokens.token("t1", "c2");
    tokens.token("t2", "c1");
    assertThat(reads).hasValue(3);
  }

  @Test
  @DisplayName("a failed read is not kept: the next caller reads again")
  void aFailedReadIsNotKept() {
    Future<String> first = tokens.token("t1", "c1");
    pending.get(0).fail(new IllegalStateException("database down"));
    assertThat(first.failed()).isTrue();

    Future<String> second = tokens.token("t1", "c1");
    assertThat(reads).hasValue(2);
    pending.get(1).complete(Optional.of("secret"));
    assertThat(second.result()).isEqualTo("secret");
  }

  @Test
  @DisplayName("a connection that is gone fails, and is asked for again")
  void aConnectionThatIsGoneFailsAndIsAskedForAgain() {
    Future<String> gone = tokens.token("t1", "c1");
    pending.get(0).complete(Optional.empty());
    assertThat(gone.cause()).hasMessageContaining("no longer exists");
    tokens.token("t1", "c1");
    assertThat(reads).hasValue(2);
  }
}
