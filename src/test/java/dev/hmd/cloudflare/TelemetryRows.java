package dev.hmd.cloudflare;

import dev.hmd.cloudflare.ObservabilityQuery.Calculation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds a grouped telemetry query result the way Workers Observability returns it. */
final class TelemetryRows {

  /** One group: its invocation count and, per calculation, the value (absent means none). */
  record Row(String script, String version, String outcome, long count, Map<Calculation, Double> values) {
  }

  private final List<Row> rows = new ArrayList<>();

  static Row row(String script, String version, String outcome, long count, double wallMedian) {
    return new Row(script, version, outcome, count, Map.of(
      Calculation.WALL_P50, wallMedian,
      Calculation.WALL_P25, wallMedian * 0.5,
      Calculation.WALL_P75, wallMedian * 1.5,
      Calculation.WALL_P90, wallMedian * 2,
      Calculation.WALL_P95, wallMedian * 2.5,
      Calculation.WALL_P99, wallMedian * 4,
      Calculation.WALL_P999, wallMedian * 6,
      Calculation.CPU_P50, wallMedian / 10,
      Calculation.CPU_P99, wallMedian / 2));
  }

  TelemetryRows add(Row row) {
    rows.add(row);
    return this;
  }

  /** The {@code result} object; {@code blankAliases} returns {@code alias: ""} as Cloudflare sometimes does. */
  JsonObject result(boolean blankAliases) {
    JsonArray calculations = new JsonArray();
    for (Calculation c : Calculation.values()) {
      JsonArray aggregates = new JsonArray();
      for (Row r : rows) {
        Double value = c == Calculation.REQUESTS ? Double.valueOf(r.count()) : r.values().get(c);
        aggregates.add(new JsonObject()
          .put("value", value)
          .put("count", r.count())
          .put("interval", 300)
          .put("sampleInterval", 1)
          .put("groups", new JsonArray()
            .add(new JsonObject().put("key", "$workers.scriptName").put("value", r.script()))
            .add(new JsonObject().put("key", "$workers.scriptVersion.id").put("value", r.version()))
            .add(new JsonObject().put("key", "$workers.outcome").put("value", r.outcome()))));
      }
      calculations.add(new JsonObject()
        .put("alias", blankAliases ? "" : c.alias)
        .put("calculation", c.operator)
        .put("aggregates", aggregates)
        .put("series", new JsonArray()));
    }
    return new JsonObject()
      .put("run", new JsonObject().put("id", "run-1").put("status", "COMPLETED")
        .put("timeframe", new JsonObject().put("from", 0).put("to", 0)).put("dry", true))
      .put("statistics", new JsonObject().put("elapsed", 0.08).put("rows_read", 12000).put("bytes_read", 880000))
      .put("calculations", calculations);
  }

  /** The whole observability envelope around {@link #result}. */
  JsonObject envelope(boolean blankAliases) {
    return new JsonObject().put("success", true).put("errors", new JsonArray())
      .put("messages", new JsonArray().add(new JsonObject().put("message", "Successful request")))
      .put("result", result(blankAliases));
  }
}
