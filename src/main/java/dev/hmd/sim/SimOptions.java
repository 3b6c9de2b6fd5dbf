package dev.hmd.sim;

import java.time.Duration;

/**
 * Tunables of the simulator. Defaults match Cloudflare where the contract knows it (1200 calls per
 * 5 minutes per token) and keep memory bounded elsewhere (15 minutes of telemetry).
 *
 * @param retention how long telemetry is kept; older minutes are evicted
 * @param rateLimitRequests calls a token may make within {@code rateLimitWindow}; the next one
 *   blocks the token for a whole window, as Cloudflare documents
 * @param rateLimitWindow the sliding window of the rate limit
 * @param propagationSeconds extra seconds before a new deployment takes traffic (real Cloudflare
 *   needs "a few seconds"); a deployment always applies from the second after it was made
 * @param overridePropagationSeconds seconds, from when a deployment starts serving, during which
 *   the edge ignores {@code Cloudflare-Workers-Version-Overrides} and the split decides, as
 *   Cloudflare does for a few seconds after a deployment change; {@code PUT /sim/faults} can
 *   override it while faults are set
 * @param seed mixed into every Worker's random source, so that runs are reproducible
 * @param clock the time source
 * @param tickInterval how often traffic is materialized and old data evicted in the background
 */
public record SimOptions(Duration retention, int rateLimitRequests, Duration rateLimitWindow,
                         int propagationSeconds, int overridePropagationSeconds, long seed, SimClock clock,
                         Duration tickInterval) {

  public static final Duration DEFAULT_RETENTION = Duration.ofMinutes(15);
  public static final int DEFAULT_RATE_LIMIT = 1200;
  public static final Duration DEFAULT_RATE_WINDOW = Duration.ofMinutes(5);
  public static final int DEFAULT_OVERRIDE_PROPAGATION_SECONDS = 2;
  /** The most either propagation setting may be: beyond this a test would wait for nothing. */
  public static final int MAX_PROPAGATION_SECONDS = 3600;

  public SimOptions {
    if (retention.toSeconds() < 60) {
      throw new IllegalArgumentException("retention must be at least one minute");
    }
    if (rateLimitRequests < 1 || rateLimitWindow.toMillis() < 1) {
      throw new IllegalArgumentException("the rate limit needs at least one request per window");
    }
    if (propagationSeconds < 0) {
      throw new IllegalArgumentException("propagationSeconds must be >= 0");
    }
    if (overridePropagationSeconds < 0 || overridePropagationSeconds > MAX_PROPAGATION_SECONDS) {
      throw new IllegalArgumentException("overridePropagationSeconds must be within 0.." + MAX_PROPAGATION_SECONDS);
    }
    if (tickInterval.toMillis() < 10) {
      throw new IllegalArgumentException("tickInterval must be at least 10 ms");
    }
  }

  public static SimOptions defaults() {
    return new SimOptions(DEFAULT_RETENTION, DEFAULT_RATE_LIMIT, DEFAULT_RATE_WINDOW, 0,
      DEFAULT_OVERRIDE_PROPAGATION_SECONDS, 0x5EED_CAFEL, SimClock.system(), Duration.ofSeconds(1));
  }

  public SimOptions withRetention(Duration value) {
    return new SimOptions(value, rateLimitRequests, rateLimitWindow, propagationSeconds, overridePropagationSeconds,
      seed, clock, tickInterval);
  }

  public SimOptions withRateLimit(int requests, Duration window) {
    return new SimOptions(retention, requests, window, propagationSeconds, overridePropagationSeconds, seed, clock,
      tickInterval);
  }

  public SimOptions withPropagationSeconds(int value) {
    return new SimOptions(retention, rateLimitRequests, rateLimitWindow, value, overridePropagationSeconds, seed,
      clock, tickInterval);
  }

  public SimOptions withOverridePropagationSeconds(int value) {
    return new SimOptions(retention, rateLimitRequests, rateLimitWindow, propagationSeconds, value, seed, clock,
      tickInterval);
  }

  public SimOptions withSeed(long value) {
    return new SimOptions(retention, rateLimitRequests, rateLimitWindow, propagationSeconds, overridePropagationSeconds,
      value, clock, tickInterval);
  }

  public SimOptions withClock(SimClock value) {
    return new SimOptions(retention, rateLimitRequests, rateLimitWindow, propagationSeconds, overridePropagationSeconds,
      seed, value, tickInterval);
  }

  public SimOptions withTickInterval(Duration value) {
    return new SimOptions(retention, rateLimitRequests, rateLimitWindow, propagationSeconds, overridePropagationSeconds,
      seed, clock, value);
  }
}
