package dev.hmd.sim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The retained telemetry of one Worker: one block per minute, filled second by second as time
 * passes, frozen when the minute is over, evicted past the retention. Seconds at the edges of a
 * query are regenerated instead of being stored, so a second costs memory only as part of its minute.
 * Not thread-safe: the owning {@link SimWorker} holds the lock.
 */
final class TrafficStore {

  /** Generates one second of a Worker's traffic. */
  @FunctionalInterface
  interface SecondSource {
    void generate(long second, TrafficSink sink);
  }

  /** Receives the blocks a query covers, each tagged with its minute. */
  @FunctionalInterface
  interface BlockVisitor {
    void visit(TrafficBlock block);
  }

  private final NavigableMap<Long, TrafficBlock> minutes = new TreeMap<>();
  private final Map<SimVersion, long[]> evictedTotals = new LinkedHashMap<>();
  private long generatedThrough;

  TrafficStore(long firstSecond) {
    this.generatedThrough = firstSecond - 1;
  }

  /** The last second generated so far: its traffic must not change any more. */
  long generatedThrough() {
    return generatedThrough;
  }

  /** Generates every second up to {@code lastSecond} and drops minutes older than {@code retainFrom}. */
  void advance(long lastSecond, long retainFrom, SecondSource source) {
    for (long s = Math.max(generatedThrough + 1, retainFrom); s <= lastSecond; s++) {
      TrafficBlock block = minutes.computeIfAbsent(Math.floorDiv(s, 60), TrafficBlock::new);
      block.covered(s);
      source.generate(s, block);
      if (Math.floorMod(s, 60) == 59) {
        block.freeze();
      }
    }
    generatedThrough = Math.max(generatedThrough, lastSecond);
    NavigableMap<Long, TrafficBlock> expired = minutes.headMap(Math.floorDiv(retainFrom, 60), false);
    expired.values().forEach(block -> block.cells().forEach(this::countEvicted));
    expired.clear();
  }

  private void countEvicted(TrafficCell cell) {
    count(evictedTotals.computeIfAbsent(cell.version, v -> new long[3]), cell);
  }

  private static void count(long[] totals, TrafficCell cell) {
    totals[0] += cell.count();
    totals[1] += cell.outcome.failed() ? cell.count() : 0;
    totals[2] += cell.outcome == InvocationOutcome.SERVER_ERROR ? cell.count() : 0;
  }

  /**
   * Visits the traffic of seconds {@code [from, to)}, which must already be generated: stored
   * blocks where they cover exactly the wanted seconds of their minute, regenerated ones elsewhere.
   */
  void visit(long from, long to, SecondSource source, BlockVisitor visitor) {
    for (long minute = Math.floorDiv(from, 60); minute * 60 < to; minute++) {
      TrafficBlock stored = minutes.get(minute);
      if (stored == null || stored.firstSecond() > stored.lastSecond()) {
        continue;
      }
      long start = Math.max(from, stored.firstSecond());
      long end = Math.min(to, stored.lastSecond() + 1);
      if (start >= end) {
        continue;
      }
      if (start == stored.firstSecond() && end == stored.lastSecond() + 1) {
        visitor.visit(stored);
      } else {
        TrafficBlock partial = new TrafficBlock(minute);
        for (long s = start; s < end; s++) {
          partial.covered(s);
          source.generate(s, partial);
        }
        visitor.visit(partial);
      }
    }
  }

  /**
   * Per version since the Worker was created: {@code [requests, errors, serverErrors]}, where
   * errors are all invocations answered 500 (exceptions and server errors alike).
   */
  Map<SimVersion, long[]> totals() {
    Map<SimVersion, long[]> totals = new LinkedHashMap<>();
    evictedTotals.forEach((version, counts) -> totals.put(version, counts.clone()));
    for (TrafficBlock block : minutes.values()) {
      for (TrafficCell cell : block.cells()) {
        count(totals.computeIfAbsent(cell.version, v -> new long[3]), cell);
      }
    }
    return totals;
  }
}
