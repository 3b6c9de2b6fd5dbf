package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.connections.PlanJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The release controls of a plan: smoke test, gates and dry-run SLOs. */
class PlanControlsValidationTest {

  private static JsonObject base() {
    return new JsonObject()
      .put("stages", new JsonArray().add(new JsonObject().put("targetPercent", 10).put("soakSeconds", 60))
        .add(new JsonObject().put("targetPercent", 100).put("soakSeconds", 60)))
      .put("slos", new JsonArray().add(new JsonObject().put("sli", "error_rate").put("threshold", 0.01)));
  }

  private static JsonObject smoke() {
    return new JsonObject().put("url", "https://api.example.com")
      .put("requests", new JsonArray().add(new JsonObject().put("method", "GET").put("path", "/health")
        .put("expectStatus", new JsonArray().add(200).add(204))))
      .put("repeat", 3).put("maxFailures", 1);
  }

  private static JsonObject gate(String name, String when) {
    return new JsonObject().put("name", name).put("url", "https://ci.example.com/gates/" + name).put("when", when)
      .put("timeoutSeconds", 120);
  }

  private static Plan valid(JsonObject body) {
    PlanValidation result = PlanJson.validate(body);
    assertThat(result.errors()).isEmpty();
    return ((PlanValidation.Valid) result).plan();
  }

  private static List<String> fieldsOf(JsonObject body) {
    return PlanJson.validate(body).errors().stream().map(FieldError::field).toList();
  }

  @Test
  @DisplayName("a smoke test, gates and a dry-run SLO are read, and written back in the same shape")
  void roundTrip() {
    JsonObject body = base().put("smokeTest", smoke())
      .put("gates", new JsonArray().add(gate("load", "before_each_stage")).add(gate("freeze", "before_start"))
        .add(gate("qa", "before_promotion")));
    body.getJsonArray("slos").add(new JsonObject().put("sli", "latency_p99").put("threshold", 100).put("dryRun", true));
    Plan plan = valid(body);
    assertThat(plan.smokeTest()).isEqualTo(new SmokeTest("https://api.example.com",
      List.of(new SmokeTest.SmokeRequest("GET", "/health", List.of(200, 204))), 3, 1));
    assertThat(plan.gates()).extracting(Gate::name).containsExactly("load", "freeze", "qa");
    assertThat(plan.gatesBeforeStart()).extracting(Gate::name).containsExactly("freeze");
    assertThat(plan.gatesBeforeStage(0)).extracting(Gate::name).containsExactly("load");
    assertThat(plan.gatesBeforeStage(1)).extracting(Gate::name).containsExactly("load", "qa");
    assertThat(plan.slos().get(1).dryRun()).isTrue();
    assertThat(plan.slos().get(0).dryRun()).isFalse();

    JsonObject written = PlanJson.toJson(plan);
    assertThat(written.getJsonObject("smokeTest")).isEqualTo(smoke());
    assertThat(written.getJsonArray("gates").getJsonObject(0)).isEqualTo(gate("load", "before_each_stage"));
    assertThat(written.getJsonArray("slos").getJsonObject(1).getBoolean("dryRun")).isTrue();
    assertThat(written.getJsonArray("slos").getJsonObject(0).containsKey("dryRun")).isFalse();
    assertThat(valid(written)).isEqualTo(plan);
  }

  @Test
  @DisplayName("defaults: no smoke test, no gates; a request expects 200, a gate waits 300 s, repeat 1, maxFailures 0")
  void defaults() {
    Plan none = valid(base());
    assertThat(none.smokeTest()).isNull();
    assertThat(none.gates()).isEmpty();
    assertThat(PlanJson.toJson(none).getValue("smokeTest")).isNull();
    assertThat(PlanJson.toJson(none).getJsonArray("gates")).isEmpty();

    Plan plan = valid(base().put("smokeTest", new JsonObject().put("url", "http://localhost:8788/sim/edge/a/b")
        .put("requests", new JsonArray().add(new JsonObject().put("path", "/"))))
      .put("gates", new JsonArray().add(new JsonObject().put("name", "ci").put("url", "https://ci.example.com")
        .put("when", "before_start"))));
    assertThat(plan.smokeTest().requests().get(0)).isEqualTo(new SmokeTest.SmokeRequest("GET", "/", List.of(200)));
    assertThat(plan.smokeTest().repeat()).isEqualTo(1);
    assertThat(plan.smokeTest().maxFailures()).isZero();
    assertThat(plan.gates().get(0).timeoutSeconds()).isEqualTo(Gate.DEFAULT_TIMEOUT_SECONDS);
  }

  @Test
  @DisplayName("a single expected status is read as a list of one")
  void singleStatus() {
    JsonObject s = smoke();
    s.getJsonArray("requests").getJsonObject(0).put("expectStatus", 204);
    assertThat(valid(base().put("smokeTest", s)).smokeTest().requests().get(0).expectStatus()).containsExactly(204);
  }

  @Test
  @DisplayName("every broken part of a smoke test is named at its field")
  void smokeErrors() {
    assertThat(fieldsOf(base().put("smokeTest", "yes"))).containsExactly("smokeTest");
    assertThat(fieldsOf(base().put("smokeTest", new JsonObject())))
      .containsExactly("smokeTest.url", "smokeTest.requests");
    JsonObject bad = new JsonObject().put("url", "ftp://x.example.com").put("repeat", 0).put("maxFailures", -1)
      .put("requests", new JsonArray()
        .add(new JsonObject().put("method", "FETCH").put("path", "health")
          .put("expectStatus", new JsonArray().add(700)))
        .add("GET /"));
    assertThat(fieldsOf(base().put("smokeTest", bad))).containsExactlyInAnyOrder("smokeTest.url",
      "smokeTest.requests[0].method", "smokeTest.requests[0].path", "smokeTest.requests[0].expectStatus",
      "smokeTest.requests[1]", "smokeTest.repeat", "smokeTest.maxFailures");
    assertThat(fieldsOf(base().put("smokeTest", smoke().put("repeat", 50).put("maxFailures", 0)
      .put("requests", new JsonArray().add(new JsonObject().put("path", "/a")).add(new JsonObject().put("path", "/b"))
        .add(new JsonObject().put("path", "/c")).add(new JsonObject().put("path", "/d"))
          .add(new JsonObject().put("path", "/e"))))))
      .containsExactly("smokeTest.repeat");
    assertThat(fieldsOf(base().put("smokeTest", smoke().put("repeat", 1).put("maxFailures", 1))))
      .containsExactly("smokeTest.maxFailures");
    assertThat(fieldsOf(base().put("smokeTest", smoke().put("url", "https://user:pw@x.example.com/"))))
      .containsExactly("smokeTest.url");
    assertThat(fieldsOf(base().put("smokeTest", smoke().put("url", "https://x.example.com/#top"))))
      .containsExactly("smokeTest.url");
  }

  @Test
  @DisplayName("gates need a unique name, a URL and a known when; the timeout is 1 s to a day")
  void gateErrors() {
    assertThat(fieldsOf(base().put("gates", new JsonObject()))).containsExactly("gates");
    JsonArray gates = new JsonArray()
      .add(gate("a", "before_start"))
      .add(gate("a", "before_each_stage"))
      .add(new JsonObject().put("url", "not a url").put("when", "after_lunch").put("timeoutSeconds", 0))
      .add(gate("b", "before_promotion").put("timeoutSeconds", 86_401))
      .add(42);
    assertThat(fieldsOf(base().put("gates", gates))).containsExactlyInAnyOrder("gates[1].name", "gates[2].name",
      "gates[2].url", "gates[2].when", "gates[2].timeoutSeconds", "gates[3].timeoutSeconds", "gates[4]");
    JsonArray many = new JsonArray();
    for (int i = 0; i <= PlanValidator.MAX_GATES; i++) {
      many.add(gate("g" + i, "before_start"));
    }
    assertThat(fieldsOf(base().put("gates", many))).containsExactly("gates");
  }

  @Test
  @DisplayName("dryRun must be true or false")
  void dryRunType() {
    JsonObject body = base();
    body.getJsonArray("slos").getJsonObject(0).put("dryRun", "yes");
    assertThat(fieldsOf(body)).containsExactly("slos[0].dryRun");
  }
}
