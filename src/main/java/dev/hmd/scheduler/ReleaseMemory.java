package dev.hmd.scheduler;

import java.time.Instant;

/**
 * What this process remembers of one release between its steps, beyond the row: only what
 * decides when to look again or feeds a metric, so losing it (a restart, another process taking
 * the release over) loses nothing the release needs. The scheduler keeps one per release it
 * drives and drops it when the release leaves the process: its step finds nothing left to do,
 * another process holds it, or its lease is given up.
 */
final class ReleaseMemory {

  /** Failed attempts to apply the wanted split since the last one that landed: the backoff's exponent. */
  int deployAttempts;
  /** Empty windows asked again for the due check: telemetry may be later than the configured lag. */
  int emptyWindowRetries;
  /**
   * End of the window whose failing check rolled the release back, until the rollback lands (for the latency metric).
   */
  Instant rollbackSince;

  /** Nothing worth keeping: the release is at rest. */
  boolean isEmpty() {
    return deployAttempts == 0 && emptyWindowRetries == 0 && rollbackSince == null;
  }
}
