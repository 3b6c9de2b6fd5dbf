package dev.hmd.slo;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A rollout plan: the stages a release walks through and the SLOs every check holds the new
 * version to. Build one from untrusted JSON with {@link PlanValidator#validate(JsonObject)};
 * this record assumes it already holds a valid plan.
 */
public record Plan(
  List<Stage> stages,
  List<Slo> slos,
  int pollIntervalSeconds,
  int minRequests,
  int failureThreshold,
  InsufficientDataPolicy onInsufficientData,
  Integer approvalTimeoutSeconds) {

  public static final int DEFAULT_POLL_INTERVAL_SECONDS = 10;
  public static final int DEFAULT_MIN_REQUESTS = 50;
  public static final int DEFAULT_FAILURE_THRESHOLD = 1;
  public static final InsufficientDataPolicy DEFAULT_ON_INSUFFICIENT_DATA = InsufficientDataPolicy.PAUSE;

  public Plan {
    stages = List.copyOf(stages);
    slos = List.copyOf(slos);
    Objects.requireNonNull(onInsufficientData, "onInsufficientData");
  }

  /**
   * The plan a connection has until one is saved: a canary at 10%, half, then everything, a
   * minute each, judged on tail latency and errors. Pausing on insufficient data is the safe
   * default for a Worker whose traffic we do not know yet.
   */
  public static Plan defaultPlan() {
    return new Plan(
      List.of(
        new Stage(10, 60, true, "canary"),
        new Stage(50, 60, true, "half"),
        new Stage(100, 60, true, "everyone")),
      List.of(
        Slo.absolute(Sli.LATENCY_P99, 500),
        Slo.absolute(Sli.ERROR_RATE, 0.01)),
      DEFAULT_POLL_INTERVAL_SECONDS,
      DEFAULT_MIN_REQUESTS,
      DEFAULT_FAILURE_THRESHOLD,
      DEFAULT_ON_INSUFFICIENT_DATA,
      null);
  }

  public Stage stage(int index) {
    return stages.get(index);
  }

  public int stageCount() {
    return stages.size();
  }

  /** The plan in its API shape (the body of {@code PUT /v1/connections/{id}/plan}). */
  public JsonObject toJson() {
    JsonArray stageArray = new JsonArray();
    for (Stage stage : stages) {
      JsonObject json = new JsonObject()
        .put("targetPercent", stage.targetPercent())
        .put("soakSeconds", stage.soakSeconds())
        .put("autoProgress", stage.autoProgress());
      if (stage.description() != null) {
        json.put("description", stage.description());
      }
      stageArray.add(json);
    }
    JsonArray sloArray = new JsonArray();
    for (Slo slo : slos) {
      sloArray.add(new JsonObject()
        .put("sli", slo.sli().wireName())
        .put("threshold", jsonNumber(slo.threshold()))
        .put("mode", slo.mode().wireName()));
    }
    return new JsonObject()
      .put("stages", stageArray)
      .put("slos", sloArray)
      .put("pollIntervalSeconds", pollIntervalSeconds)
      .put("minRequests", minRequests)
      .put("failureThreshold", failureThreshold)
      .put("onInsufficientData", onInsufficientData.wireName())
      .put("approvalTimeoutSeconds", approvalTimeoutSeconds);
  }

  /**
   * Reads a plan written by {@link #toJson()} (a stored plan or a release's snapshot). Stored
   * plans were validated when saved, so a failure here means a corrupt row: it throws.
   */
  public static Plan fromJson(JsonObject json) {
    PlanValidation validation = PlanValidator.validate(json);
    if (validation instanceof PlanValidation.Valid valid) {
      return valid.plan();
    }
    throw new IllegalArgumentException("not a valid plan: " + validation.errors().stream()
      .map(e -> e.field() + ": " + e.message())
      .collect(Collectors.joining("; ")));
  }

  /** Whole thresholds leave as integers, so a saved {@code 300} reads back as {@code 300}. */
  private static Number jsonNumber(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return (long) value;
    }
    return value;
  }
}
