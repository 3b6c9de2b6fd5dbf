package dev.hmd.sim;

import java.util.Arrays;

/**
 * A histogram being filled: dense counts over the range of buckets seen so far. Once its minute
 * is complete it is {@link #freeze() frozen} into the sparse form, which is what makes 15 minutes
 * of 1000 Workers fit in tens of megabytes (a dense HdrHistogram per cell would take gigabytes).
 */
final class Histogram implements BucketCounts {

  private int low;
  private int[] counts;
  private long total;

  void record(int index) {
    if (counts == null) {
      low = index;
      counts = new int[8];
    } else if (index < low) {
      int shift = low - index;
      int[] grown = new int[Math.max(counts.length + shift, counts.length * 3 / 2)];
      System.arraycopy(counts, 0, grown, grown.length - counts.length, counts.length);
      low = low - (grown.length - counts.length);
      counts = grown;
    } else if (index - low >= counts.length) {
      counts = Arrays.copyOf(counts, Math.max(index - low + 1, counts.length * 3 / 2));
    }
    counts[index - low]++;
    total++;
  }

  @Override
  public long total() {
    return total;
  }

  @Override
  public int lowest() {
    return low;
  }

  @Override
  public int highest() {
    return counts == null ? low : low + counts.length - 1;
  }

  @Override
  public void forEach(Visitor visitor) {
    if (counts == null) {
      return;
    }
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] != 0) {
        visitor.accept(low + i, counts[i]);
      }
    }
  }

  FrozenHistogram freeze() {
    int used = 0;
    if (counts != null) {
      for (int c : counts) {
        used += c != 0 ? 1 : 0;
      }
    }
    short[] indexes = new short[used];
    int[] values = new int[used];
    int[] at = {0};
    forEach((index, count) -> {
      indexes[at[0]] = (short) index;
      values[at[0]++] = (int) count;
    });
    return new FrozenHistogram(indexes, values, total);
  }

  /** The compact, read-only form: only the buckets that hold samples. */
  record FrozenHistogram(short[] indexes, int[] counts, long total) implements BucketCounts {

    @Override
    public int lowest() {
      return indexes.length == 0 ? 0 : indexes[0];
    }

    @Override
    public int highest() {
      return indexes.length == 0 ? 0 : indexes[indexes.length - 1];
    }

    @Override
    public void forEach(Visitor visitor) {
      for (int i = 0; i < indexes.length; i++) {
        visitor.accept(indexes[i], counts[i]);
      }
    }
  }
}
