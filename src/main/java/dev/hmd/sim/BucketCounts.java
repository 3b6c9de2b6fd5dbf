package dev.hmd.sim;

/** Sample counts per {@link LogBuckets} index, read in ascending index order. */
interface BucketCounts {

  long total();

  /** The lowest bucket holding a sample; meaningless when {@link #total()} is 0. */
  int lowest();

  /** The highest bucket holding a sample; meaningless when {@link #total()} is 0. */
  int highest();

  void forEach(Visitor visitor);

  @FunctionalInterface
  interface Visitor {
    void accept(int index, long count);
  }
}
