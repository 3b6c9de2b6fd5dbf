package dev.hmd.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything a benchmark run was asked for, with the scenario's defaults filled in.
 *
 * @param releases        scale: the numbers of concurrent active releases, one run each
 * @param accounts        scale: Cloudflare accounts (one tenant and one token each) the releases spread over
 * @param duration        seconds measured (scale, sse, api)
 * @param warmup          seconds between the set-up and the measurement
 * @param poll            the plans' pollIntervalSeconds
 * @param rps             requests per second of every simulated Worker
 * @param poolSize        HMD_DB_POOL_SIZE
 * @param clients         sse: numbers of streaming clients, one run each
 * @param eventsPerSecond sse: events appended per second while measuring
 * @param concurrency     api: requests in flight
 * @param rollbacks       rollback: releases that turn bad
 * @param profile         record a JFR profile of the measurement and name its hot spots
 * @param durableDb       Postgres with fsync and synchronous commit on (off by default: throw-away data)
 * @param env             more service settings (HMD_...)
 * @param out             where the JSON (and the plot, the profiles) go
 */
record BenchSettings(String scenario, List<Integer> releases, int accounts, int duration, int warmup, int poll,
                     double rps, int poolSize, List<Integer> clients, double eventsPerSecond, int concurrency,
                     int rollbacks, boolean profile, boolean durableDb, Map<String, String> env, Path out) {

  JsonObject toJson() {
    return new JsonObject().put("scenario", scenario).put("releases", new JsonArray(releases)).put("accounts", accounts)
      .put("durationSeconds", duration).put("warmupSeconds", warmup).put("pollIntervalSeconds", poll)
      .put("workerRps", rps).put("dbPoolSize", poolSize).put("clients", new JsonArray(clients))
      .put("eventsPerSecond", eventsPerSecond).put("concurrency", concurrency).put("rollbacks", rollbacks)
      .put("profile", profile).put("durableDb", durableDb)
        .put("env", new JsonObject(new java.util.HashMap<String, Object>(env)));
  }
}
