package dev.hmd.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** How versions and deployments look on the wire, in Cloudflare's snake_case shape. */
final class CfViews {

  /** Cloudflare writes microseconds: 2024-03-04T16:04:08.744358Z. */
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
    .withZone(ZoneOffset.UTC);
  /** [U] the id of the one simulated user. */
  static final String AUTHOR_ID = "5c1a2b3d4e5f60718293a4b5c6d7e8f9";

  private CfViews() {
  }

  static String time(long millis) {
    return TIME.format(Instant.ofEpochMilli(millis));
  }

  /** Whole numbers go out as integers (100, not 100.0), as Cloudflare sends them. */
  static Number number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? (Number) (long) value : (Number) value;
  }

  static JsonObject version(SimVersion version) {
    JsonObject annotations = new JsonObject().put("workers/triggered_by", "upload");
    if (version.message != null) {
      annotations.put("workers/message", version.message);
    }
    if (version.tag != null) {
      annotations.put("workers/tag", version.tag);
    }
    return new JsonObject()
      .put("id", version.id)
      .put("number", version.number)
      .put("metadata", new JsonObject()
        .put("author_email", version.authorEmail)
        .put("author_id", AUTHOR_ID)
        .put("created_on", time(version.createdOn))
        .put("modified_on", time(version.createdOn))
        .put("source", version.source)
        .put("hasPreview", false))
      .put("annotations", annotations);
  }

  /** The version detail adds what Cloudflare calls resources; the simulator's are fixed. [U] */
  static JsonObject versionDetail(SimVersion version) {
    return version(version).put("resources", new JsonObject()
      .put("bindings", new JsonArray())
      .put("script", new JsonObject()
        .put("etag", version.id.replace("-", ""))
        .put("handlers", new JsonArray().add("fetch"))
        .put("last_deployed_from", version.source))
      .put("script_runtime", new JsonObject()
        .put("compatibility_date", "2025-01-01")
        .put("compatibility_flags", new JsonArray())
        .put("usage_model", "standard")
        .put("limits", new JsonObject().put("cpu_ms", 30_000))));
  }

  static JsonObject deployment(Deployment deployment) {
    JsonArray versions = new JsonArray();
    deployment.versions().forEach(split -> versions.add(new JsonObject()
      .put("version_id", split.versionId())
      .put("percentage", number(split.percentage()))));
    JsonObject annotations = new JsonObject();
    if (deployment.message() != null) {
      annotations.put("workers/message", deployment.message());
    }
    if (deployment.triggeredBy() != null) {
      annotations.put("workers/triggered_by", deployment.triggeredBy());
    }
    return new JsonObject()
      .put("id", deployment.id())
      .put("created_on", time(deployment.createdOn()))
      .put("source", deployment.source())
      .put("strategy", "percentage")
      .put("versions", versions)
      .put("annotations", annotations)
      .put("author_email", deployment.authorEmail());
  }
}
