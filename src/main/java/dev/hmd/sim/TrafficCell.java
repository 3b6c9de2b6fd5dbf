package dev.hmd.sim;

/**
 * The invocations of one version with one outcome within one block of time: how many, and the
 * histograms of their wall and CPU times. Every other telemetry key of an invocation (script,
 * status, type...) follows from the version and the outcome, so this is all that is kept.
 */
final class TrafficCell {

  final SimVersion version;
  final InvocationOutcome outcome;
  private BucketCounts wall = new Histogram();
  private BucketCounts cpu = new Histogram();

  TrafficCell(SimVersion version, InvocationOutcome outcome) {
    this.version = version;
    this.outcome = outcome;
  }

  void record(int wallIndex, int cpuIndex) {
    ((Histogram) wall).record(wallIndex);
    ((Histogram) cpu).record(cpuIndex);
  }

  long count() {
    return wall.total();
  }

  BucketCounts wall() {
    return wall;
  }

  BucketCounts cpu() {
    return cpu;
  }

  void freeze() {
    if (wall instanceof Histogram live) {
      wall = live.freeze();
    }
    if (cpu instanceof Histogram live) {
      cpu = live.freeze();
    }
  }
}
