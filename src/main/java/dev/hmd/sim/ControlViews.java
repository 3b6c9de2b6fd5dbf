package dev.hmd.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;

/** How the simulator's own state looks under {@code /sim}: camelCase, as the service's API. */
final class ControlViews {

  private ControlViews() {
  }

  static JsonObject worker(SimWorker worker) {
    JsonArray deployments = new JsonArray();
    worker.deploymentsNewestFirst().forEach(deployment -> deployments.add(deployment(deployment)));
    JsonArray versions = new JsonArray();
    worker.versionsNewestFirst().forEach(version -> versions.add(version(version, worker.deployable(version))));
    JsonObject traffic = new JsonObject();
    for (Map.Entry<SimVersion, long[]> totals : worker.totals().entrySet()) {
      traffic.put(totals.getKey().id, new JsonObject()
        .put("requests", totals.getValue()[0])
        .put("errors", totals.getValue()[1])
        .put("serverErrors", totals.getValue()[2]));
    }
    return new JsonObject()
      .put("accountId", worker.accountId)
      .put("script", worker.script)
      .put("rps", CfViews.number(worker.rps()))
      .put("deployments", deployments)
      .put("versions", versions)
      .put("traffic", traffic);
  }

  static JsonObject deployment(Deployment deployment) {
    JsonArray versions = new JsonArray();
    deployment.versions().forEach(split -> versions.add(new JsonObject()
      .put("versionId", split.versionId())
      .put("percentage", CfViews.number(split.percentage()))));
    return new JsonObject()
      .put("id", deployment.id())
      .put("createdOn", Instant.ofEpochMilli(deployment.createdOn()).toString())
      .put("versions", versions)
      .put("message", deployment.message());
  }

  static JsonObject version(SimVersion version, boolean deployable) {
    Profile profile = version.profile();
    return new JsonObject()
      .put("id", version.id)
      .put("number", version.number)
      .put("createdOn", Instant.ofEpochMilli(version.createdOn).toString())
      .put("message", version.message)
      .put("tag", version.tag)
      .put("deployable", deployable)
      .put("profile", profile(profile));
  }

  static JsonObject profile(Profile profile) {
    return new JsonObject()
      .put("latencyMs", new JsonObject().put("p50", CfViews.number(profile.latencyMs().p50()))
        .put("p99", CfViews.number(profile.latencyMs().p99())))
      .put("cpuMs", new JsonObject().put("p50", CfViews.number(profile.cpuMs().p50()))
        .put("p99", CfViews.number(profile.cpuMs().p99())))
      .put("errorRate", profile.errorRate())
      .put("serverErrorRate", profile.serverErrorRate());
  }
}
