package dev.hmd.scheduler;

import java.time.Duration;
import java.time.Instant;

/**
 * When checks run: on a grid of the poll interval, shifted by a phase derived from the Cloudflare
 * account. Releases of one account with the same interval therefore check at the same instants
 * over the same window, and the poller answers them all with one telemetry query; different
 * accounts fall on different phases, which spreads the load over the interval.
 */
public final class CheckGrid {

  private CheckGrid() {
  }

  /** The first grid instant strictly after {@code now}. */
  public static Instant next(Instant now, Duration interval, String accountId) {
    return atOrBefore(now, interval, accountId).plus(interval);
  }

  /** The last grid instant at or before {@code now}. */
  public static Instant atOrBefore(Instant now, Duration interval, String accountId) {
    long period = interval.toMillis();
    long phase = Math.floorMod(accountId.hashCode() * 2654435761L, period);
    long t = now.toEpochMilli();
    long k = Math.floorDiv(t - phase, period);
    return Instant.ofEpochMilli(k * period + phase);
  }
}
