package dev.hmd.sim;

/** Sample counts per {@link LogBuckets} index, read in ascending index order. */
interface BucketCounts {

  long total();

  void forEach(Visitor visitor);

  @FunctionalInterface
  interface Visitor {
    void accept(int index, long count);
  }
}
