package dev.hmd.cloudflare;

import static dev.hmd.cloudflare.TelemetryRows.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hmd.cloudflare.ObservabilityQuery.Calculation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The telemetry query body and the fold of its grouped rows, without a server. */
class ObservabilityQueryTest {

  static final Instant FROM = Instant.parse("2025-03-01T10:00:00Z");
  static final Instant TO = Instant.parse("2025-03-01T10:05:00Z");
  static final ScriptVersion NEW = new ScriptVersion("api-worker", "v-new");
  static final ScriptVersion OLD = new ScriptVersion("api-worker", "v-old");

  static TelemetryRows mixed() {
    return new TelemetryRows()
      .add(row("api-worker", "v-new", "ok", 80, 30))
      .add(row("api-worker", "v-new", "exceededMemory", 15, 2))
      .add(row("api-worker", "v-new", "canceled", 5, 1))
      .add(row("api-worker", "v-old", "ok", 400, 12));
  }

  @Test
  @DisplayName("requests sum every outcome, errors exclude ok and canceled, percentiles come from ok only")
  void foldsOutcomes() {
    Map<ScriptVersion, VersionTelemetry> stats = ObservabilityQuery.fold(mixed().result(false));

    assertThat(stats.get(NEW)).isEqualTo(new VersionTelemetry(100, 15, 30.0, 60.0, 120.0, 180.0, 3.0, 15.0,
      15.0, 45.0, 75.0));
    assertThat(stats.get(NEW).errorRate()).isEqualTo(0.15);
    assertThat(stats.get(OLD).requests()).isEqualTo(400);
    assertThat(stats.get(OLD).errors()).isZero();
  }

  @Test
  @DisplayName(
    "the server-errors query counts ok invocations answering 500 or more, and they join the errors, not the exceptions")
  void serverErrors() {
    JsonObject body = ObservabilityQuery.serverErrorsBody("q", List.of("api-worker"), FROM, TO);
    assertThat(body.getJsonObject("parameters").getJsonArray("filters").getJsonObject(2))
      .isEqualTo(new JsonObject().put("key", "$workers.event.response.status").put("operation", "gte")
        .put("type", "number").put("value", 500));
    JsonObject fiveHundreds = new TelemetryRows()
      .add(row("api-worker", "v-new", "ok", 12, 30))
      .add(row("api-worker", "v-new", "exceededMemory", 15, 2))
      .result(false);

    Map<ScriptVersion, Long> counted = ObservabilityQuery.foldServerErrors(fiveHundreds);
    Map<ScriptVersion, VersionTelemetry> stats = ObservabilityQuery.withServerErrors(
      ObservabilityQuery.fold(mixed().result(false)), counted);

    assertThat(counted).containsExactly(Map.entry(NEW, 12L));
    assertThat(stats.get(NEW).errors()).isEqualTo(27);
    assertThat(stats.get(NEW).exceptions()).isEqualTo(15);
    assertThat(stats.get(NEW).errorRate()).isEqualTo(0.27);
    assertThat(stats.get(OLD).errors()).isZero();
  }

  @Test
  @DisplayName("with every alias returned as \"\" the calculations are matched by position")
  void blankAliases() {
    assertThat(ObservabilityQuery.fold(mixed().result(true))).isEqualTo(ObservabilityQuery.fold(mixed().result(false)));
  }

  @Test
  @DisplayName("results are matched by alias, whatever order they come back in")
  void aliasOrder() {
    JsonObject result = mixed().result(false);
    JsonArray calculations = result.getJsonArray("calculations");
    JsonArray reversed = new JsonArray();
    for (int i = calculations.size() - 1; i >= 0; i--) {
      reversed.add(calculations.getValue(i));
    }

    assertThat(ObservabilityQuery.fold(result.copy().put("calculations", reversed)))
      .isEqualTo(ObservabilityQuery.fold(result));
  }

  @Test
  @DisplayName("an empty window, or a version with failures only, is no data: absent or null, never zero")
  void noData() {
    JsonObject empty = new TelemetryRows().result(false);
    Map<ScriptVersion, VersionTelemetry> failing = ObservabilityQuery.fold(new TelemetryRows()
      .add(row("api-worker", "v-new", "exception", 9, 1)).result(false));

    assertThat(ObservabilityQuery.fold(empty)).isEmpty();
    assertThat(ObservabilityQuery.fold(new JsonObject())).isEmpty();
    assertThat(failing.get(NEW))
      .isEqualTo(new VersionTelemetry(9, 9, null, null, null, null, null, null, null, null, null));
  }

  @Test
  @DisplayName("a percentile that comes back null on the ok group stays null")
  void nullValue() {
    JsonObject result = new TelemetryRows()
      .add(new TelemetryRows.Row("api-worker", "v-new", "ok", 3, Map.of(Calculation.WALL_P50, 4.0)))
      .result(false);

    VersionTelemetry stats = ObservabilityQuery.fold(result).get(NEW);

    assertThat(stats.requests()).isEqualTo(3);
    assertThat(stats.wallP50()).isEqualTo(4.0);
    assertThat(stats.wallP999()).isNull();
  }

  @Test
  @DisplayName("rows Cloudflare could not attribute to a version are skipped")
  void unattributedRows() {
    JsonObject result = new JsonObject().put("calculations", new JsonArray().add(new JsonObject()
      .put("alias", "requests").put("calculation", "count")
      .put("aggregates", new JsonArray().add(new JsonObject().put("value", 5).put("count", 5)
        .put("groups", new JsonArray()
          .add(new JsonObject().put("key", "$workers.scriptName").put("value", "api-worker"))
          .add(new JsonObject().put("key", "$workers.outcome").put("value", "ok")))))));

    assertThat(ObservabilityQuery.fold(result)).isEmpty();
  }

  @Test
  @DisplayName("the body deduplicates scripts and refuses an empty list or a window ending before it starts")
  void bodyRules() {
    JsonObject body = ObservabilityQuery.body("q1", List.of("a", "b", "a"), FROM, TO);

    assertThat(body.getJsonObject("parameters").getJsonArray("filters").getJsonObject(1).getJsonArray("value"))
      .containsExactly("a", "b");
    assertThat(body.getString("queryId")).isEqualTo("q1");
    assertThatThrownBy(() -> ObservabilityQuery.body("q", List.of(), FROM, TO))
      .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ObservabilityQuery.body("q", List.of("a"), TO, FROM))
      .isInstanceOf(IllegalArgumentException.class);
  }
}
