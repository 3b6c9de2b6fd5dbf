package dev.hmd.sim;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cloudflare's global API limit: a token may make {@code limit} calls within any sliding window;
 * the call beyond that blocks the token for a whole window ("429 for the next 5 minutes").
 */
final class RateLimiter {

  private final int limit;
  private final long windowMs;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  RateLimiter(int limit, long windowMs) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** Counts a call; returns 0 when allowed, else the seconds to wait before the next call. */
  long acquire(String tokenId, long nowMs) {
    Window window = windows.computeIfAbsent(tokenId, id -> new Window(limit));
    synchronized (window) {
      if (nowMs < window.blockedUntil) {
        return secondsUntil(window.blockedUntil, nowMs);
      }
      window.dropOlderThan(nowMs - windowMs);
      if (window.size == limit) {
        window.blockedUntil = nowMs + windowMs;
        window.size = 0;
        return secondsUntil(window.blockedUntil, nowMs);
      }
      window.add(nowMs);
      return 0;
    }
  }

  void reset() {
    windows.clear();
  }

  private static long secondsUntil(long untilMs, long nowMs) {
    return Math.max(1, (untilMs - nowMs + 999) / 1000);
  }

  /** The times of the accepted calls still inside the window, in a ring buffer. */
  private static final class Window {
    final long[] times;
    int head;
    int size;
    long blockedUntil;

    Window(int limit) {
      times = new long[limit];
    }

    void dropOlderThan(long cutoff) {
      while (size > 0 && times[head] <= cutoff) {
        head = (head + 1) % times.length;
        size--;
      }
    }

    void add(long time) {
      times[(head + size) % times.length] = time;
      size++;
    }
  }
}
