package dev.hmd.bench;

import dev.hmd.cloudflare.CloudflareClient;
import dev.hmd.config.Config;
import dev.hmd.sim.SimOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * N concurrent active releases over many accounts, checked every poll interval, with soaks long
 * enough that all stay active while measured. The scheduler lag is exact: every check stores when
 * it ran ({@code at}) and its window, whose end is the due instant minus the telemetry lag.
 */
final class ScaleBench {

  /** Target: 10,000 releases with a scheduler lag p99 under 1 s and less than 1 GiB of heap. */
  static final int TARGET_RELEASES = 10_000;
  static final double TARGET_LAG_P99_MS = 1000;
  static final double TARGET_HEAP_MIB = 1024;
  /** Statements the Vert.x SQL client ran (its count is one per statement, a batch being one). */
  static final String SQL_STATEMENTS = "vertx.sql.processing.time";
  private static final String LAG_SQL = """
    select count(*), percentile_cont(0.5) within group (order by lag),
      percentile_cont(0.99) within group (order by lag), max(lag), count(*) filter (where verdict = 'pass'),
      count(distinct release_id)
    from (select extract(epoch from (at - window_end)) * 1000 - $3 as lag, verdict, release_id from checks
          where at >= $1 and at < $2) c""";

  private ScaleBench() {
  }

  static Report run(BenchSettings s) {
    Report report = new Report(s);
    List<JsonObject> runs = new ArrayList<>();
    for (int n : s.releases()) {
      JsonObject run = runOne(s, n);
      runs.add(run);
      report.run(run);
    }
    Table table = new Table(header(runs));
    row(table, runs, "active releases (end)", r -> r.getLong("activeAtEnd"));
    row(table, runs, "accounts / tenants", r -> r.getInteger("accounts"));
    row(table, runs, "scheduler lag p50 (ms)", r -> Report.fmt(r.getJsonObject("lagMs").getDouble("p50")));
    row(table, runs, "scheduler lag p99 (ms)", r -> Report.fmt(r.getJsonObject("lagMs").getDouble("p99")));
    row(table, runs, "scheduler lag max (ms)", r -> Report.fmt(r.getJsonObject("lagMs").getDouble("max")));
    row(table, runs, "check duration p50 / p99 (ms)",
      r -> Report.fmt(r.getJsonObject("checkDurationMs").getDouble("p50"))
      + " / " + Report.fmt(r.getJsonObject("checkDurationMs").getDouble("p99")));
    row(table, runs, "checks per second", r -> Report.fmt(r.getDouble("checksPerSecond")));
    row(table, runs, "  of which pass (%)", r -> Report.fmt(r.getDouble("passPercent")));
    row(table, runs, "Cloudflare telemetry calls / cycle", r -> Report.fmt(r.getJsonObject("cloudflarePerCycle")
      .getDouble(CloudflareClient.TELEMETRY_QUERY, 0.0)));
    row(table, runs, "Cloudflare other calls / cycle", r -> Report.fmt(r.getJsonObject("cloudflarePerCycle")
      .stream().filter(e -> !e.getKey().equals(CloudflareClient.TELEMETRY_QUERY))
      .mapToDouble(e -> ((Number) e.getValue()).doubleValue()).sum()));
    row(table, runs, "DB statements per second", r -> Report.fmt(r.getDouble("dbStatementsPerSecond")));
    row(table, runs, "heap after GC, whole JVM (MiB)", r -> Report.fmt(r.getJsonObject("heapMiB").getDouble("end")));
    row(table, runs, "  of which the service (MiB)", r -> Report.fmt(r.getJsonObject("heapMiB").getDouble("service")));
    row(table, runs, "CPU, this JVM (cores)", r -> Report.fmt(r.getJsonObject("cpuCores").getDouble("jvm")));
    row(table, runs, "CPU, Postgres (cores)",
      r -> Report.fmt(r.getJsonObject("cpuCores").getDouble("postgres", Double.NaN)));
    row(table, runs, "GC pauses (ms/s)", r -> Report.fmt(r.getJsonObject("gc").getDouble("millisPerSecond")));
    row(table, runs, "releases created / s (API)",
      r -> Report.fmt(r.getJsonObject("seeding").getDouble("releasesPerSecond")));
    report.table("scale: " + s.accounts() + " accounts, poll " + s.poll() + " s, Workers at " + s.rps() + " rps, "
      + s.duration() + " s measured after " + s.warmup() + " s", table);
    for (JsonObject run : runs) {
      report.note("N = " + run.getInteger("releases")
        + ", Postgres statements by execution time (pg_stat_statements):");
      run.getJsonArray("topStatements").stream().limit(6).map(JsonObject.class::cast).forEach(st -> report.note(
        String.format(java.util.Locale.ROOT, "  %5.1f%%  %7.1f/s  %6.3f ms  %s", st.getDouble("execShare") * 100,
          st.getDouble("callsPerSecond"), st.getDouble("meanMs"), st.getString("query"))));
    }
    for (JsonObject run : runs) {
      if (run.containsKey("profile")) {
        report.note("N = " + run.getInteger("releases") + ":");
        Profiler.lines(run.getJsonObject("profile")).forEach(report::note);
      }
    }
    runs.stream().filter(r -> r.getInteger("releases") == TARGET_RELEASES).findFirst().ifPresent(r -> {
      double p99 = r.getJsonObject("lagMs").getDouble("p99");
      double heap = r.getJsonObject("heapMiB").getDouble("end");
      report.note(String.format(java.util.Locale.ROOT, "target lag p99 < %.0f ms at %d releases: %s (%.0f ms)",
        TARGET_LAG_P99_MS, TARGET_RELEASES, p99 < TARGET_LAG_P99_MS ? "MET" : "MISSED", p99));
      report.note(String.format(java.util.Locale.ROOT, "target heap < %.0f MiB at %d releases: %s (%.0f MiB whole JVM, "
          + "%.0f MiB the service alone)", TARGET_HEAP_MIB, TARGET_RELEASES, heap < TARGET_HEAP_MIB ? "MET" : "MISSED",
        heap, r.getJsonObject("heapMiB").getDouble("service")));
    });
    if (runs.size() > 1) {
      Path plot = s.out().resolve("scale-lag.svg");
      LagPlot.write(plot, runs, s);
      report.put("plot", plot.toString());
      report.note("plot: " + plot);
    }
    return report;
  }

  private static String[] header(List<JsonObject> runs) {
    List<String> header = new ArrayList<>();
    header.add("releases");
    runs.forEach(r -> header.add(String.valueOf(r.getInteger("releases"))));
    return header.toArray(String[]::new);
  }

  private static void row(Table table, List<JsonObject> runs, String label, java.util.function.Function<JsonObject,
    Object> cell) {
    List<Object> cells = new ArrayList<>();
    cells.add(label);
    runs.forEach(r -> cells.add(cell.apply(r)));
    table.row(cells.toArray());
  }

  static JsonObject runOne(BenchSettings s, int n) {
    int accounts = Math.min(s.accounts(), n);
    Map<String, String> env = new HashMap<>(s.env());
    env.putIfAbsent(Config.DB_POOL_SIZE, String.valueOf(s.poolSize()));
    System.out.printf("scale: %d releases over %d accounts: starting Postgres, simulator and service%n", n, accounts);
    // checks look 10 s back: two minutes of telemetry are plenty, and keep the simulator's heap small
    SimOptions sim = SimOptions.defaults().withRetention(Duration.ofMinutes(2));
    try (BenchEnvironment world = BenchEnvironment.start(sim, env, s.durableDb())) {
      MeterRegistry registry = world.service().registry();
      Pool pool = world.service().pool();
      long heapIdle = Machine.heapAfterGc();
      Workload workload = new Workload(world);
      JsonObject plan = Workload.plan(s.poll(), 10, 3, new int[][] {{50, 7 * 24 * 3600 - 1}, {100, 60}});
      workload.seed(n, accounts, s.rps(), Workload.healthy(), plan, true);
      System.out.printf("scale: seeded %d releases (%s)%n", n, workload.timings().toJson(n).encode());
      Workload.await("every release's first split at Cloudflare", 300, () -> count(pool,
        "select count(distinct release_id) from events where type = 'deployment'") >= n);
      System.out.printf("scale: every split applied; warming up %d s, then measuring %d s%n", s.warmup(), s.duration());
      Workload.sleep(s.warmup() * 1000L);

      DatabaseStats dbBefore = DatabaseStats.take(pool);
      BenchDatabase.resetStatements(pool);
      Snapshot before = Snapshot.take(registry, world.databasePort());
      Instant from = Instant.now();
      Profiler profiler = Profiler.startIf(s.profile(), s.out().resolve("scale-" + n + ".jfr"));
      Workload.sleep(s.duration() * 1000L);
      JsonObject profile = profiler == null ? null : profiler.stop();
      Instant to = Instant.now();
      Snapshot after = Snapshot.take(registry, world.databasePort());
      double seconds = Duration.between(from, to).toMillis() / 1000.0;
      JsonObject postgres = DatabaseStats.take(pool).perSecondSince(dbBefore, seconds);
      io.vertx.core.json.JsonArray statements = BenchDatabase.topStatements(pool, seconds, 10);

      // a check is stored when its step saves, which can be a while after it ran: wait until the
      // window's count stops growing, so that late saves are counted with their lag
      long settled = settle(pool, from, to);
      Row lag = pool.preparedQuery(LAG_SQL).execute(Tuple.of(from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC),
        world.service().config().telemetryLag().toMillis())).await().iterator().next();
      long checks = lag.getLong(0);
      long active = count(pool,
        "select count(*) from releases where state in ('running', 'awaiting_approval', 'paused')");
      JsonObject states = new JsonObject();
      pool.query("select state, count(*) from releases group by state").execute().await()
        .forEach(r -> states.put(r.getString(0), r.getLong(1)));
      double cycles = seconds / s.poll();
      JsonObject cloudflare = new JsonObject();
      Meters.delta(before.cloudflare, after.cloudflare).forEach((endpoint, calls) -> {
        if (calls > 0) {
          cloudflare.put(endpoint, Report.round(calls / cycles));
        }
      });
      long heapEnd = Machine.heapAfterGc();
      world.stopService();
      long heapWithoutService = Machine.heapAfterGc();

      JsonObject run = new JsonObject()
        .put("releases", n).put("accounts", accounts).put("activeAtEnd", active).put("states", states)
        .put("measuredSeconds", Report.round(seconds)).put("service", world.serviceSettings())
        .put("seeding", workload.timings().toJson(n))
        .put("lagMs", new JsonObject().put("checks", checks).put("p50", Report.round(lag.getDouble(1)))
          .put("p99", Report.round(lag.getDouble(2))).put("max", Report.round(lag.getDouble(3)))
          .put("fromMetricP99", Report.round(Meters.quantile(before.lag, after.lag, 0.99)))
          .put("source", "checks table: at - (window_end + HMD_TELEMETRY_LAG_SECONDS), checks run in the window"))
        .put("checkDurationMs", new JsonObject()
          .put("p50", Report.round(Meters.quantile(before.checkDuration, after.checkDuration, 0.5)))
          .put("p99", Report.round(Meters.quantile(before.checkDuration, after.checkDuration, 0.99)))
          .put("source", "hmd.check.duration histogram (bucket upper bounds)"))
        .put("checksPerSecond", Report.round(checks / seconds))
        .put("expectedChecksPerSecond", Report.round((double) n / s.poll()))
        .put("releasesChecked", lag.getLong(5))
        .put("checksSavedAfterTheWindow", settled)
        .put("passPercent", Report.round(checks == 0 ? Double.NaN : 100.0 * lag.getLong(4) / checks))
        .put("cloudflarePerCycle", cloudflare)
        .put("dbStatementsPerSecond", Report.round((after.statements - before.statements) / seconds))
        .put("postgresPerSecond", postgres)
        .put("topStatements", statements)
        .put("heapMiB", new JsonObject().put("idle", Report.round(Machine.mib(heapIdle)))
          .put("end", Report.round(Machine.mib(heapEnd)))
          .put("withoutService", Report.round(Machine.mib(heapWithoutService)))
          .put("service", Report.round(Machine.mib(heapEnd - heapWithoutService))))
        .put("cpuCores", new JsonObject().put("jvm", Report.round((after.cpu - before.cpu) / 1e9 / seconds))
          .put("jvmUser", Report.round((after.userSys[0] - before.userSys[0]) / 1e9 / seconds))
          .put("jvmSystem", Report.round((after.userSys[1] - before.userSys[1]) / 1e9 / seconds))
          .put("postgres", before.pgCpu < 0 || after.pgCpu < 0 ? null
            : Report.round((after.pgCpu - before.pgCpu) / 1e9 / seconds))
          .put("machine", Runtime.getRuntime().availableProcessors()))
        .put("gc", new JsonObject().put("collections", after.gcCount - before.gcCount)
          .put("millisPerSecond", Report.round((after.gcMillis - before.gcMillis) / seconds)));
      if (profile != null) {
        run.put("profile", profile);
      }
      System.out.printf("scale: %d releases: lag p50 %.0f ms, p99 %.0f ms, max %.0f ms; %d checks in %.0f s%n", n,
        lag.getDouble(1), lag.getDouble(2), lag.getDouble(3), checks, seconds);
      return run;
    }
  }

  /**
   * Waits (at most 60 s) until no more checks of [from, to) are being saved; returns how many came after {@code to}.
   */
  private static long settle(Pool pool, Instant from, Instant to) {
    String sql = "select count(*) from checks where at >= $1 and at < $2";
    Tuple window = Tuple.of(from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC));
    long first = pool.preparedQuery(sql).execute(window).await().iterator().next().getLong(0);
    long last = first;
    for (int i = 0; i < 60; i++) {
      Workload.sleep(1000);
      long now = pool.preparedQuery(sql).execute(window).await().iterator().next().getLong(0);
      if (now == last) {
        break;
      }
      last = now;
    }
    return last - first;
  }

  static long count(Pool pool, String sql) {
    return pool.query(sql).execute().await().iterator().next().getLong(0);
  }

  /** The counters a measurement subtracts. */
  private record Snapshot(Map<String, Double> cloudflare, double statements, TreeMap<Double, Double> lag,
                          TreeMap<Double, Double> checkDuration, long cpu, long[] userSys, long pgCpu, long gcCount,
                          long gcMillis) {

    static Snapshot take(MeterRegistry registry, int pgPort) {
      long gcCount = 0;
      long gcMillis = 0;
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        gcCount += Math.max(0, gc.getCollectionCount());
        gcMillis += Math.max(0, gc.getCollectionTime());
      }
      return new Snapshot(Meters.counts(registry, CloudflareClient.METRIC_REQUESTS, "endpoint"),
        Meters.total(registry, SQL_STATEMENTS), Meters.histogram(registry, "hmd.scheduler.lag"),
        Meters.histogram(registry, "hmd.check.duration"), Machine.processCpuNanos(), Machine.processUserSystemNanos(),
        Machine.postgresCpuNanos(pgPort),
        gcCount, gcMillis);
    }
  }
}
