package dev.hmd.releases;

import dev.hmd.slo.VersionStats;
import io.vertx.core.json.JsonObject;

/** From the Cloudflare client's per-version telemetry to the evaluator's input, and to storage. */
public final class StatsMapping {

  private StatsMapping() {
  }

  /** No row for a version in the window means it served nothing. */
  public static VersionStats of(dev.hmd.cloudflare.VersionTelemetry cf) {
    if (cf == null) {
      return VersionStats.noTraffic();
    }
    return new VersionStats(cf.requests(), cf.errors(), cf.exceptions(), cf.wallP25(), cf.wallP50(), cf.wallP75(),
      cf.wallP90(),
      cf.wallP95(), cf.wallP99(), cf.wallP999(), cf.cpuP50(), cf.cpuP99());
  }

  public static JsonObject toJson(VersionStats s) {
    return new JsonObject().put("requests", s.requests()).put("errors", s.errors()).put("exceptions", s.exceptions())
      .put("wallP25", s.wallP25()).put("wallP50", s.wallP50()).put("wallP75", s.wallP75()).put("wallP90", s.wallP90())
      .put("wallP95", s.wallP95()).put("wallP99", s.wallP99()).put("wallP999", s.wallP999())
      .put("cpuP50", s.cpuP50()).put("cpuP99", s.cpuP99());
  }

  public static VersionStats fromJson(JsonObject json) {
    long errors = json.getLong("errors", 0L);
    // baselines stored before exceptions were told apart counted only exceptions as errors
    return new VersionStats(json.getLong("requests", 0L), errors, json.getLong("exceptions", errors),
      json.getDouble("wallP25"),
      json.getDouble("wallP50"), json.getDouble("wallP75"), json.getDouble("wallP90"), json.getDouble("wallP95"),
      json.getDouble("wallP99"), json.getDouble("wallP999"), json.getDouble("cpuP50"), json.getDouble("cpuP99"));
  }
}
