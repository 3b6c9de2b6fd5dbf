package dev.hmd.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The cache's rules, on their own: what may be served and what may be kept. (ReadCacheProcessesTest: on real services.)
 */
class NotifiedCacheTest {

  final AtomicBoolean listening = new AtomicBoolean(true);
  final AtomicLong now = new AtomicLong(1_000_000);
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final NotifiedCache<String> cache = new NotifiedCache<>("release", listening::get, now::get, registry);

  double lookups(String result) {
    return registry.get("hmd.api.cache.lookups").tag("cache", "release").tag("result", result).counter().count();
  }

  @Test
  @DisplayName("a value is served under each of its keys until its scope is dropped; the lookups are counted")
  void scopes() {
    assertThat(cache.get("hash:01")).isNull();
    long stamp = cache.stamp();
    cache.put("hash:01", "k_1", "key one", stamp);
    cache.put("id:k_1", "k_1", "key one", stamp);
    assertThat(cache.get("hash:01")).isEqualTo("key one");
    assertThat(cache.get("id:k_1")).isEqualTo("key one");
    assertThat(cache.get("id:k_2")).isNull();
    cache.invalidate("k_1");
    assertThat(cache.get("hash:01")).isNull();
    assertThat(cache.get("id:k_1")).isNull();
    assertThat(cache.size()).isZero();
    assertThat(lookups("hit")).isEqualTo(2);
    assertThat(lookups("miss")).isEqualTo(4);
  }

  @Test
  @DisplayName("a read that began before its scope was dropped is not kept: it may have seen the row as it was")
  void staleReadsAreNotKept() {
    long read = cache.stamp();
    long otherTenantsRead = cache.stamp();
    cache.invalidate("t_1");
    cache.put("t_1/r_1", "t_1", "view", read);
    cache.put("t_2/r_2", "t_2", "view", otherTenantsRead);
    assertThat(cache.get("t_1/r_1")).isNull();
    assertThat(cache.get("t_2/r_2")).as("another scope's drop keeps t_2").isEqualTo("view");

    cache.put("t_1/r_1", "t_1", "view", cache.stamp());
    assertThat(cache.get("t_1/r_1")).isEqualTo("view");
  }

  @Test
  @DisplayName("one scope's drop leaves the others")
  void scopesAreSeparate() {
    cache.put("t_1/r_1", "t_1", "one", cache.stamp());
    cache.put("t_2/r_2", "t_2", "two", cache.stamp());
    cache.invalidate("t_1");
    assertThat(cache.get("t_1/r_1")).isNull();
    assertThat(cache.get("t_2/r_2")).isEqualTo("two");
  }

  @Test
  @DisplayName("while nothing listens, nothing is served or kept; a clear drops what was kept before")
  void onlyWhileListening() {
    cache.put("a", "s", "kept", cache.stamp());
    listening.set(false);
    assertThat(cache.get("a")).isNull();
    cache.put("b", "s", "not kept", cache.stamp());
    listening.set(true);
    assertThat(cache.get("b")).isNull();

    long before = cache.stamp();
    cache.clear();
    assertThat(cache.get("a")).isNull();
    cache.put("a", "s", "read before the clear", before);
    assertThat(cache.get("a")).isNull();
  }

  @Test
  @DisplayName("entries expire after the TTL, and the cache is bounded")
  void expiryAndBound() {
    cache.put("a", "s", "value", cache.stamp());
    now.addAndGet(NotifiedCache.TTL_MILLIS - 1);
    assertThat(cache.get("a")).isEqualTo("value");
    now.addAndGet(1);
    assertThat(cache.get("a")).isNull();

    for (int i = 0; i <= NotifiedCache.MAX_ENTRIES; i++) {
      cache.put("r_" + i, "t_" + (i % 7), "value", cache.stamp());
    }
    assertThat(cache.size()).isBetween(0, NotifiedCache.MAX_ENTRIES);
    cache.put("fresh", "t_1", "value", cache.stamp());
    assertThat(cache.get("fresh")).isEqualTo("value");
  }

  @Test
  @DisplayName("across threads, a drop is never undone by a put of a read that began before it")
  void concurrentPutsAndDrops() throws InterruptedException {
    NotifiedCache<Long> shared = new NotifiedCache<>("release", () -> true, registry);
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread writer = new Thread(() -> {
      while (!stop.get()) {
        long stamp = shared.stamp();
        shared.put("t_1/r_1", "t_1", stamp, stamp);
      }
    });
    writer.start();
    try {
      for (int i = 0; i < 100_000; i++) {
        long before = shared.stamp();
        shared.invalidate("t_1");
        Long seen = shared.get("t_1/r_1");
        assertThat(seen == null || seen > before).as("a value read before drop %d", i).isTrue();
      }
    } finally {
      stop.set(true);
      writer.join();
    }
  }
}
