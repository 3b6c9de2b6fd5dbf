package dev.hmd.sim;

/** Where the generator puts each synthetic invocation. */
@FunctionalInterface
interface TrafficSink {

  void record(SimVersion version, InvocationOutcome outcome, int wallIndex, int cpuIndex);
}
