package dev.hmd.connections;

import dev.hmd.http.Json;
import dev.hmd.slo.Plan;
import dev.hmd.slo.PlanValidation;
import dev.hmd.slo.PlanValidator;
import io.vertx.core.json.JsonObject;

/** Plans as JSON: the API's body, the stored plan and a release's snapshot all have this shape. */
public final class PlanJson {

  private PlanJson() {
  }

  public static JsonObject toJson(Plan plan) {
    return new JsonObject(plan.toMap());
  }

  /** Reads a stored plan; it was valid when saved, so a failure means a corrupt row: it throws. */
  public static Plan fromJson(JsonObject json) {
    return Plan.fromMap(Json.plain(json));
  }

  /** An untrusted body: the plan, or every problem it has. */
  public static PlanValidation validate(JsonObject body) {
    return PlanValidator.validate(body == null ? null : Json.plain(body));
  }
}
