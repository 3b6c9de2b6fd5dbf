package dev.hmd.sim;

import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The invocations that requests to the edge made, per second, each packed into one long (version
 * number, outcome, wall and CPU bucket): 8 bytes a request. They are history, like a deployment:
 * generating a second replays them after its synthetic traffic, so a stored minute and a
 * regenerated second agree. Not thread-safe: the owning {@link SimWorker} holds the lock.
 */
final class EdgeHits {

  private static final int BUCKET_BITS = 15;
  private static final long BUCKET_MASK = (1L << BUCKET_BITS) - 1;
  private static final InvocationOutcome[] OUTCOMES = InvocationOutcome.values();

  static {
    if (LogBuckets.MAX_INDEX > BUCKET_MASK) {
      throw new IllegalStateException("bucket indexes no longer fit in " + BUCKET_BITS + " bits");
    }
  }

  /** The hits of one second, in arrival order. */
  private static final class Second {
    long[] packed = new long[4];
    int size;
  }

  private final NavigableMap<Long, Second> seconds = new TreeMap<>();

  void add(long second, SimVersion version, InvocationOutcome outcome, int wallIndex, int cpuIndex) {
    Second hits = seconds.computeIfAbsent(second, s -> new Second());
    if (hits.size == hits.packed.length) {
      hits.packed = Arrays.copyOf(hits.packed, hits.size * 2);
    }
    hits.packed[hits.size++] = (long) version.number << 32 | (long) outcome.ordinal() << 2 * BUCKET_BITS
      | (long) wallIndex << BUCKET_BITS | cpuIndex;
  }

  /** Replays the hits of {@code second}; {@code versions} are the Worker's, oldest first (number 1 at index 0). */
  void replay(long second, List<SimVersion> versions, TrafficSink sink) {
    Second hits = seconds.get(second);
    if (hits == null) {
      return;
    }
    for (int i = 0; i < hits.size; i++) {
      long hit = hits.packed[i];
      sink.record(versions.get((int) (hit >>> 32) - 1), OUTCOMES[(int) (hit >>> 2 * BUCKET_BITS & 3)],
        (int) (hit >>> BUCKET_BITS & BUCKET_MASK), (int) (hit & BUCKET_MASK));
    }
  }

  /** Forgets the seconds before {@code fromSecond}: their traffic is evicted or already counted. */
  void retainFrom(long fromSecond) {
    seconds.headMap(fromSecond, false).clear();
  }
}
