package dev.hmd.tenancy;

import java.util.concurrent.ConcurrentHashMap;
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

  private final int perMinute;
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();

  public AuthFailureLimiter(int perMinute) {
    this(perMinute, System::nanoTime);
  }

  AuthFailureLimiter(int perMinute, LongSupplier nanoClock) {
    this.perMinute = perMinute;
    this.nanoClock = nanoClock;
  }

  /** 0 when {@code address} may try its credentials; else the seconds until it may again. */
  public int blocked(String address) {
    if (perMinute == 0) {
      return 0;
    }
    TokenBucket bucket = buckets.get(address);
    return bucket == null ? 0 : bucket.secondsToWait(nanoClock.getAsLong());
  }

  /** {@code address} sent credentials that did not hold. */
  public void failed(String address) {
    if (perMinute == 0) {
      return;
    }
    if (buckets.size() >= MAX_ADDRESSES && !buckets.containsKey(address)) {
      long now = nanoClock.getAsLong();
      buckets.values().removeIf(b -> b.full(now));
      if (buckets.size() >= MAX_ADDRESSES) {
        buckets.clear();
      }
    }
    buckets.computeIfAbsent(address, a -> new TokenBucket(perMinute, perMinute, nanoClock.getAsLong()))
      .take(nanoClock.getAsLong());
  }
}
