package dev.hmd.sim;

import io.vertx.core.json.JsonObject;

/**
 * Faults injected into the Cloudflare endpoints (never into {@code /sim}).
 *
 * @param errorRate probability that a call is answered with {@code errorStatus}
 * @param errorStatus the 5xx status of those answers (default 500)
 * @param rateLimitRate probability that a call is answered 429, code 971, with a Retry-After
 * @param retryAfterSeconds the Retry-After of those 429s (default 1, so clients recover quickly)
 * @param latencyMs delay added to every answer
 * @param telemetryLagSeconds telemetry younger than this is not yet visible to queries
 */
public record Faults(double errorRate, int errorStatus, double rateLimitRate, int retryAfterSeconds, long latencyMs,
                     long telemetryLagSeconds) {

  public static final Faults NONE = new Faults(0, 500, 0, 1, 0, 0);

  public JsonObject toJson() {
    return new JsonObject()
      .put("errorRate", errorRate)
      .put("errorStatus", errorStatus)
      .put("rateLimitRate", rateLimitRate)
      .put("retryAfterSeconds", retryAfterSeconds)
      .put("latencyMs", latencyMs)
      .put("telemetryLagSeconds", telemetryLagSeconds);
  }
}
