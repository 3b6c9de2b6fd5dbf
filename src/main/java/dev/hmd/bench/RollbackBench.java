package dev.hmd.bench;

import dev.hmd.config.Config;
import dev.hmd.scheduler.CheckGrid;
import dev.hmd.sim.SimOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Releases whose new version turns bad mid-soak, and how long the service takes to put the old
 * version back.
 *
 * <p>Definitions. The simulator applies a version's new profile from the second after the PATCH
 * ({@code tBad}, the first bad second). The <em>first bad window</em> of a release is the first
 * of its check windows (on its account's grid, {@code [end - poll, end)}) that holds {@code tBad}:
 * the window whose end is the first one after {@code tBad}. The rollback is applied when the
 * simulator records the deployment that serves 100% of the old version again ({@code createdOn}).
 * Latency = createdOn - end of the first bad window. It includes the telemetry lag the service
 * waits before asking about a window (HMD_TELEMETRY_LAG_SECONDS, 5 s by default): a window is
 * only asked about once Workers Observability can have it.
 */
final class RollbackBench {

  /** Target: p99 within one poll interval and one second of the first bad window's end. */
  static final double TARGET_EXTRA_SECONDS = 1.0;
  static final double BAD_ERROR_RATE = 0.5;
  static final int ACCOUNTS = 10;
  private static final String CHECKS = """
    select window_end, verdict from checks where tenant_id = $1 and release_id = $2 order by window_end""";

  private RollbackBench() {
  }

  static Report run(BenchSettings s) {
    int n = s.rollbacks();
    int accounts = Math.min(ACCOUNTS, n);
    Map<String, String> env = new HashMap<>(s.env());
    env.putIfAbsent(Config.DB_POOL_SIZE, String.valueOf(s.poolSize()));
    System.out.printf("rollback: %d releases over %d accounts: starting Postgres, simulator and service%n", n,
      accounts);
    try (BenchEnvironment world = BenchEnvironment.start(SimOptions.defaults().withRetention(Duration.ofMinutes(5)),
      env,
      s.durableDb())) {
      Pool pool = world.service().pool();
      MeterRegistry registry = world.service().registry();
      Duration lag = world.service().config().telemetryLag();
      Workload workload = new Workload(world);
      // one long first stage; one failed check rolls back (failureThreshold 1)
      JsonObject plan = Workload.plan(s.poll(), 20, 1, new int[][] {{50, 3600}, {100, 60}});
      List<Workload.Target> targets = workload.seed(n, accounts, s.rps(), Workload.healthy(), plan, true);
      Workload.await("every release's first split at Cloudflare", 120, () -> ScaleBench.count(pool,
        "select count(distinct release_id) from events where type = 'deployment'") >= n);
      // mid-soak: every release has passed at least one check before its version turns bad
      Workload.await("a passed check of every release", 6 * s.poll() + 60, () -> ScaleBench.count(pool,
        "select count(distinct release_id) from checks where verdict = 'pass'") >= n);
      TreeMap<Double, Double> metricBefore = Meters.histogram(registry, "hmd.rollback.latency");

      // the versions turn bad at random instants over one poll interval, so that the first bad
      // window holds anything from one bad second to all of them
      Random random = new Random(42);
      List<double[]> schedule = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        schedule.add(new double[] {random.nextDouble() * s.poll() * 1000, i});
      }
      schedule.sort((a, b) -> Double.compare(a[0], b[0]));
      long start = System.currentTimeMillis() + 500;
      Instant[] badFrom = new Instant[n];
      for (double[] item : schedule) {
        int i = (int) item[1];
        Workload.sleep(Math.max(0, start + (long) item[0] - System.currentTimeMillis()));
        // keep clear of a second's edge, so that the second the simulator takes the change in is known
        if (System.currentTimeMillis() % 1000 > 900) {
          Workload.sleep(1000 - System.currentTimeMillis() % 1000 + 20);
        }
        long sent = System.currentTimeMillis();
        Workload.Target t = targets.get(i);
        world.changeVersion(t.account(), t.script(), t.newVersion(), new JsonObject().put("errorRate", BAD_ERROR_RATE))
          .await();
        long answered = System.currentTimeMillis();
        if (answered / 1000 != sent / 1000) {
          throw new IllegalStateException("the PATCH crossed a second's edge (" + sent + " -> " + answered + ")");
        }
        badFrom[i] = Instant.ofEpochMilli((sent / 1000 + 1) * 1000);
      }
      System.out.printf("rollback: %d versions turned bad; waiting for the rollbacks%n", n);
      Workload.await("every release rolled back", 4 * s.poll() + 60, () -> ScaleBench.count(pool,
        "select count(*) from releases where state = 'rolled_back'") >= n || ScaleBench.count(pool,
        "select count(*) from releases where state in ('running', 'awaiting_approval', 'paused')") == 0);
      // and applied at the simulator
      Workload.await("every rollback applied at the simulator", 60, () -> targets.stream()
        .allMatch(t -> rollbackDeployment(world.worker(t.account(), t.script()).await(), t.oldVersion()) != null));

      List<JsonObject> releases = new ArrayList<>();
      List<Double> latencies = new ArrayList<>();
      int falseRollbacks = 0;
      int gridMismatches = 0;
      Map<Integer, Integer> detectedAtWindow = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        Workload.Target t = targets.get(i);
        JsonObject release = world.api(io.vertx.core.http.HttpMethod.GET, "/v1/releases/" + t.releaseId(),
          t.tenant().key(), null, 200).await();
        JsonObject deployment = rollbackDeployment(world.worker(t.account(), t.script()).await(), t.oldVersion());
        Instant applied = Instant.parse(deployment.getString("createdOn"));
        RowSet<Row> checks = pool.preparedQuery(CHECKS).execute(Tuple.of(t.tenant().id(), t.releaseId())).await();
        Instant firstBadEnd = null;
        Instant failedEnd = null;
        int windowsAfter = 0;
        for (Row row : checks) {
          Instant end = row.getOffsetDateTime("window_end").toInstant();
          if (end.isAfter(badFrom[i])) {
            if (firstBadEnd == null) {
              firstBadEnd = end;
            }
            if (failedEnd == null) {
              if ("fail".equals(row.getString("verdict"))) {
                failedEnd = end;
              } else {
                windowsAfter++;
              }
            }
          } else if ("fail".equals(row.getString("verdict"))) {
            falseRollbacks++;
          }
        }
        // the same window from the grid, as a cross-check of the stored windows
        Instant gridEnd = CheckGrid.next(badFrom[i].plus(lag), Duration.ofSeconds(s.poll()), t.account().accountId())
          .minus(lag);
        if (firstBadEnd == null) {
          firstBadEnd = gridEnd;
        } else if (!firstBadEnd.equals(gridEnd)) {
          gridMismatches++;
        }
        double latency = Duration.between(firstBadEnd, applied).toMillis() / 1000.0;
        latencies.add(latency);
        detectedAtWindow.merge(failedEnd == null ? -1 : windowsAfter + 1, 1, Integer::sum);
        // the simulator puts a second into a window when the second starts inside it
        long badSecondsInWindow = Math.min(s.poll(),
          (Duration.between(badFrom[i], firstBadEnd).toMillis() + 999) / 1000);
        releases.add(new JsonObject().put("releaseId", t.releaseId()).put("state", release.getString("state"))
          .put("outcome",
            release.getJsonObject("outcome") == null ? null : release.getJsonObject("outcome").getString("code"))
          .put("badFrom", badFrom[i].toString()).put("firstBadWindowEnd", firstBadEnd.toString())
          .put("badSecondsInFirstWindow", badSecondsInWindow)
          .put("failedWindowEnd", failedEnd == null ? null : failedEnd.toString())
          .put("rollbackAppliedAt", applied.toString()).put("latencySeconds", Report.round(latency)));
      }
      TreeMap<Double, Double> metricAfter = Meters.histogram(registry, "hmd.rollback.latency");
      List<Double> sorted = latencies.stream().sorted().toList();
      double p50 = nearestRank(sorted, 0.50);
      double p99 = nearestRank(sorted, 0.99);
      double max = sorted.get(sorted.size() - 1);
      double target = s.poll() + TARGET_EXTRA_SECONDS;
      long rolledBack = releases.stream().filter(r -> "rolled_back".equals(r.getString("state"))).count();

      JsonObject result = new JsonObject().put("releases", n).put("accounts", accounts).put("rolledBack", rolledBack)
        .put("pollIntervalSeconds", s.poll()).put("telemetryLagSeconds", lag.toSeconds()).put("workerRps", s.rps())
        .put("badErrorRate", BAD_ERROR_RATE).put("service", world.serviceSettings())
        .put("latencySeconds", new JsonObject().put("p50", Report.round(p50)).put("p99", Report.round(p99))
          .put("max", Report.round(max)).put("min", Report.round(sorted.get(0))))
        .put("latencyPollIntervals", new JsonObject().put("p50", Report.round(p50 / s.poll()))
          .put("p99", Report.round(p99 / s.poll())).put("max", Report.round(max / s.poll())))
        .put("detectedAtWindow", detectedAtWindow.entrySet().stream().collect(JsonObject::new,
          (o, e) -> o.put(e.getKey() < 0 ? "never" : String.valueOf(e.getKey()), e.getValue()), JsonObject::mergeIn))
        .put("falseRollbacks", falseRollbacks).put("gridMismatches", gridMismatches)
        .put("serviceMetricP99Seconds", Report.round(Meters.quantile(metricBefore, metricAfter, 0.99) / 1000))
        .put("perRelease", new JsonArray(releases));
      Report report = new Report(s).run(result);
      Table table = new Table("measure", "seconds", "poll intervals");
      table.row("first bad window end -> rollback applied, p50", Report.fmt(p50), Report.fmt(p50 / s.poll()));
      table.row("  p99", Report.fmt(p99), Report.fmt(p99 / s.poll()));
      table.row("  max", Report.fmt(max), Report.fmt(max / s.poll()));
      table.row("  min", Report.fmt(sorted.get(0)), Report.fmt(sorted.get(0) / s.poll()));
      table.row("of which waiting for telemetry (HMD_TELEMETRY_LAG_SECONDS)", lag.toSeconds(),
        Report.fmt(lag.toSeconds() / (double) s.poll()));
      table.row("service metric hmd.rollback.latency p99 (failing window end -> applied)",
        Report.fmt(Meters.quantile(metricBefore, metricAfter, 0.99) / 1000), "");
      report.table(String.format(Locale.ROOT, "rollback: %d releases over %d accounts, poll %d s, Workers at %.0f rps, "
        + "new version to %.0f%% errors mid-soak", n, accounts, s.poll(), s.rps(), BAD_ERROR_RATE * 100), table);
      Table detection = new Table("bad window that failed", "releases", "bad seconds in the first bad window");
      detectedAtWindow.forEach((k, v) -> {
        java.util.LongSummaryStatistics bad = releases.stream().filter(r -> windowIndex(r, s.poll()) == k)
          .mapToLong(r -> r.getLong("badSecondsInFirstWindow")).summaryStatistics();
        detection.row(k < 0 ? "none" : k == 1 ? "the first" : "#" + k, v, bad.getMin() + ".." + bad.getMax());
      });
      report.table("which bad window's check rolled back", detection);
      report.note(
        String.format(Locale.ROOT, "rolled back: %d of %d; false rollbacks before the change: %d", rolledBack, n,
        falseRollbacks));
      report.note(
        String.format(Locale.ROOT,
        "target p99 <= 1 poll interval + 1 s (%.1f s): %s (p99 %.2f s = %.2f poll intervals)",
        target, p99 <= target ? "MET" : "MISSED", p99, p99 / s.poll()));
      return report;
    }
  }

  /** The newest deployment serving the old version alone: the rollback. */
  static JsonObject rollbackDeployment(JsonObject worker, String oldVersion) {
    JsonArray deployments = worker.getJsonArray("deployments");
    if (deployments.isEmpty() || deployments.size() < 3) {
      return null; // the initial one and the release's split come first
    }
    JsonObject newest = deployments.getJsonObject(0);
    JsonArray versions = newest.getJsonArray("versions");
    boolean allOld = versions.stream().map(JsonObject.class::cast)
      .allMatch(v -> v.getString("versionId").equals(oldVersion) ? v.getDouble("percentage") == 100
        : v.getDouble("percentage") == 0);
    return allOld ? newest : null;
  }

  /** 1 when the first bad window's check failed, 2 for the next one...; -1 when none did. */
  private static int windowIndex(JsonObject release, int poll) {
    if (release.getString("failedWindowEnd") == null) {
      return -1;
    }
    long apart = Duration.between(Instant.parse(release.getString("firstBadWindowEnd")),
      Instant.parse(release.getString("failedWindowEnd"))).toSeconds();
    return (int) (apart / poll) + 1;
  }

  static double nearestRank(List<Double> sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
