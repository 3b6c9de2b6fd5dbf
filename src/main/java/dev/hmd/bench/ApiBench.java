package dev.hmd.bench;

import dev.hmd.config.Config;
import dev.hmd.sim.SimOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /v1/releases/{id}} (API key, rate limit, release view: from this process's cache
 * when it is current, else from Postgres) at a fixed concurrency, beside a bare Vert.x Web endpoint
 * answering a JSON document of the same size from memory (encoded per request, and encoded once), on the same Vert.x
 * instance of the same process, measured one after the other with the
 * same load generator.
 */
final class ApiBench {

  /** Target: the API serves at least half the bare endpoint's throughput. */
  static final double TARGET_RATIO = 0.5;
  /** Releases read in turn, so that the reads are not all of one row. */
  static final int RELEASES = 16;

  private ApiBench() {
  }

  static Report run(BenchSettings s) {
    Map<String, String> env = new HashMap<>(s.env());
    env.putIfAbsent(Config.DB_POOL_SIZE, String.valueOf(s.poolSize()));
    System.out.printf("api: starting Postgres, simulator and service%n");
    try (BenchEnvironment world = BenchEnvironment.start(SimOptions.defaults(), env, s.durableDb())) {
      Workload workload = new Workload(world);
      JsonObject plan = Workload.plan(10, 10, 3, new int[][] {{50, 3600}, {100, 60}});
      List<Workload.Target> targets = workload.seed(RELEASES, 1, 5, Workload.healthy(), plan, true);
      String key = targets.get(0).tenant().key();
      List<String> apiPaths = targets.stream().map(t -> "/v1/releases/" + t.releaseId()).toList();
      JsonObject sample = world.api(HttpMethod.GET, apiPaths.get(0), key, null, 200).await();
      BareJsonVerticle bare = new BareJsonVerticle(sample);
      world.service().vertx().deployVerticle(bare).await();
      List<String> barePaths = targets.stream().map(t -> "/bare/releases/" + t.releaseId()).toList();
      List<String> encodedPaths = targets.stream().map(t -> "/bare-encoded/releases/" + t.releaseId()).toList();

      LoadGenerator load = new LoadGenerator(world.clientVertx());
      int warm = Math.max(1, s.warmup() / 2);
      System.out.printf("api: warming up %d s each, then measuring %d s each at %d in flight%n", warm, s.duration(),
        s.concurrency());
      load.run(bare.port(), barePaths, null, s.concurrency(), warm);
      load.run(world.servicePort(), apiPaths, key, s.concurrency(), warm);

      Phase bareRun = Phase.measure(world, () -> load.run(bare.port(), barePaths, null, s.concurrency(), s.duration()));
      Phase encodedRun = Phase.measure(world, () -> load.run(bare.port(), encodedPaths, null, s.concurrency(),
        s.duration()));
      // the same authentication without the release read: how the API's cost splits
      Phase authRun = Phase.measure(world, () -> load.run(world.servicePort(), List.of("/v1/session"), key,
        s.concurrency(), s.duration()));
      Profiler profiler = Profiler.startIf(s.profile(), s.out().resolve("api.jfr"));
      double hitsBefore = viewLookups(world, "hit");
      double missesBefore = viewLookups(world, "miss");
      Phase apiRun = Phase.measure(world,
        () -> load.run(world.servicePort(), apiPaths, key, s.concurrency(), s.duration()));
      double hits = viewLookups(world, "hit") - hitsBefore;
      double misses = viewLookups(world, "miss") - missesBefore;
      JsonObject profile = profiler == null ? null : profiler.stop();

      double ratio = apiRun.result.throughput() / bareRun.result.throughput();
      double encodedRatio = apiRun.result.throughput() / encodedRun.result.throughput();
      JsonObject result = new JsonObject().put("concurrency", s.concurrency())
        .put("responseBytes", sample.encode().length())
        .put("bare", bareRun.toJson()).put("bareEncoded", encodedRun.toJson()).put("session", authRun.toJson())
        .put("api", apiRun.toJson())
        .put("ratio", Report.round(ratio)).put("ratioToEncoded", Report.round(encodedRatio))
        .put("releaseViewCache", new JsonObject().put("hits", (long) hits).put("misses", (long) misses))
        .put("service", world.serviceSettings());
      if (profile != null) {
        result.put("profile", profile);
      }
      Report report = new Report(s).run(result);
      Table table = new Table("endpoint", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "errors", "CPU JVM",
        "CPU pg");
      row(table, "bare Vert.x JSON (" + sample.encode().length() + " bytes)", bareRun);
      row(table, "bare, the same bytes encoded once", encodedRun);
      row(table, "GET /v1/session (API key lookup alone)", authRun);
      row(table, "GET /v1/releases/{id}", apiRun);
      report.table(String.format(Locale.ROOT, "api: %d in flight, %d s each, load generator in the same JVM",
        s.concurrency(), s.duration()), table);
      if (profile != null) {
        Profiler.lines(profile).forEach(report::note);
      }
      report.note(
        String.format(Locale.ROOT, "target API >= %.0f%% of the bare endpoint: %s (%.0f%%)", TARGET_RATIO * 100,
        ratio >= TARGET_RATIO ? "MET" : "MISSED", ratio * 100));
      report.note(String.format(Locale.ROOT, "API against the bare endpoint sending pre-encoded bytes: %.0f%%",
        encodedRatio * 100));
      report.note(String.format(Locale.ROOT, "release views from the cache: %.2f%% (%d misses: the first read, and "
        + "one after each change of a release of the tenant)", 100 * hits / Math.max(1, hits + misses), (long) misses));
      return report;
    }
  }

  private static double viewLookups(BenchEnvironment world, String result) {
    return world.service().registry().get("hmd.api.cache.lookups").tag("cache", "release").tag("result", result)
      .counter().count();
  }

  private static void row(Table table, String label, Phase phase) {
    LoadGenerator.Result r = phase.result;
    table.row(label, Report.fmt(r.throughput()), Report.fmt(r.ms(50)), Report.fmt(r.ms(99)), Report.fmt(r.ms(99.9)),
      Report.fmt(r.latencyMicros().getMaxValue() / 1000.0), r.errors(), Report.fmt(phase.jvmCores),
      Report.fmt(phase.pgCores));
  }

  /** A timed run with the CPU it cost this JVM and Postgres. */
  private record Phase(LoadGenerator.Result result, double jvmCores, double pgCores) {

    static Phase measure(BenchEnvironment world, java.util.function.Supplier<LoadGenerator.Result> run) {
      long cpu = Machine.processCpuNanos();
      long pg = Machine.postgresCpuNanos(world.databasePort());
      LoadGenerator.Result result = run.get();
      double jvm = (Machine.processCpuNanos() - cpu) / 1e9 / result.seconds();
      long pgAfter = Machine.postgresCpuNanos(world.databasePort());
      return new Phase(result, jvm, pg < 0 || pgAfter < 0 ? Double.NaN : (pgAfter - pg) / 1e9 / result.seconds());
    }

    JsonObject toJson() {
      return result.toJson().put("cpuCores", new JsonObject().put("jvm", Report.round(jvmCores))
        .put("postgres", Report.round(pgCores)));
    }
  }
}
