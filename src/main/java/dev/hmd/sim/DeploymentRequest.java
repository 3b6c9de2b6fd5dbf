package dev.hmd.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A validated {@code POST .../deployments} body. The rules are Cloudflare's [V]; the codes of the
 * errors breaking them are the simulator's own [U] (see {@link CfException}).
 */
record DeploymentRequest(List<Deployment.Split> versions, String message, String triggeredBy) {

  static final int MAX_MESSAGE_BYTES = 1000;
  private static final double SUM_TOLERANCE = 1e-9;

  static DeploymentRequest parse(JsonObject body, SimWorker worker) {
    if (body == null) {
      throw CfException.invalid(CfException.MALFORMED_BODY, "Request body must be a JSON object", null);
    }
    if (!"percentage".equals(body.getValue("strategy"))) {
      throw CfException.invalid(CfException.INVALID_STRATEGY, "strategy must be \"percentage\"", "/strategy");
    }
    List<Deployment.Split> splits = splits(body.getValue("versions"), worker);
    JsonObject annotations = annotations(body.getValue("annotations"));
    return new DeploymentRequest(splits, text(annotations, "workers/message"),
      text(annotations, "workers/triggered_by"));
  }

  private static List<Deployment.Split> splits(Object value, SimWorker worker) {
    if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > 2) {
      throw CfException.invalid(CfException.INVALID_VERSION_COUNT, "versions must hold one or two versions",
        "/versions");
    }
    List<Deployment.Split> splits = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    double sum = 0;
    for (int i = 0; i < array.size(); i++) {
      String at = "/versions/" + i;
      if (!(array.getValue(i) instanceof JsonObject entry)) {
        throw CfException.invalid(CfException.INVALID_VERSION_COUNT, "each version must be an object", at);
      }
      double percentage = percentage(entry.getValue("percentage"), at + "/percentage");
      String versionId = deployableVersion(entry.getValue("version_id"), worker, at + "/version_id");
      if (!seen.add(versionId)) {
        throw CfException.invalid(CfException.DUPLICATE_VERSION, "a version may appear only once in a deployment", at);
      }
      sum += percentage;
      splits.add(new Deployment.Split(versionId, percentage));
    }
    if (Math.abs(sum - 100) > SUM_TOLERANCE) {
      throw CfException.invalid(CfException.INVALID_PERCENTAGE, "percentages must sum to 100", "/versions");
    }
    return splits;
  }

  private static double percentage(Object value, String pointer) {
    if (!(value instanceof Number number) || !(number.doubleValue() >= 0 && number.doubleValue() <= 100)) {
      throw CfException.invalid(CfException.INVALID_PERCENTAGE, "percentage must be a number from 0 to 100", pointer);
    }
    return number.doubleValue();
  }

  private static String deployableVersion(Object value, SimWorker worker, String pointer) {
    if (!(value instanceof String id) || id.isEmpty()) {
      throw CfException.invalid(CfException.VERSION_NOT_DEPLOYABLE, "version_id must be a version id", pointer);
    }
    SimVersion version = worker.version(id).orElseThrow(() ->
      CfException.invalid(CfException.VERSION_NOT_DEPLOYABLE, "version " + id + " does not exist on this Worker",
        pointer));
    if (!worker.deployable(version)) {
      throw CfException.invalid(CfException.VERSION_NOT_DEPLOYABLE,
        "version " + id + " is not among the " + SimWorker.DEPLOYABLE_VERSIONS + " most recent versions", pointer);
    }
    return id;
  }

  private static JsonObject annotations(Object value) {
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof JsonObject annotations)) {
      throw CfException.invalid(CfException.INVALID_ANNOTATIONS, "annotations must be an object", "/annotations");
    }
    for (String key : List.of("workers/message", "workers/triggered_by")) {
      Object annotation = annotations.getValue(key);
      if (annotation != null && !(annotation instanceof String)) {
        throw CfException.invalid(CfException.INVALID_ANNOTATIONS, key + " must be a string", "/annotations/" + key);
      }
    }
    String message = annotations.getString("workers/message");
    if (message != null && message.getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE_BYTES) {
      throw CfException.invalid(CfException.INVALID_ANNOTATIONS,
        "workers/message must be at most " + MAX_MESSAGE_BYTES + " bytes", "/annotations/workers~1message");
    }
    return annotations;
  }

  private static String text(JsonObject annotations, String key) {
    return annotations.getString(key);
  }
}
