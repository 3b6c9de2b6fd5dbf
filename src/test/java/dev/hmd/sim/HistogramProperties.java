package dev.hmd.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Percentage.withPercentage;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class HistogramProperties {

  @Property
  @Label("a bucket's midpoint is within 1% of every value in it")
  void bucketPrecision(@ForAll @DoubleRange(min = 0.01, max = 1_000_000) double ms) {
    assertThat(LogBuckets.value(LogBuckets.index(ms))).isCloseTo(ms, withPercentage(1.01));
  }

  @Property
  @Label("freezing a histogram keeps every bucket, count, total and bound")
  void freezeKeepsCounts(@ForAll @Size(min = 1, max = 300) List<@IntRange(min = 0, max = 1152) Integer> samples) {
    Histogram live = new Histogram();
    samples.forEach(live::record);
    BucketCounts frozen = live.freeze();
    assertThat(visit(frozen)).isEqualTo(visit(live));
    assertThat(frozen.total()).isEqualTo(samples.size());
    assertThat(frozen.lowest()).isEqualTo(samples.stream().mapToInt(i -> i).min().orElseThrow());
    assertThat(frozen.highest()).isEqualTo(samples.stream().mapToInt(i -> i).max().orElseThrow());
    assertThat(live.lowest()).isLessThanOrEqualTo(frozen.lowest());
    assertThat(live.highest()).isGreaterThanOrEqualTo(frozen.highest());
  }

  @Property(tries = 50)
  @Label("the same Worker seed and second always generate the same invocations")
  void generationIsDeterministic(@ForAll long seed, @ForAll @IntRange(min = 0, max = 1_000_000) int second) {
    SimVersion version = new SimVersion("v", 1, 0, null, null, "wrangler", "a@b", 0,
      Profile.DEFAULT.withErrorRate(0.3));
    assertThat(generate(seed, second, version)).isEqualTo(generate(seed, second, version));
  }

  private static List<String> generate(long seed, long second, SimVersion version) {
    List<String> invocations = new ArrayList<>();
    TrafficGenerator.generate(seed, second, 20.5, new SimVersion[] {version}, new double[] {100},
      (v, failed, wall, cpu) -> invocations.add(failed + "/" + wall + "/" + cpu));
    return invocations;
  }

  private static List<String> visit(BucketCounts histogram) {
    List<String> buckets = new ArrayList<>();
    histogram.forEach((index, count) -> buckets.add(index + ":" + count));
    return buckets;
  }
}
