package dev.hmd.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.api.TenantRepository.KeyRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.buffer.Buffer;
import java.time.OffsetDateTime;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The cache's rules, on their own: what may be served and what may be kept. (ReadCacheProcessesTest: on real services.) */
class ReadCacheTest {

  final AtomicBoolean listening = new AtomicBoolean(true);
  final AtomicLong now = new AtomicLong(1_000_000);
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final ReadCache cache = new ReadCache(listening::get, now::get, registry);

  static final byte[] HASH = {1, 2, 3};
  static final KeyRecord KEY = new KeyRecord("k_1", "t_1", "ci", Role.OPERATOR, OffsetDateTime.now(), null);
  static final Buffer VIEW = Buffer.buffer("{\"id\":\"r_1\"}");

  double lookups(String cache, String result) {
    return registry.get("hmd.api.cache.lookups").tag("cache", cache).tag("result", result).counter().count();
  }

  @Test
  @DisplayName("a key read is served by hash and by id until it is revoked; the lookups are counted")
  void keys() {
    assertThat(cache.keyByHash(HASH)).isNull();
    cache.putKey(HASH, KEY, cache.stamp());
    assertThat(cache.keyByHash(HASH)).isEqualTo(KEY);
    assertThat(cache.keyById("k_1")).isEqualTo(KEY);
    assertThat(cache.keyById("k_2")).isNull();
    cache.keyRevoked("k_1");
    assertThat(cache.keyByHash(HASH)).isNull();
    assertThat(cache.keyById("k_1")).isNull();
    assertThat(lookups("api_key", "hit")).isEqualTo(2);
    assertThat(lookups("api_key", "miss")).isEqualTo(4);
  }

  @Test
  @DisplayName("a read that began before a drop is not kept: it may have seen the row as it was")
  void staleReadsAreNotKept() {
    long keyRead = cache.stamp();
    long viewRead = cache.stamp();
    long otherTenantsRead = cache.stamp();
    cache.keyRevoked("k_9");
    cache.tenantChanged("t_1");
    cache.putKey(HASH, KEY, keyRead);
    cache.putView("t_1", "r_1", VIEW, viewRead);
    cache.putView("t_2", "r_2", VIEW, otherTenantsRead);
    assertThat(cache.keyByHash(HASH)).isNull();
    assertThat(cache.view("t_1", "r_1")).isNull();
    assertThat(cache.view("t_2", "r_2")).as("another tenant's change drops nothing of t_2").isEqualTo(VIEW);

    cache.putView("t_1", "r_1", VIEW, cache.stamp());
    assertThat(cache.view("t_1", "r_1")).isEqualTo(VIEW);
  }

  @Test
  @DisplayName("views are per tenant: one tenant's change drops its own, and another tenant cannot read them")
  void viewsPerTenant() {
    cache.putView("t_1", "r_1", VIEW, cache.stamp());
    cache.putView("t_2", "r_2", VIEW, cache.stamp());
    assertThat(cache.view("t_2", "r_1")).isNull();
    cache.tenantChanged("t_1");
    assertThat(cache.view("t_1", "r_1")).isNull();
    assertThat(cache.view("t_2", "r_2")).isEqualTo(VIEW);
  }

  @Test
  @DisplayName("while nothing listens, nothing is served or kept; a resync drops what was kept before")
  void onlyWhileListening() {
    cache.putKey(HASH, KEY, cache.stamp());
    cache.putView("t_1", "r_1", VIEW, cache.stamp());
    listening.set(false);
    assertThat(cache.keyByHash(HASH)).isNull();
    assertThat(cache.view("t_1", "r_1")).isNull();
    cache.putKey(new byte[] {9}, KEY, cache.stamp());
    listening.set(true);
    assertThat(cache.keyByHash(new byte[] {9})).isNull();

    long before = cache.stamp();
    cache.resynced();
    assertThat(cache.keyByHash(HASH)).isNull();
    assertThat(cache.view("t_1", "r_1")).isNull();
    cache.putView("t_1", "r_1", VIEW, before);
    assertThat(cache.view("t_1", "r_1")).as("read before the resync").isNull();
  }

  @Test
  @DisplayName("entries expire after the TTL, and each cache is bounded")
  void expiryAndBound() {
    cache.putKey(HASH, KEY, cache.stamp());
    cache.putView("t_1", "r_1", VIEW, cache.stamp());
    now.addAndGet(ReadCache.TTL_MILLIS - 1);
    assertThat(cache.keyByHash(HASH)).isEqualTo(KEY);
    assertThat(cache.view("t_1", "r_1")).isEqualTo(VIEW);
    now.addAndGet(1);
    assertThat(cache.keyByHash(HASH)).isNull();
    assertThat(cache.view("t_1", "r_1")).isNull();

    for (int i = 0; i <= ReadCache.MAX_ENTRIES; i++) {
      cache.putView("t_" + (i % 7), "r_" + i, VIEW, cache.stamp());
    }
    int kept = 0;
    for (int i = 0; i <= ReadCache.MAX_ENTRIES; i++) {
      kept += cache.view("t_" + (i % 7), "r_" + i) == null ? 0 : 1;
    }
    assertThat(kept).isBetween(1, ReadCache.MAX_ENTRIES);
  }
}
