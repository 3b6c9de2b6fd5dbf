package dev.hmd.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Values that change over time, each in force from a given second on. Keeping the history (not
 * only the latest value) is what lets any past second's traffic be regenerated exactly.
 * Not thread-safe: its owner holds the lock.
 */
final class TimeLine<T> {

  private final List<Long> fromSeconds = new ArrayList<>();
  private final List<T> values = new ArrayList<>();

  /** A change from {@code fromSecond} on; a later change for the same or an earlier second wins. */
  void put(long fromSecond, T value) {
    while (!fromSeconds.isEmpty() && fromSeconds.get(fromSeconds.size() - 1) >= fromSecond) {
      fromSeconds.remove(fromSeconds.size() - 1);
      values.remove(values.size() - 1);
    }
    fromSeconds.add(fromSecond);
    values.add(value);
  }

  /** The value in force during {@code second}, or null before the first one. */
  T at(long second) {
    int low = 0;
    int high = fromSeconds.size() - 1;
    int found = -1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      if (fromSeconds.get(mid) <= second) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found < 0 ? null : values.get(found);
  }

  T latest() {
    return values.isEmpty() ? null : values.get(values.size() - 1);
  }
}
