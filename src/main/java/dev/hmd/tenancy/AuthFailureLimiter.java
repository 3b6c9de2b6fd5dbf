package dev.hmd.tenancy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Failed authentications per client address: a token bucket of {@code perMinute} failures,
 * refilled at that rate. While an address has none left, every credential it sends is refused
 * with a 429 before being checked, so keys, sessions and the admin token cannot be guessed at
 * speed. Successes cost nothing. In memory per process; {@code perMinute} 0 turns it off.
 */
public final class AuthFailureLimiter {

  /** Addresses tracked at most; beyond, the refilled ones are forgotten (and all, if that is not enough). */
  static final int MAX_ADDRESSES = 50_000;

  private final double capacity;
  private final double refillPerNano;
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  public AuthFailureLimiter(int perMinute) {
    this(perMinute, System::nanoTime);
  }

  AuthFailureLimiter(int perMinute, LongSupplier nanoClock) {
    this.capacity = perMinute;
    this.refillPerNano = perMinute / (double) TimeUnit.MINUTES.toNanos(1);
    this.nanoClock = nanoClock;
  }

  /** 0 when {@code address} may try its credentials; else the seconds until it may again. */
  public int blocked(String address) {
    if (capacity == 0) {
      return 0;
    }
    Bucket bucket = buckets.get(address);
    return bucket == null ? 0 : bucket.secondsToWait(nanoClock.getAsLong());
  }

  /** {@code address} sent credentials that did not hold. */
  public void failed(String address) {
    if (capacity == 0) {
      return;
    }
    if (buckets.size() >= MAX_ADDRESSES && !buckets.containsKey(address)) {
      long now = nanoClock.getAsLong();
      buckets.values().removeIf(b -> b.full(now));
      if (buckets.size() >= MAX_ADDRESSES) {
        buckets.clear();
      }
    }
    buckets.computeIfAbsent(address, a -> new Bucket(capacity, nanoClock.getAsLong())).take(nanoClock.getAsLong());
  }

  private final class Bucket {
    private double tokens;
    private long lastNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.lastNanos = now;
    }

    private void refill(long now) {
      tokens = Math.min(capacity, tokens + (now - lastNanos) * refillPerNano);
      lastNanos = now;
    }

    synchronized void take(long now) {
      refill(now);
      tokens = Math.max(0, tokens - 1);
    }

    synchronized int secondsToWait(long now) {
      refill(now);
      if (tokens >= 1) {
        return 0;
      }
      double waitNanos = (1 - tokens) / refillPerNano;
      return (int) Math.max(1, Math.ceil(waitNanos / TimeUnit.SECONDS.toNanos(1)));
    }

    synchronized boolean full(long now) {
      refill(now);
      return tokens >= capacity;
    }
  }
}
