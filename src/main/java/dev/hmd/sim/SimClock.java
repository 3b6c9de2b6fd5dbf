package dev.hmd.sim;

/**
 * The simulator's notion of "now" in Unix milliseconds. Tests pass a {@link ManualClock} so that
 * minutes of synthetic traffic, rate-limit windows and retention can be crossed instantly.
 */
@FunctionalInterface
public interface SimClock {

  long millis();

  static SimClock system() {
    return System::currentTimeMillis;
  }
}
