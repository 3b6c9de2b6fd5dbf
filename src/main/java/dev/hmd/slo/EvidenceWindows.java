package dev.hmd.slo;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Which window the next check reads. Checks run on a grid of the poll interval (shared by the
 * releases of an account, so one telemetry query answers them all), and read from where the last
 * check ended ({@code cursor}) up to the latest grid window telemetry can have ({@code latest}).
 * Normally that is one interval. After checks were missed (a process died, Postgres or Cloudflare
 * was down) it is longer: the whole missed span in one query, since pooled evidence does not care
 * about window boundaries. A window never spans a change of split, though, except one interval
 * wide: a catch-up window stops at the last grid point before the next split change, so that each
 * stage's windows are judged against the split they were served under; the next check goes on
 * from there.
 */
public final class EvidenceWindows {

  /** {@code [start, end)}. */
  public record Window(Instant start, Instant end) {
  }

  private EvidenceWindows() {
  }

  /**
   * The window after {@code cursor} (a grid point), ending on the grid at or before
   * {@code latest}; empty when not even one interval is there yet.
   */
  public static Optional<Window> next(ReleaseState state, Instant cursor, Instant latest, Duration interval) {
    Instant oneInterval = cursor.plus(interval);
    if (oneInterval.isAfter(latest)) {
      return Optional.empty();
    }
    Instant cut = firstChangeAfter(state, cursor);
    if (cut == null || !cut.isBefore(latest)) {
      return Optional.of(new Window(cursor, latest));
    }
    if (cut.isBefore(oneInterval)) {
      // the change falls inside the first interval: that interval alone, served under both splits
      return Optional.of(new Window(cursor, oneInterval));
    }
    long whole = Duration.between(cursor, cut).toMillis() / interval.toMillis();
    return Optional.of(new Window(cursor, cursor.plus(interval.multipliedBy(whole))));
  }

  /**
   * The first instant after {@code t} at which the release's split changed or may have: a stage's
   * split confirmed serving, or a stage's end (the next split asked for, or the rollback).
   */
  private static Instant firstChangeAfter(ReleaseState state, Instant t) {
    Instant first = null;
    for (StageState stage : state.stages()) {
      for (Instant change : new Instant[] {stage.soakStartedAt(), stage.completedAt()}) {
        if (change != null && change.isAfter(t) && (first == null || change.isBefore(first))) {
          first = change;
        }
      }
    }
    return first;
  }
}
