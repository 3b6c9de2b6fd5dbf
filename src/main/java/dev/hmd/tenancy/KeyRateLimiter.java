package dev.hmd.tenancy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per API key: {@code perMinute} requests a minute on average, bursts of up to a
 * sixth of that (at least 10). In memory per process; with N replicas a key gets at most N times
 * the rate, which is what a limiter protecting each process should do.
 */
public final class KeyRateLimiter {

  private final double capacity;
  private final int perMinute;
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();

  public KeyRateLimiter(int perMinute) {
    this(perMinute, System::nanoTime);
  }

  KeyRateLimiter(int perMinute, LongSupplier nanoClock) {
    this.capacity = Math.max(10, perMinute / 6.0);
    this.perMinute = perMinute;
    this.nanoClock = nanoClock;
  }

  /** Takes one token for {@code key}; returns 0 when allowed, else the seconds to wait. */
  public int acquire(String key) {
    long now = nanoClock.getAsLong();
    return buckets.computeIfAbsent(key, k -> new TokenBucket(capacity, perMinute, now)).tryTake(now);
  }
}
