package dev.hmd.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * A copy of hot rows that Postgres notifications keep true: the API's active keys and encoded
 * release views. Postgres stays the truth. Every entry belongs to a scope (the key's id, the
 * release's tenant) that a notification drops as a whole; the process that made a change drops its
 * own scope before it answers, so a client reads its own writes, and other processes drop theirs
 * when the notification arrives, milliseconds later.
 *
 * <p>A notification can only be missed while the listening connection is down, so nothing is
 * served from or put into the cache then ({@code listening}), and it is emptied when the connection
 * is up again ({@link #clear}). A read that began before its scope was dropped is not kept when it
 * ends (it may have read the old row): callers take a {@link #stamp} before reading and hand it
 * back with the result. Entries also expire after {@link #TTL_MILLIS}, which bounds what a change
 * made behind the service's back (a manual {@code update} in psql) can leave behind, and the cache
 * holds about {@link #MAX_ENTRIES} at most.
 *
 * <p>Thread-safe without a lock, for the API instances of every event loop: a drop first raises
 * its scope's stamp, then removes the scope's entries. An entry keeps the stamp of its read, and a
 * get serves it only while no drop of its scope came after that read, so an entry a put inserts
 * while a drop runs is never served, and the put takes it back.
 */
public final class NotifiedCache<V> {

  public static final long TTL_MILLIS = 60_000;
  public static final int MAX_ENTRIES = 10_000;

  private record Entry<V>(V value, String scope, long stamp, long expiresAt) {
  }

  private final BooleanSupplier listening;
  private final LongSupplier clock;
  private final Map<String, Entry<V>> entries = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> keysOfScope = new ConcurrentHashMap<>();
  /** Stamps order reads and drops: a read may fill the cache only if nothing it covers was dropped after it began. */
  private final AtomicLong stamps = new AtomicLong();
  private volatile long everythingDroppedAt;
  private final Map<String, Long> scopeDroppedAt = new ConcurrentHashMap<>();
  private final Counter hits;
  private final Counter misses;

  public NotifiedCache(String name, BooleanSupplier listening, MeterRegistry registry) {
    this(name, listening, System::currentTimeMillis, registry);
  }

  public NotifiedCache(String name, BooleanSupplier listening, LongSupplier clock, MeterRegistry registry) {
    this.listening = listening;
    this.clock = clock;
    hits = counter(registry, name, "hit");
    misses = counter(registry, name, "miss");
  }

  private static Counter counter(MeterRegistry registry, String cache, String result) {
    return Counter.builder("hmd.api.cache.lookups").tag("cache", cache).tag("result", result)
      .description("API reads answered from this process's cache (hit) or from Postgres (miss)").register(registry);
  }

  /** Taken before a read whose result may be kept; hand it back with the result. */
  public long stamp() {
    return stamps.incrementAndGet();
  }

  /** The value kept under {@code key}, or null; counted as a hit or a miss. */
  public V get(String key) {
    V found = null;
    if (listening.getAsBoolean()) {
      Entry<V> entry = entries.get(key);
      if (entry != null && entry.expiresAt() > clock.getAsLong() && fresh(entry.scope(), entry.stamp())) {
        found = entry.value();
      } else if (entry != null) {
        remove(key, entry);
      }
    }
    (found == null ? misses : hits).increment();
    return found;
  }

  /** A value just read from Postgres by a read that began at {@code stamp}, dropped with {@code scope}. */
  public void put(String key, String scope, V value, long stamp) {
    if (!fresh(scope, stamp)) {
      return;
    }
    if (entries.size() >= MAX_ENTRIES) {
      clear();
      return;
    }
    Entry<V> entry = new Entry<>(value, scope, stamp, clock.getAsLong() + TTL_MILLIS);
    keysOfScope.computeIfAbsent(scope, s -> ConcurrentHashMap.newKeySet()).add(key);
    Entry<V> previous = entries.put(key, entry);
    if (previous != null && !previous.scope().equals(scope)) {
      unlink(key, previous.scope());
    }
    if (!fresh(scope, stamp)) {
      // a drop came in between: it may not have seen this entry
      remove(key, entry);
    }
  }

  /** Everything of {@code scope} changed: drop it, and keep no read of it that began before now. */
  public void invalidate(String scope) {
    scopeDroppedAt.put(scope, stamp());
    if (scopeDroppedAt.size() > MAX_ENTRIES) {
      clear();
    }
    Set<String> keys = keysOfScope.remove(scope);
    if (keys != null) {
      keys.forEach(entries::remove);
    }
  }

  /** Anything may have changed (the listening connection was down): drop everything. */
  public void clear() {
    everythingDroppedAt = stamp();
    entries.clear();
    keysOfScope.clear();
    scopeDroppedAt.clear();
  }

  public int size() {
    return entries.size();
  }

  private boolean fresh(String scope, long stamp) {
    return listening.getAsBoolean() && stamp > everythingDroppedAt && stamp > scopeDroppedAt.getOrDefault(scope, 0L);
  }

  private void remove(String key, Entry<V> entry) {
    if (entries.remove(key, entry)) {
      unlink(key, entry.scope());
    }
  }

  private void unlink(String key, String scope) {
    Set<String> keys = keysOfScope.get(scope);
    if (keys != null) {
      keys.remove(key);
    }
  }
}
