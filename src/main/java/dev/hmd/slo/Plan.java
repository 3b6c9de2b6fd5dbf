package dev.hmd.slo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A rollout plan: the stages a release walks through and the SLOs every check holds the new
 * version to. Build one from untrusted JSON with {@link PlanValidator#validate(Map)};
 * this record assumes it already holds a valid plan.
 */
public record Plan(
  List<Stage> stages,
  List<Slo> slos,
  int pollIntervalSeconds,
  int minRequests,
  int failureThreshold,
  InsufficientDataPolicy onInsufficientData,
  Integer approvalTimeoutSeconds,
  SmokeTest smokeTest,
  List<Gate> gates) {

  public static final int DEFAULT_POLL_INTERVAL_SECONDS = 10;
  public static final int DEFAULT_MIN_REQUESTS = 50;
  public static final int DEFAULT_FAILURE_THRESHOLD = 1;
  public static final InsufficientDataPolicy DEFAULT_ON_INSUFFICIENT_DATA = InsufficientDataPolicy.PAUSE;

  public Plan {
    stages = List.copyOf(stages);
    slos = List.copyOf(slos);
    gates = gates == null ? List.of() : List.copyOf(gates);
    Objects.requireNonNull(onInsufficientData, "onInsufficientData");
  }

  /** A plan without release controls (no smoke test, no gates). */
  public Plan(List<Stage> stages, List<Slo> slos, int pollIntervalSeconds, int minRequests, int failureThreshold,
              InsufficientDataPolicy onInsufficientData, Integer approvalTimeoutSeconds) {
    this(stages, slos, pollIntervalSeconds, minRequests, failureThreshold, onInsufficientData, approvalTimeoutSeconds,
      null, List.of());
  }

  /** The same plan with {@code smokeTest} (null: none) and {@code gates}. */
  public Plan withControls(SmokeTest smokeTest, List<Gate> gates) {
    return new Plan(stages, slos, pollIntervalSeconds, minRequests, failureThreshold, onInsufficientData,
      approvalTimeoutSeconds, smokeTest, gates);
  }

  /** The gates asked once, before anything is deployed. */
  public List<Gate> gatesBeforeStart() {
    return gates.stream().filter(g -> g.when() == Gate.When.BEFORE_START).toList();
  }

  /**
   * The gates asked before stage {@code index}'s split: every {@code before_each_stage} gate, and
   * the {@code before_promotion} ones when the stage sends all traffic to the new version.
   */
  public List<Gate> gatesBeforeStage(int index) {
    boolean promotion = stage(index).targetPercent() == 100;
    return gates.stream().filter(g -> g.when() == Gate.When.BEFORE_EACH_STAGE
      || promotion && g.when() == Gate.When.BEFORE_PROMOTION).toList();
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

  /** The plan in its API shape (the body of {@code PUT /v1/connections/{id}/plan}), as plain maps and lists. */
  public Map<String, Object> toMap() {
    List<Object> stageList = new ArrayList<>();
    for (Stage stage : stages) {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("targetPercent", stage.targetPercent());
      map.put("soakSeconds", stage.soakSeconds());
      map.put("autoProgress", stage.autoProgress());
      if (stage.description() != null) {
        map.put("description", stage.description());
      }
      // only when set: left out, it follows soakSeconds (4 x), also after soakSeconds is edited
      if (stage.maxSoakSeconds() != null) {
        map.put("maxSoakSeconds", stage.maxSoakSeconds());
      }
      stageList.add(map);
    }
    List<Object> sloList = new ArrayList<>();
    for (Slo slo : slos) {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("sli", slo.sli().wireName());
      map.put("threshold", jsonNumber(slo.threshold()));
      map.put("mode", slo.mode().wireName());
      if (slo.dryRun()) {
        map.put("dryRun", true);
      }
      sloList.add(map);
    }
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("stages", stageList);
    map.put("slos", sloList);
    map.put("pollIntervalSeconds", pollIntervalSeconds);
    map.put("minRequests", minRequests);
    map.put("failureThreshold", failureThreshold);
    map.put("onInsufficientData", onInsufficientData.wireName());
    map.put("approvalTimeoutSeconds", approvalTimeoutSeconds);
    map.put("smokeTest", smokeTest == null ? null : smokeTestMap(smokeTest));
    List<Object> gateList = new ArrayList<>();
    for (Gate gate : gates) {
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("name", gate.name());
      g.put("url", gate.url());
      g.put("when", gate.when().wireName());
      g.put("timeoutSeconds", gate.timeoutSeconds());
      gateList.add(g);
    }
    map.put("gates", gateList);
    return map;
  }

  private static Map<String, Object> smokeTestMap(SmokeTest smoke) {
    List<Object> requests = new ArrayList<>();
    for (SmokeTest.SmokeRequest r : smoke.requests()) {
      Map<String, Object> request = new LinkedHashMap<>();
      request.put("method", r.method());
      request.put("path", r.path());
      request.put("expectStatus", new ArrayList<>(r.expectStatus()));
      requests.add(request);
    }
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("url", smoke.url());
    map.put("requests", requests);
    map.put("repeat", smoke.repeat());
    map.put("maxFailures", smoke.maxFailures());
    return map;
  }

  /**
   * Reads a plan written by {@link #toMap()} (a stored plan or a release's snapshot). Stored
   * plans were validated when saved, so a failure here means a corrupt row: it throws.
   */
  public static Plan fromMap(Map<String, ?> map) {
    PlanValidation validation = PlanValidator.validate(map);
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
