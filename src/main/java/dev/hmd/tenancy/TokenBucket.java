package dev.hmd.tenancy;

import java.util.concurrent.TimeUnit;

/**
 * A token bucket: up to {@code capacity} tokens, refilled at {@code perMinute} a minute. The
 * limiters of the API (requests per key, failed authentications per address) keep one per key.
 * Thread-safe; times are {@link System#nanoTime()} readings handed in, so tests can move them.
 */
final class TokenBucket {

  private final double capacity;
  private final double refillPerNano;
  private double tokens;
  private long lastNanos;

  TokenBucket(double capacity, double perMinute, long now) {
    this.capacity = capacity;
    this.refillPerNano = perMinute / (double) TimeUnit.MINUTES.toNanos(1);
    this.tokens = capacity;
    this.lastNanos = now;
  }

  /** Takes a token if there is one: 0, else the whole seconds until there is one. */
  synchronized int tryTake(long now) {
    int wait = secondsToWait(now);
    if (wait == 0) {
      tokens -= 1;
    }
    return wait;
  }

  /** Takes a token, or what is left of one. */
  synchronized void take(long now) {
    refill(now);
    tokens = Math.max(0, tokens - 1);
  }

  /** 0 when a token is there; else the whole seconds until one is. */
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

  private void refill(long now) {
    tokens = Math.min(capacity, tokens + (now - lastNanos) * refillPerNano);
    lastNanos = now;
  }
}
