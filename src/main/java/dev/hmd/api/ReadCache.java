package dev.hmd.api;

import dev.hmd.api.TenantRepository.KeyRecord;
import dev.hmd.events.EventHub;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.buffer.Buffer;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * This process's copies of the API's two hottest reads: active API keys (by hash, and by id for
 * sessions) and encoded release views. Without them every request costs two Postgres round trips,
 * and {@code GET /v1/releases/{id}} served 15% of what a bare Vert.x endpoint does
 * (docs/BENCHMARKS.md).
 *
 * <p>Postgres stays the truth; the copies are kept true by its notifications, which
 * {@link EventHub} listens to:
 * <ul>
 *   <li>every change of a release appends events, whose notification drops the cached views of
 *   that tenant (all of them: one notification names a tenant, not a release);</li>
 *   <li>revoking a key notifies its id, which drops the key.</li>
 * </ul>
 * The process that made a change drops its own copies before it answers, so a client reads its
 * own writes; other processes drop theirs when the notification arrives, milliseconds later.
 *
 * <p>A notification can only be missed while the listening connection is down, so nothing is
 * served from or put into the caches then, and they are emptied when it is up again. A read
 * that started before a drop is not cached when it ends (it may have read the old row). Entries
 * also expire after {@link #TTL_MILLIS}, which bounds what a change made behind the service's
 * back (a manual {@code update} in psql) can leave behind, and each cache holds at most
 * {@link #MAX_ENTRIES}.
 *
 * <p>Not thread-safe: the API verticle's event loop owns it.
 */
public final class ReadCache implements EventHub.Changes {

  public static final long TTL_MILLIS = 60_000;
  public static final int MAX_ENTRIES = 10_000;

  private record Cached<T>(T value, long expiresAt) {
  }

  private final BooleanSupplier listening;
  private final LongSupplier clock;
  private final Map<String, Cached<KeyRecord>> keysByHash = new HashMap<>();
  private final Map<String, Cached<KeyRecord>> keysById = new HashMap<>();
  private final Map<String, String> hashOfKey = new HashMap<>();
  private final Map<String, Map<String, Cached<Buffer>>> views = new HashMap<>();
  private int viewCount;
  /** Stamps order reads and drops: a read may fill the cache only if nothing it covers was dropped after it began. */
  private long stamps;
  private long everythingDroppedAt;
  private long keysDroppedAt;
  private final Map<String, Long> tenantDroppedAt = new HashMap<>();
  private final Counter keyHits;
  private final Counter keyMisses;
  private final Counter viewHits;
  private final Counter viewMisses;

  public ReadCache(BooleanSupplier listening, MeterRegistry registry) {
    this(listening, System::currentTimeMillis, registry);
  }

  ReadCache(BooleanSupplier listening, LongSupplier clock, MeterRegistry registry) {
    this.listening = listening;
    this.clock = clock;
    keyHits = counter(registry, "api_key", "hit");
    keyMisses = counter(registry, "api_key", "miss");
    viewHits = counter(registry, "release", "hit");
    viewMisses = counter(registry, "release", "miss");
  }

  private static Counter counter(MeterRegistry registry, String cache, String result) {
    return Counter.builder("hmd.api.cache.lookups").tag("cache", cache).tag("result", result)
      .description("API reads answered from this process's cache (hit) or from Postgres (miss)").register(registry);
  }

  /** Taken before a read whose result may be cached; hand it back with the result. */
  public long stamp() {
    return ++stamps;
  }

  public KeyRecord keyByHash(byte[] hash) {
    return count(fresh(keysByHash, HexFormat.of().formatHex(hash)), keyHits, keyMisses);
  }

  public KeyRecord keyById(String keyId) {
    return count(fresh(keysById, keyId), keyHits, keyMisses);
  }

  /** An active key just read from Postgres, by a read that began at {@code stamp}. */
  public void putKey(byte[] hash, KeyRecord key, long stamp) {
    if (!fillable(stamp, keysDroppedAt)) {
      return;
    }
    if (keysById.size() >= MAX_ENTRIES) {
      dropKeys();
    }
    Cached<KeyRecord> entry = new Cached<>(key, clock.getAsLong() + TTL_MILLIS);
    keysById.put(key.id(), entry);
    if (hash != null) {
      String hex = HexFormat.of().formatHex(hash);
      keysByHash.put(hex, entry);
      hashOfKey.put(key.id(), hex);
    }
  }

  /** A release's encoded view; null when not cached. Scoped by tenant like every read. */
  public Buffer view(String tenantId, String releaseId) {
    Map<String, Cached<Buffer>> ofTenant = views.get(tenantId);
    Buffer found = null;
    if (ofTenant != null && listening.getAsBoolean()) {
      Cached<Buffer> cached = ofTenant.get(releaseId);
      if (cached != null && cached.expiresAt() > clock.getAsLong()) {
        found = cached.value();
      } else if (cached != null) {
        ofTenant.remove(releaseId);
        viewCount--;
      }
    }
    return count(found, viewHits, viewMisses);
  }

  public void putView(String tenantId, String releaseId, Buffer encoded, long stamp) {
    if (!fillable(stamp, tenantDroppedAt.getOrDefault(tenantId, 0L))) {
      return;
    }
    if (viewCount >= MAX_ENTRIES) {
      views.clear();
      viewCount = 0;
    }
    if (views.computeIfAbsent(tenantId, t -> new HashMap<>())
      .put(releaseId, new Cached<>(encoded, clock.getAsLong() + TTL_MILLIS)) == null) {
      viewCount++;
    }
  }

  /** Something of the tenant's releases changed (it appended events). */
  @Override
  public void tenantChanged(String tenantId) {
    tenantDroppedAt.put(tenantId, stamp());
    Map<String, Cached<Buffer>> dropped = views.remove(tenantId);
    if (dropped != null) {
      viewCount -= dropped.size();
    }
  }

  @Override
  public void keyRevoked(String keyId) {
    keysDroppedAt = stamp();
    keysById.remove(keyId);
    String hex = hashOfKey.remove(keyId);
    if (hex != null) {
      keysByHash.remove(hex);
    }
  }

  /** The listening connection is (again) up: whatever happened while it was down went unheard. */
  @Override
  public void resynced() {
    everythingDroppedAt = stamp();
    dropKeys();
    views.clear();
    viewCount = 0;
    tenantDroppedAt.clear();
  }

  private void dropKeys() {
    keysByHash.clear();
    keysById.clear();
    hashOfKey.clear();
  }

  private boolean fillable(long stamp, long droppedAt) {
    return listening.getAsBoolean() && stamp > everythingDroppedAt && stamp > droppedAt;
  }

  private KeyRecord fresh(Map<String, Cached<KeyRecord>> map, String key) {
    if (!listening.getAsBoolean()) {
      return null;
    }
    Cached<KeyRecord> cached = map.get(key);
    if (cached == null) {
      return null;
    }
    if (cached.expiresAt() <= clock.getAsLong()) {
      map.remove(key);
      return null;
    }
    return cached.value();
  }

  private static <T> T count(T value, Counter hits, Counter misses) {
    (value == null ? misses : hits).increment();
    return value;
  }
}
