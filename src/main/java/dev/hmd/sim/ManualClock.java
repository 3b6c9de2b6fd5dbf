package dev.hmd.sim;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to; for tests and benchmarks. */
public final class ManualClock implements SimClock {

  private final AtomicLong now;

  public ManualClock(long startMillis) {
    this.now = new AtomicLong(startMillis);
  }

  @Override
  public long millis() {
    return now.get();
  }

  public void advance(Duration by) {
    now.addAndGet(by.toMillis());
  }

  public void set(long millis) {
    now.set(millis);
  }
}
