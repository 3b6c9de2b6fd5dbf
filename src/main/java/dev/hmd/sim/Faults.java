package dev.hmd.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Faults injected into the Cloudflare endpoints (never into {@code /sim}), and the edge's override
 * propagation delay, which tests shorten or lengthen the same way.
 *
 * @param errorRate probability that a call is answered with {@code errorStatus}
 * @param errorStatus the 5xx status of those answers (default 500)
 * @param rateLimitRate probability that a call is answered 429, code 971, with a Retry-After
 * @param retryAfterSeconds the Retry-After of those 429s (default 1, so clients recover quickly)
 * @param latencyMs delay added to every answer
 * @param telemetryLagSeconds telemetry younger than this is not yet visible to queries
 * @param overridePropagationSeconds seconds after a deployment starts serving during which the
 *   edge ignores version overrides (by default {@link SimOptions#overridePropagationSeconds()})
 * @param refuseDeployments when not null, deployments are refused with this error
 */
public record Faults(double errorRate, int errorStatus, double rateLimitRate, int retryAfterSeconds, long latencyMs,
                     long telemetryLagSeconds, int overridePropagationSeconds, RefuseDeployments refuseDeployments) {

  /** No fault, with the default options' override propagation. */
  public static final Faults NONE = none(SimOptions.defaults());

  /** No fault: what {@code {}} and {@code DELETE /sim/faults} restore. */
  public static Faults none(SimOptions options) {
    return new Faults(0, 500, 0, 1, 0, 0, options.overridePropagationSeconds(), null);
  }

  /**
   * Every {@code POST .../deployments} (of the listed scripts, or of all when {@code scripts} is
   * null) is answered 400 with this Cloudflare error and changes nothing.
   */
  public record RefuseDeployments(int code, String message, List<String> scripts) {

    public RefuseDeployments {
      scripts = scripts == null ? null : List.copyOf(scripts);
    }

    boolean refuses(String script) {
      return scripts == null || scripts.contains(script);
    }

    JsonObject toJson() {
      JsonObject json = new JsonObject().put("code", code).put("message", message);
      if (scripts != null) {
        json.put("scripts", new JsonArray(List.copyOf(scripts)));
      }
      return json;
    }
  }

  /** Whether a deployment of {@code script} is to be refused, and with what. */
  boolean refusesDeploymentOf(String script) {
    return refuseDeployments != null && refuseDeployments.refuses(script);
  }

  public JsonObject toJson() {
    return new JsonObject()
      .put("errorRate", errorRate)
      .put("errorStatus", errorStatus)
      .put("rateLimitRate", rateLimitRate)
      .put("retryAfterSeconds", retryAfterSeconds)
      .put("latencyMs", latencyMs)
      .put("telemetryLagSeconds", telemetryLagSeconds)
      .put("overridePropagationSeconds", overridePropagationSeconds)
      .put("refuseDeployments", refuseDeployments == null ? null : refuseDeployments.toJson());
  }
}
