package dev.hmd.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Builds telemetry query bodies the way the service will send them. */
final class Query {

  private final JsonObject body;
  private final JsonObject parameters = new JsonObject()
    .put("datasets", new JsonArray().add("cloudflare-workers"))
    .put("filters", new JsonArray())
    .put("calculations", new JsonArray())
    .put("groupBys", new JsonArray());

  private Query(long from, long to) {
    body = new JsonObject()
      .put("queryId", "test")
      .put("view", "calculations")
      .put("dry", true)
      .put("timeframe", new JsonObject().put("from", from).put("to", to))
      .put("parameters", parameters);
  }

  static Query window(long from, long to) {
    return new Query(from, to);
  }

  Query filter(String key, String operation, Object value) {
    JsonObject filter = new JsonObject().put("key", key).put("operation", operation)
      .put("type", value instanceof Number ? "number" : "string");
    if (value != null) {
      filter.put("value", value);
    }
    parameters.getJsonArray("filters").add(filter);
    return this;
  }

  Query combination(String combination) {
    parameters.put("filterCombination", combination);
    return this;
  }

  Query calc(String operator, String key, String alias) {
    JsonObject calculation = new JsonObject().put("operator", operator).put("alias", alias);
    if (key != null) {
      calculation.put("key", key).put("keyType", "number");
    }
    parameters.getJsonArray("calculations").add(calculation);
    return this;
  }

  Query count() {
    return calc("count", null, "count");
  }

  Query groupBy(String key) {
    parameters.getJsonArray("groupBys").add(new JsonObject().put("type", "string").put("value", key));
    return this;
  }

  Query parameter(String name, Object value) {
    parameters.put(name, value);
    return this;
  }

  JsonObject json() {
    return body;
  }

  // Keys used by the tests, spelled once.
  static final String SCRIPT = "$workers.scriptName";
  static final String VERSION = "$workers.scriptVersion.id";
  static final String OUTCOME = "$workers.outcome";
  static final String STATUS = "$workers.event.response.status";
  static final String STATUS_CODE = "$metadata.statusCode";
  static final String TYPE = "$metadata.type";
  static final String WALL = "$workers.wallTimeMs";
  static final String CPU = "$workers.cpuTimeMs";
}
