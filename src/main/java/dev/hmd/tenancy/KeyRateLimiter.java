package dev.hmd.tenancy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A token bucket per API key: {@code perMinute} requests a minute on average, bursts of up to a
 * sixth of that (at least 10). In memory per process; with N replicas a key gets at most N times
 * the rate, which is what a limiter protecting each process should do.
 */
public final class KeyRateLimiter {

  private final double capacity;
  private final double refillPerNano;
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  public KeyRateLimiter(int perMinute) {
    this(perMinute, System::nanoTime);
  }

  KeyRateLimiter(int perMinute, LongSupplier nanoClock) {
    this.capacity = Math.max(10, perMinute / 6.0);
    this.refillPerNano = perMinute / (double) TimeUnit.MINUTES.toNanos(1);
    this.nanoClock = nanoClock;
  }

  /** Takes one token for {@code key}; returns 0 when allowed, else the seconds to wait. */
  public int acquire(String key) {
    return buckets.computeIfAbsent(key, k -> new Bucket(capacity, nanoClock.getAsLong())).take();
  }

  private final class Bucket {
    private double tokens;
    private long lastNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.lastNanos = now;
    }

    synchronized int take() {
      long now = nanoClock.getAsLong();
      tokens = Math.min(capacity, tokens + (now - lastNanos) * refillPerNano);
      lastNanos = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      double waitNanos = (1 - tokens) / refillPerNano;
      return (int) Math.max(1, Math.ceil(waitNanos / TimeUnit.SECONDS.toNanos(1)));
    }
  }
}
