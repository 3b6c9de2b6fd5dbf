package dev.hmd.cli;

import dev.hmd.retry.Backoff;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;

/**
 * Follows one release's event stream to its end, printing progress. A dropped connection is
 * resumed with {@code Last-Event-ID}, so no event is missed or printed twice; the service's
 * {@code retry:} hint sets the first delay, which doubles per failed attempt.
 */
final class ReleaseWatcher {

  /** Consecutive failed reconnects before giving up (about three minutes with the backoff). */
  static final int MAX_RECONNECTS = 10;
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  /** After the outcome, how long to wait for Cloudflare to serve the final split before exiting anyway. */
  static final Duration SETTLE_WAIT = Duration.ofSeconds(60);

  private final HmdClient client;
  private final PrintWriter out;
  private final PrintWriter err;
  private final Duration timeout;
  private final Duration settleWait;
  private Duration retry = Duration.ofSeconds(2);

  ReleaseWatcher(HmdClient client, PrintWriter out, PrintWriter err, Duration timeout) {
    this(client, out, err, timeout, SETTLE_WAIT);
  }

  ReleaseWatcher(HmdClient client, PrintWriter out, PrintWriter err, Duration timeout, Duration settleWait) {
    this.client = client;
    this.out = out;
    this.err = err;
    this.timeout = timeout;
    this.settleWait = settleWait;
  }

  /** Watches until the release ends; returns the CLI's exit code. */
  int watch(String releaseId) {
    String path = "/v1/releases/" + HmdClient.segment(releaseId) + "/events";
    ReleaseProgress progress = new ReleaseProgress();
    Instant deadline = timeout.isZero() ? Instant.MAX : Instant.now().plus(timeout);
    Instant settleBy = Instant.MAX;
    long lastId = 0;
    boolean everOpened = false;
    int failures = 0;
    while (true) {
      String interruption = "the stream ended";
      HmdClient.EventStream stream = null;
      try {
        stream = client.events(path, lastId);
      } catch (HmdClient.Failure e) {
        // before the first answer a failure is the caller's to fix (URL, key, id); later it is weather
        if (!everOpened || !e.retryable()) {
          throw e;
        }
        interruption = e.getMessage();
      }
      if (stream != null) {
        everOpened = true;
        try (HmdClient.EventStream open = stream) {
          while (true) {
            Instant now = Instant.now();
            Instant until = deadline.isBefore(settleBy) ? deadline : settleBy;
            HmdClient.Item item = open.next(Duration.between(now, until));
            if (item == null) {
              return timedOut(progress, releaseId, settleBy);
            }
            if (item instanceof HmdClient.Retry r) {
              retry = Duration.ofMillis(Math.max(100, r.millis()));
            } else if (item instanceof HmdClient.Event e) {
              if (e.id() > 0 && e.id() <= lastId) {
                continue;
              }
              lastId = Math.max(lastId, e.id());
              failures = 0;
              progress.accept(e.type(), e.data()).forEach(out::println);
              out.flush();
              if (progress.done()) {
                return progress.exitCode();
              }
              if (progress.ended() && settleBy == Instant.MAX) {
                settleBy = Instant.now().plus(settleWait);
              }
            } else if (item instanceof HmdClient.Closed c) {
              interruption = c.reason();
              break;
            }
          }
        }
      }
      failures++;
      if (failures > MAX_RECONNECTS) {
        throw new HmdClient.Failure("lost the event stream of release " + releaseId + " after " + MAX_RECONNECTS
          + " attempts to resume it: " + interruption);
      }
      Duration delay = backoff(failures);
      if (Instant.now().plus(delay).isAfter(deadline)) {
        return timedOut(progress, releaseId, settleBy);
      }
      err.println("hmd: event stream interrupted (" + interruption + "); resuming after event " + lastId + " in "
        + delay.toMillis() / 1000.0 + " s");
      err.flush();
      try {
        Thread.sleep(delay.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HmdClient.Failure("interrupted while waiting to resume the event stream");
      }
    }
  }

  private Duration backoff(int failures) {
    return new Backoff(retry, MAX_BACKOFF, Backoff.Jitter.NONE).after(failures);
  }

  private int timedOut(ReleaseProgress progress, String releaseId, Instant settleBy) {
    if (progress.ended()) {
      // the outcome is known; the service keeps applying the final split on its own
      out.println("Cloudflare does not serve the final split yet; the service keeps applying it");
      out.flush();
      return progress.exitCode();
    }
    String state = progress.release() == null ? "unknown" : progress.release().getString("state");
    err.println("hmd: release " + releaseId + " is still " + state + " after " + timeout.toSeconds()
      + " s; it goes on without this command (hmd release watch " + releaseId + " to follow it, hmd release cancel "
      + releaseId + " to stop it)");
    err.flush();
    return ReleaseCommand.TIMED_OUT;
  }
}
