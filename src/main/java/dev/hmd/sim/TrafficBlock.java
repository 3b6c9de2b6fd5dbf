package dev.hmd.sim;

import java.util.ArrayList;
import java.util.List;

/** The traffic of one Worker over a run of consecutive seconds within one minute. */
final class TrafficBlock implements TrafficSink {

  final long minute;
  private long firstSecond = Long.MAX_VALUE;
  private long lastSecond = Long.MIN_VALUE;
  private final List<TrafficCell> cells = new ArrayList<>(4);
  private TrafficCell last;

  TrafficBlock(long minute) {
    this.minute = minute;
  }

  @Override
  public void record(SimVersion version, InvocationOutcome outcome, int wallIndex, int cpuIndex) {
    TrafficCell cell = last;
    if (cell == null || cell.version != version || cell.outcome != outcome) {
      cell = cellFor(version, outcome);
      last = cell;
    }
    cell.record(wallIndex, cpuIndex);
  }

  private TrafficCell cellFor(SimVersion version, InvocationOutcome outcome) {
    for (TrafficCell cell : cells) {
      if (cell.version == version && cell.outcome == outcome) {
        return cell;
      }
    }
    TrafficCell cell = new TrafficCell(version, outcome);
    cells.add(cell);
    return cell;
  }

  /** Marks {@code second} as part of this block, with or without invocations. */
  void covered(long second) {
    firstSecond = Math.min(firstSecond, second);
    lastSecond = Math.max(lastSecond, second);
  }

  long firstSecond() {
    return firstSecond;
  }

  long lastSecond() {
    return lastSecond;
  }

  List<TrafficCell> cells() {
    return cells;
  }

  void freeze() {
    cells.forEach(TrafficCell::freeze);
    last = null;
  }
}
