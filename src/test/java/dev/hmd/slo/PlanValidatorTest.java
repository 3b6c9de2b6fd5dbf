package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hmd.connections.PlanJson;
import dev.hmd.testing.Fixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PlanValidatorTest {

  private static JsonObject example() {
    return Fixture.contractPlan();
  }

  private static List<FieldError> errorsOf(JsonObject body) {
    PlanValidation result = PlanJson.validate(body);
    assertThat(result.isValid()).as("expected an invalid plan").isFalse();
    return result.errors();
  }

  private static Plan planOf(JsonObject body) {
    PlanValidation result = PlanJson.validate(body);
    assertThat(result.errors()).isEmpty();
    return ((PlanValidation.Valid) result).plan();
  }

  @Test
  @DisplayName(
    "maxSoakSeconds defaults to 4 x soakSeconds and is echoed only when set; below soakSeconds it is refused")
  void maxSoakSeconds() {
    Plan defaulted = planOf(example());
    assertThat(defaulted.stage(0).maxSoakSeconds()).isNull();
    assertThat(defaulted.stage(0).effectiveMaxSoakSeconds()).isEqualTo(240);
    assertThat(PlanJson.toJson(defaulted).getJsonArray("stages").getJsonObject(0).containsKey("maxSoakSeconds"))
      .isFalse();

    JsonObject body = example();
    body.getJsonArray("stages").getJsonObject(0).put("maxSoakSeconds", 60);
    Plan set = planOf(body);
    assertThat(set.stage(0)).isEqualTo(new Stage(10, 60, true, "canary", 60));
    assertThat(PlanJson.toJson(set).getJsonArray("stages").getJsonObject(0).getInteger("maxSoakSeconds")).isEqualTo(60);
    assertThat(PlanJson.fromJson(PlanJson.toJson(set))).isEqualTo(set);

    body.getJsonArray("stages").getJsonObject(0).put("maxSoakSeconds", 59);
    assertThat(errorsOf(body))
      .containsExactly(new FieldError("stages[0].maxSoakSeconds", "must be at least soakSeconds (60)"));
    body.getJsonArray("stages").getJsonObject(0).put("maxSoakSeconds", "long");
    assertThat(errorsOf(body)).extracting(FieldError::field).containsExactly("stages[0].maxSoakSeconds");
    body.getJsonArray("stages").getJsonObject(0).put("maxSoakSeconds", PlanValidator.MAX_MAX_SOAK_SECONDS + 1);
    assertThat(errorsOf(body)).extracting(FieldError::field).containsExactly("stages[0].maxSoakSeconds");
  }

  @Test
  @DisplayName("the contract's example plan is valid and read field by field")
  void contractExample() {
    Plan plan = planOf(example());
    assertThat(plan.stages()).containsExactly(
      new Stage(10, 60, true, "canary"),
      new Stage(100, 60, true, null));
    assertThat(plan.slos()).containsExactly(
      Slo.absolute(Sli.LATENCY_P99, 300),
      Slo.absolute(Sli.ERROR_RATE, 0.01),
      Slo.relative(Sli.LATENCY_P50, 1.2));
    assertThat(plan.pollIntervalSeconds()).isEqualTo(10);
    assertThat(plan.minRequests()).isEqualTo(50);
    assertThat(plan.failureThreshold()).isEqualTo(1);
    assertThat(plan.onInsufficientData()).isEqualTo(InsufficientDataPolicy.PAUSE);
    assertThat(plan.approvalTimeoutSeconds()).isNull();
  }

  @Test
  @DisplayName("the default plan is valid, ends at 100% and survives a JSON round trip")
  void defaultPlanRoundTrip() {
    Plan plan = Plan.defaultPlan();
    assertThat(plan.stages()).extracting(Stage::targetPercent).containsExactly(10, 50, 100);
    assertThat(PlanJson.fromJson(PlanJson.toJson(plan))).isEqualTo(plan);
    assertThat(PlanJson.fromJson(new JsonObject(PlanJson.toJson(plan).encode()))).isEqualTo(plan);
  }

  @Test
  @DisplayName("toJson writes the contract's field names, whole thresholds as integers and an explicit null timeout")
  void toJsonShape() {
    JsonObject json = PlanJson.toJson(planOf(example()));
    assertThat(json.fieldNames()).containsExactlyInAnyOrder("stages", "slos", "pollIntervalSeconds", "minRequests",
      "failureThreshold", "onInsufficientData", "approvalTimeoutSeconds", "smokeTest", "gates");
    assertThat(json.containsKey("approvalTimeoutSeconds")).isTrue();
    assertThat(json.getValue("approvalTimeoutSeconds")).isNull();
    assertThat(json.getJsonArray("slos").getJsonObject(0).encode())
      .isEqualTo("{\"sli\":\"latency_p99\",\"threshold\":300,\"mode\":\"absolute\"}");
    assertThat(json.getJsonArray("stages").getJsonObject(1).containsKey("description")).isFalse();
    assertThat(PlanJson.fromJson(json)).isEqualTo(planOf(example()));
  }

  @Test
  @DisplayName("fromJson throws on a corrupt stored plan, naming the problems")
  void fromJsonThrowsOnCorruptPlan() {
    assertThatThrownBy(() -> PlanJson.fromJson(new JsonObject().put("stages", "x")))
      .isInstanceOf(IllegalArgumentException.class)
      .hasMessageContaining("stages")
      .hasMessageContaining("slos");
  }

  @Test
  @DisplayName("optional settings take the default plan's values when missing or null")
  void defaults() {
    JsonObject body = new JsonObject()
      .put("stages", new JsonArray().add(new JsonObject().put("targetPercent", 100).put("soakSeconds", 5)))
      .put("slos", new JsonArray().add(new JsonObject().put("sli", "error_rate").put("threshold", 0.05)))
      .putNull("minRequests")
      .putNull("autoProgress");
    Plan plan = planOf(body);
    assertThat(plan.stages()).containsExactly(new Stage(100, 5, true, null));
    assertThat(plan.slos()).containsExactly(new Slo(Sli.ERROR_RATE, 0.05, SloMode.ABSOLUTE));
    assertThat(plan.pollIntervalSeconds()).isEqualTo(Plan.DEFAULT_POLL_INTERVAL_SECONDS);
    assertThat(plan.minRequests()).isEqualTo(Plan.DEFAULT_MIN_REQUESTS);
    assertThat(plan.failureThreshold()).isEqualTo(Plan.DEFAULT_FAILURE_THRESHOLD);
    assertThat(plan.onInsufficientData()).isEqualTo(InsufficientDataPolicy.PAUSE);
    assertThat(plan.approvalTimeoutSeconds()).isNull();
  }

  @Test
  @DisplayName("an empty SLO list is allowed, a missing one is not")
  void slosRequiredButMayBeEmpty() {
    assertThat(planOf(example().put("slos", new JsonArray())).slos()).isEmpty();
    JsonObject body = example();
    body.remove("slos");
    assertThat(errorsOf(body)).extracting(FieldError::field).containsExactly("slos");
  }

  @Test
  @DisplayName("unknown fields are ignored everywhere, so a GET response can be PUT back")
  void unknownFieldsIgnored() {
    JsonObject body = example().put("revision", 7).put("updatedAt", "2026-01-01T00:00:00Z").put("surprise", true);
    body.getJsonArray("stages").getJsonObject(0).put("state", "passed");
    body.getJsonArray("slos").getJsonObject(0).put("note", 1);
    assertThat(planOf(body)).isEqualTo(planOf(example()));
  }

  @Test
  @DisplayName("10.0 is an integer: JSON has a single number type")
  void wholeDecimalsAreIntegers() {
    JsonObject body = example().put("pollIntervalSeconds", 10.0).put("minRequests", new BigDecimal("50.000"));
    assertThat(planOf(body).pollIntervalSeconds()).isEqualTo(10);
    assertThat(planOf(body).minRequests()).isEqualTo(50);
  }

  @Test
  @DisplayName("a null body is one error, not an exception")
  void nullBody() {
    assertThat(PlanJson.validate(null).errors()).containsExactly(new FieldError("body", "must be a JSON object"));
  }

  @Test
  @DisplayName("an empty body names both required lists")
  void emptyBody() {
    assertThat(errorsOf(new JsonObject())).extracting(FieldError::field).containsExactly("stages", "slos");
  }

  static Stream<Arguments> singleProblems() {
    return Stream.of(
      Arguments.of("stages is a string", (Edit) b -> b.put("stages", "10,100"), "stages"),
      Arguments.of("stages is empty", (Edit) b -> b.put("stages", new JsonArray()), "stages"),
      Arguments.of("stages has 21 entries", (Edit) b -> b.put("stages", ascendingStages(21)), "stages"),
      Arguments.of("a stage is a number", (Edit) b -> stages(b).set(0, 10), "stages[0]"),
      Arguments.of("targetPercent missing", (Edit) b -> stage(b, 0).remove("targetPercent"), "stages[0].targetPercent"),
      Arguments.of("targetPercent 0", (Edit) b -> stage(b, 0).put("targetPercent", 0), "stages[0].targetPercent"),
      Arguments.of("targetPercent 10.5", (Edit) b -> stage(b, 0).put("targetPercent", 10.5), "stages[0].targetPercent"),
      Arguments.of("targetPercent a string", (Edit) b -> stage(b, 0).put("targetPercent", "10"),
        "stages[0].targetPercent"),
      Arguments.of("targetPercent not ascending", (Edit) b -> stages(b).add(1, stageJson(10, 5)),
        "stages[1].targetPercent"),
      Arguments.of("last stage not 100", (Edit) b -> stage(b, 1).put("targetPercent", 90), "stages[1].targetPercent"),
      Arguments.of("targetPercent 101", (Edit) b -> stage(b, 1).put("targetPercent", 101), "stages[1].targetPercent"),
      Arguments.of("soakSeconds missing", (Edit) b -> stage(b, 1).remove("soakSeconds"), "stages[1].soakSeconds"),
      Arguments.of("soakSeconds 0", (Edit) b -> stage(b, 1).put("soakSeconds", 0), "stages[1].soakSeconds"),
      Arguments.of("soakSeconds over a week", (Edit) b -> stage(b, 1).put("soakSeconds", 7 * 24 * 3600 + 1),
        "stages[1].soakSeconds"),
      Arguments.of("soakSeconds huge",
        (Edit) b -> stage(b, 1).put("soakSeconds", new BigInteger("1000000000000000000000")), "stages[1].soakSeconds"),
      Arguments.of("soakSeconds 1e300", (Edit) b -> stage(b, 1).put("soakSeconds", 1e300), "stages[1].soakSeconds"),
      Arguments.of("soakSeconds NaN", (Edit) b -> stage(b, 1).put("soakSeconds", Double.NaN), "stages[1].soakSeconds"),
      Arguments.of("autoProgress a string", (Edit) b -> stage(b, 0).put("autoProgress", "yes"),
        "stages[0].autoProgress"),
      Arguments.of("description a number", (Edit) b -> stage(b, 0).put("description", 5), "stages[0].description"),
      Arguments.of("description too long", (Edit) b -> stage(b, 0).put("description", "x".repeat(201)),
        "stages[0].description"),
      Arguments.of("slos an object", (Edit) b -> b.put("slos", new JsonObject()), "slos"),
      Arguments.of("slos has 21 entries", (Edit) b -> b.put("slos", manySlos(21)), "slos"),
      Arguments.of("an SLO is a string", (Edit) b -> slos(b).set(1, "error_rate"), "slos[1]"),
      Arguments.of("sli unknown", (Edit) b -> slo(b, 0).put("sli", "latency_p75"), "slos[0].sli"),
      Arguments.of("sli missing", (Edit) b -> slo(b, 0).remove("sli"), "slos[0].sli"),
      Arguments.of("sli a number", (Edit) b -> slo(b, 0).put("sli", 99), "slos[0].sli"),
      Arguments.of("threshold missing", (Edit) b -> slo(b, 0).remove("threshold"), "slos[0].threshold"),
      Arguments.of("threshold a string", (Edit) b -> slo(b, 0).put("threshold", "300"), "slos[0].threshold"),
      Arguments.of("latency threshold negative", (Edit) b -> slo(b, 0).put("threshold", -1), "slos[0].threshold"),
      Arguments.of("error_rate threshold above 1", (Edit) b -> slo(b, 1).put("threshold", 1.5), "slos[1].threshold"),
      Arguments.of("error_rate threshold negative", (Edit) b -> slo(b, 1).put("threshold", -0.01), "slos[1].threshold"),
      Arguments.of("relative threshold 0", (Edit) b -> slo(b, 2).put("threshold", 0), "slos[2].threshold"),
      Arguments.of("mode unknown", (Edit) b -> slo(b, 2).put("mode", "ratio"), "slos[2].mode"),
      Arguments.of("mode a boolean", (Edit) b -> slo(b, 2).put("mode", true), "slos[2].mode"),
      Arguments.of("pollIntervalSeconds 0", (Edit) b -> b.put("pollIntervalSeconds", 0), "pollIntervalSeconds"),
      Arguments.of("pollIntervalSeconds over an hour", (Edit) b -> b.put("pollIntervalSeconds", 3601),
        "pollIntervalSeconds"),
      Arguments.of("pollIntervalSeconds a string", (Edit) b -> b.put("pollIntervalSeconds", "10"),
        "pollIntervalSeconds"),
      Arguments.of("minRequests 0", (Edit) b -> b.put("minRequests", 0), "minRequests"),
      Arguments.of("minRequests 2.5", (Edit) b -> b.put("minRequests", 2.5), "minRequests"),
      Arguments.of("failureThreshold 0", (Edit) b -> b.put("failureThreshold", 0), "failureThreshold"),
      Arguments.of("failureThreshold a list", (Edit) b -> b.put("failureThreshold", new JsonArray()),
        "failureThreshold"),
      Arguments.of("onInsufficientData unknown", (Edit) b -> b.put("onInsufficientData", "wait"), "onInsufficientData"),
      Arguments.of("onInsufficientData upper case", (Edit) b -> b.put("onInsufficientData", "PAUSE"),
        "onInsufficientData"),
      Arguments.of("approvalTimeoutSeconds 0", (Edit) b -> b.put("approvalTimeoutSeconds", 0),
        "approvalTimeoutSeconds"),
      Arguments.of("approvalTimeoutSeconds a string", (Edit) b -> b.put("approvalTimeoutSeconds", "1h"),
        "approvalTimeoutSeconds"),
      Arguments.of("approvalTimeoutSeconds over 30 days",
        (Edit) b -> b.put("approvalTimeoutSeconds", 30 * 24 * 3600 + 1), "approvalTimeoutSeconds"));
  }

  @ParameterizedTest(name = "{0} -> one error at {2}")
  @MethodSource("singleProblems")
  @DisplayName("each single problem gives exactly one error at the right path")
  void singleProblem(String what, Edit edit, String field) {
    JsonObject body = example();
    edit.apply(body);
    List<FieldError> errors = errorsOf(body);
    assertThat(errors).extracting(FieldError::field).containsExactly(field);
    assertThat(errors.get(0).message()).isNotBlank();
  }

  @Test
  @DisplayName("messages say what was expected and what came")
  void messages() {
    assertThat(errorsOf(example().put("pollIntervalSeconds", 10.5)))
      .containsExactly(new FieldError("pollIntervalSeconds", "must be an integer from 1 to 3600 (got 10.5)"));
    assertThat(errorsOf(setInSlo(0, "sli", "p99")))
      .containsExactly(new FieldError("slos[0].sli",
        "must be one of latency_p50, latency_p90, latency_p99, latency_p999, cpu_p50, cpu_p99, error_rate, "
          + "exception_rate (got the string \"p99\")"));
    assertThat(errorsOf(setInStage(1, "targetPercent", 90)).get(0).message()).contains("must be 100");
  }

  @Test
  @DisplayName("several problems give one entry each, in body order")
  void severalProblems() {
    JsonObject body = new JsonObject(
      """
      { "stages": [ {"targetPercent": 50, "soakSeconds": "60"},
                    {"targetPercent": 40, "soakSeconds": 60, "autoProgress": 1} ],
        "slos": [ {"sli": "latency_p75", "threshold": 300},
                  {"sli": "error_rate", "threshold": 2},
                  {"sli": "cpu_p99", "mode": "relative", "threshold": -1} ],
        "pollIntervalSeconds": 0, "minRequests": "many", "failureThreshold": 1.5,
        "onInsufficientData": "maybe", "approvalTimeoutSeconds": -5 }
      """);
    assertThat(errorsOf(body)).extracting(FieldError::field).containsExactly(
      "stages[0].soakSeconds",
      "stages[1].targetPercent",
      "stages[1].targetPercent",
      "stages[1].autoProgress",
      "slos[0].sli",
      "slos[1].threshold",
      "slos[2].threshold",
      "pollIntervalSeconds",
      "minRequests",
      "failureThreshold",
      "onInsufficientData",
      "approvalTimeoutSeconds");
  }

  @Test
  @DisplayName("ascending order is judged against the last valid targetPercent before a stage")
  void ascendingSkipsInvalidStages() {
    JsonObject body = example().put("stages", new JsonArray()
      .add(stageJson(20, 5))
      .add(stageJson(500, 5))
      .add(stageJson(10, 5))
      .add(stageJson(100, 5)));
    assertThat(errorsOf(body)).extracting(FieldError::field)
      .containsExactly("stages[1].targetPercent", "stages[2].targetPercent");
  }

  @Test
  @DisplayName("limits are inclusive: 20 stages, 20 SLOs, a week of soak, an hour of polling, 200 characters")
  void limitsInclusive() {
    JsonObject body = example()
      .put("stages", ascendingStages(20))
      .put("slos", manySlos(20))
      .put("pollIntervalSeconds", 3600)
      .put("approvalTimeoutSeconds", 30 * 24 * 3600);
    stage(body, 19).put("soakSeconds", 7 * 24 * 3600).put("description", "x".repeat(200));
    Plan plan = planOf(body);
    assertThat(plan.stages()).hasSize(20);
    assertThat(plan.slos()).hasSize(20);
    assertThat(plan.approvalTimeoutSeconds()).isEqualTo(30 * 24 * 3600);
  }

  @Test
  @DisplayName("error_rate thresholds 0 and 1 and a latency threshold 0 are allowed")
  void thresholdEdges() {
    JsonObject body = example();
    slo(body, 0).put("threshold", 0);
    slo(body, 1).put("threshold", 1);
    assertThat(planOf(body).slos().get(1).threshold()).isEqualTo(1.0);
    slo(body, 1).put("threshold", 0);
    assertThat(planOf(body).slos().get(1).threshold()).isEqualTo(0.0);
  }

  @Test
  @DisplayName("a relative error_rate threshold may exceed 1: it is a factor, not a fraction")
  void relativeErrorRateFactor() {
    JsonObject body = example();
    slo(body, 1).put("threshold", 2.5).put("mode", "relative");
    assertThat(planOf(body).slos().get(1)).isEqualTo(Slo.relative(Sli.ERROR_RATE, 2.5));
  }

  @Test
  @DisplayName("every SLI and every policy is read from its wire name")
  void wireNames() {
    for (Sli sli : Sli.values()) {
      JsonObject body = setInSlo(2, "sli", sli.wireName());
      assertThat(planOf(body).slos().get(2).sli()).isEqualTo(sli);
    }
    for (InsufficientDataPolicy policy : InsufficientDataPolicy.values()) {
      assertThat(planOf(example().put("onInsufficientData", policy.wireName())).onInsufficientData()).isEqualTo(policy);
    }
  }

  // --- helpers ---

  @FunctionalInterface
  interface Edit {
    void apply(JsonObject body);
  }

  private static JsonObject setInSlo(int index, String key, Object value) {
    JsonObject body = example();
    slo(body, index).put(key, value);
    return body;
  }

  private static JsonObject setInStage(int index, String key, Object value) {
    JsonObject body = example();
    stage(body, index).put(key, value);
    return body;
  }

  private static JsonArray stages(JsonObject body) {
    return body.getJsonArray("stages");
  }

  private static JsonObject stage(JsonObject body, int index) {
    return stages(body).getJsonObject(index);
  }

  private static JsonArray slos(JsonObject body) {
    return body.getJsonArray("slos");
  }

  private static JsonObject slo(JsonObject body, int index) {
    return slos(body).getJsonObject(index);
  }

  private static JsonObject stageJson(int percent, int soak) {
    return new JsonObject().put("targetPercent", percent).put("soakSeconds", soak);
  }

  private static JsonArray ascendingStages(int count) {
    JsonArray array = new JsonArray();
    for (int i = 1; i <= count; i++) {
      array.add(stageJson(i == count ? 100 : i, 5));
    }
    return array;
  }

  private static JsonArray manySlos(int count) {
    JsonArray array = new JsonArray();
    for (int i = 0; i < count; i++) {
      array.add(new JsonObject().put("sli", "latency_p99").put("threshold", 100 + i));
    }
    return array;
  }
}
