package dev.hmd.sim;

/** Where the generator puts each synthetic invocation. */
@FunctionalInterface
interface TrafficSink {

  void record(SimVersion version, boolean failed, int wallIndex, int cpuIndex);
}
