package dev.hmd.bench;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** Readings of the service's own metrics, taken at the start and the end of a measurement window. */
final class Meters {

  private Meters() {
  }

  /**
   * Events counted so far by every meter named {@code name}, summed per value of {@code tag} (all under "" when null).
   */
  static Map<String, Double> counts(MeterRegistry registry, String name, String tag) {
    Map<String, Double> counts = new TreeMap<>();
    for (Meter meter : registry.find(name).meters()) {
      String key = tag == null ? "" : String.valueOf(meter.getId().getTag(tag));
      counts.merge(key, count(meter), Double::sum);
    }
    return counts;
  }

  static double total(MeterRegistry registry, String name) {
    return counts(registry, name, null).values().stream().mapToDouble(Double::doubleValue).sum();
  }

  private static double count(Meter meter) {
    if (meter instanceof Counter c) {
      return c.count();
    }
    if (meter instanceof Timer t) {
      return t.count();
    }
    if (meter instanceof FunctionCounter c) {
      return c.count();
    }
    if (meter instanceof FunctionTimer t) {
      return t.count();
    }
    return 0;
  }

  /** {@code after - before}, per key. */
  static Map<String, Double> delta(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> delta = new TreeMap<>();
    after.forEach((k, v) -> delta.put(k, v - before.getOrDefault(k, 0.0)));
    return delta;
  }

  /** A timer's histogram (cumulative count per bucket upper bound, in ms), to subtract two readings. */
  static TreeMap<Double, Double> histogram(MeterRegistry registry, String name) {
    TreeMap<Double, Double> buckets = new TreeMap<>();
    Timer timer = registry.find(name).timer();
    if (timer == null) {
      return buckets;
    }
    for (CountAtBucket b : timer.takeSnapshot().histogramCounts()) {
      buckets.put(b.bucket(TimeUnit.MILLISECONDS), b.count());
    }
    return buckets;
  }

  /**
   * The {@code q} quantile (0..1) of what a timer recorded between two readings of its histogram:
   * the upper bound of the bucket where the cumulative count crosses q (so at most one bucket,
   * about 10%, above the truth). NaN when nothing was recorded.
   */
  static double quantile(TreeMap<Double, Double> before, TreeMap<Double, Double> after, double q) {
    double total = 0;
    TreeMap<Double, Double> delta = new TreeMap<>();
    for (Map.Entry<Double, Double> e : after.entrySet()) {
      double d = e.getValue() - before.getOrDefault(e.getKey(), 0.0);
      delta.put(e.getKey(), d);
      total = Math.max(total, d);
    }
    if (total <= 0) {
      return Double.NaN;
    }
    for (Map.Entry<Double, Double> e : delta.entrySet()) {
      if (e.getValue() >= q * total) {
        return e.getKey();
      }
    }
    return Double.POSITIVE_INFINITY;
  }
}
