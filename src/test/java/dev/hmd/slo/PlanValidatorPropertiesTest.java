package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.connections.PlanJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class PlanValidatorPropertiesTest {

  /** Every field path the validator may name. */
  private static final Pattern KNOWN_FIELD = Pattern.compile(
    "body|stages(\\[\\d+](\\.(targetPercent|soakSeconds|autoProgress|description))?)?"
      + "|slos(\\[\\d+](\\.(sli|threshold|mode))?)?"
      + "|pollIntervalSeconds|minRequests|failureThreshold|onInsufficientData|approvalTimeoutSeconds");

  private static final Object ABSENT = new Object();

  @Property
  @Label("any valid plan survives toJson and validation unchanged")
  void roundTrip(@ForAll("plans") Plan plan) {
    PlanValidation result = PlanJson.validate(new JsonObject(PlanJson.toJson(plan).encode()));
    assertThat(result.errors()).isEmpty();
    assertThat(((PlanValidation.Valid) result).plan()).isEqualTo(plan);
  }

  @Property(tries = 2000)
  @Label("a body of mixed good and bad values never throws and names only known fields")
  void neverThrows(@ForAll("bodies") JsonObject body) {
    PlanValidation result = PlanJson.validate(body);
    if (result.isValid()) {
      Plan plan = ((PlanValidation.Valid) result).plan();
      assertThat(PlanJson.fromJson(PlanJson.toJson(plan))).isEqualTo(plan);
    } else {
      assertThat(result.errors()).isNotEmpty().allSatisfy(error -> {
        assertThat(error.field()).matches(KNOWN_FIELD);
        assertThat(error.message()).isNotBlank();
      });
    }
  }

  @Provide
  Arbitrary<Plan> plans() {
    return PlanArbitraries.plans();
  }

  /** Candidate values of every kind: valid, out of range, wrong type, null and absent. */
  private static Arbitrary<Object> anyValue(Object... interesting) {
    Arbitrary<Object> common = Arbitraries.of(ABSENT, null, "10", true, 10.5, -1, 0, 1, 100, 101, 1e308, Double.NaN,
      new JsonObject(),
        new JsonArray(), Long.MAX_VALUE);
    return interesting.length == 0 ? common : Arbitraries.oneOf(Arbitraries.of(interesting), common);
  }

  @Provide
  Arbitrary<JsonObject> bodies() {
    Arbitrary<Object> stage = Combinators.combine(
        anyValue(10, 50, 100), anyValue(1, 60, 604_800, 604_801), anyValue(true, false),
          anyValue("canary", "x".repeat(300)))
      .as((target, soak, auto, description) -> (Object) object(
        "targetPercent", target, "soakSeconds", soak, "autoProgress", auto, "description", description));
    Arbitrary<Object> slo = Combinators.combine(
        anyValue("latency_p99", "error_rate", "cpu_p50", "p99"), anyValue(0.01, 300, 1.2, -0.5, 2),
          anyValue("absolute", "relative", "other"))
      .as((sli, threshold, mode) -> (Object) object("sli", sli, "threshold", threshold, "mode", mode));
    Arbitrary<Object> stages = Arbitraries.oneOf(
      stage.list().ofMaxSize(4).map(PlanValidatorPropertiesTest::array), anyValue());
    Arbitrary<Object> slos = Arbitraries.oneOf(
      slo.list().ofMaxSize(4).map(PlanValidatorPropertiesTest::array), anyValue());
    return Combinators.combine(stages, slos, anyValue(10, 3600), anyValue(50), anyValue(1, 3),
      anyValue("pause", "rollback", "proceed", "stop"),
        anyValue(60, ABSENT))
      .as((st, sl, poll, min, failures, policy, timeout) ->
        object("stages", st, "slos", sl, "pollIntervalSeconds", poll,
        "minRequests", min, "failureThreshold", failures, "onInsufficientData", policy, "approvalTimeoutSeconds",
          timeout));
  }

  private static JsonObject object(Object... keysAndValues) {
    JsonObject json = new JsonObject();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      if (keysAndValues[i + 1] != ABSENT) {
        json.put((String) keysAndValues[i], keysAndValues[i + 1]);
      }
    }
    return json;
  }

  private static JsonArray array(List<Object> items) {
    JsonArray array = new JsonArray();
    items.forEach(item -> array.add(item == ABSENT ? null : item));
    return array;
  }
}
