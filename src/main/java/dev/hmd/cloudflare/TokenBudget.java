package dev.hmd.cloudflare;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;

/**
 * A sliding-window request budget per API token, so the service never crosses Cloudflare's
 * 1200 requests per 5 minutes (crossing it bans the token for 5 minutes). Excess requests are not
 * refused but scheduled: {@link #reserve} books the earliest start that keeps at most
 * {@code limit} starts in any window and returns how long to wait for it.
 *
 * <p>Each token keeps a ring of its last {@code limit} booked start times, keyed by a hash of the
 * token so the secret is never held here. A token idle for a whole window constrains nothing and
 * is evicted, so memory follows the tokens active in the last window. Thread-safe: one client may
 * be shared by verticles on several event loops.
 */
final class TokenBudget {

  private final int limit;
  private final long windowMillis;
  private final Map<String, Ring> rings = new HashMap<>();
  private long lastSweep;

  TokenBudget(int limit, long windowMillis) {
    this.limit = limit;
    this.windowMillis = windowMillis;
  }

  /**
   * Books a start for a request of {@code tokenKey} and returns the delay in milliseconds until
   * it, 0 to go now. When the delay would exceed {@code maxWaitMillis} nothing is booked and the
   * (positive) delay is returned negated, so the caller can fail fast.
   */
  synchronized long reserve(String tokenKey, long nowMillis, long maxWaitMillis) {
    sweep(nowMillis);
    Ring ring = rings.computeIfAbsent(tokenKey, k -> new Ring(limit));
    long start = nowMillis;
    if (ring.size == limit) {
      // The oldest of the last `limit` starts must have left the window before another may begin.
      start = Math.max(nowMillis, ring.oldest() + windowMillis);
    }
    long wait = start - nowMillis;
    if (wait > maxWaitMillis) {
      return -wait;
    }
    ring.push(start);
    return wait;
  }

  /** Tokens currently tracked; for tests of the eviction. */
  synchronized int trackedTokens() {
    return rings.size();
  }

  private void sweep(long nowMillis) {
    if (nowMillis - lastSweep < windowMillis) {
      return;
    }
    lastSweep = nowMillis;
    for (Iterator<Ring> it = rings.values().iterator(); it.hasNext(); ) {
      if (it.next().newest() + windowMillis <= nowMillis) {
        it.remove();
      }
    }
  }

  /** A stable, non-reversible key for a token: the budget must not hold the secret itself. */
  static String keyOf(String token) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  /** Booked start times in booking order, which is also time order: bookings never move backwards. */
  private static final class Ring {
    private final long[] starts;
    private int head;
    private int size;

    Ring(int capacity) {
      starts = new long[capacity];
    }

    void push(long start) {
      starts[(head + size) % starts.length] = start;
      if (size < starts.length) {
        size++;
      } else {
        head = (head + 1) % starts.length;
      }
    }

    long oldest() {
      return starts[head];
    }

    long newest() {
      return size == 0 ? Long.MIN_VALUE / 2 : starts[(head + size - 1) % starts.length];
    }
  }
}
