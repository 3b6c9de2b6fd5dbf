package dev.hmd.bench;

import dev.hmd.config.Config;
import dev.hmd.events.EventLog;
import dev.hmd.sim.SimOptions;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * N clients streaming one tenant's events ({@code GET /v1/events}); events appended at a steady
 * rate exactly as the engine appends them ({@link EventLog#append} in a transaction, which
 * NOTIFYs on commit). Latency = arrival at a client - the moment the append's transaction
 * committed (its completion seen by the appender), both from the wall clock of this machine.
 * The clients run in a child JVM ({@link SseClients}), so the service's heap delta over N is
 * the memory of one server-side connection.
 */
final class SseBench {

  static final double TARGET_P99_MS = 250;
  static final int TARGET_CLIENTS = 10_000;
  /** The size of a typical {@code release} event's data. */
  static final int EVENT_BYTES = 900;

  private SseBench() {
  }

  static Report run(BenchSettings s) {
    Report report = new Report(s);
    List<JsonObject> runs = new ArrayList<>();
    for (int clients : s.clients()) {
      JsonObject run = runOne(s, clients);
      runs.add(run);
      report.run(run);
    }
    Table table = new Table("clients", "deliveries", "p50 ms", "p90 ms", "p99 ms", "max ms", "heap/conn KiB",
      "CPU JVM", "CPU pg");
    for (JsonObject r : runs) {
      JsonObject l = r.getJsonObject("latencyMs");
      table.row(r.getInteger("clients"), r.getLong("deliveries") + "/" + r.getLong("expectedDeliveries"),
        Report.fmt(l.getDouble("p50")), Report.fmt(l.getDouble("p90")), Report.fmt(l.getDouble("p99")),
        Report.fmt(l.getDouble("max")), Report.fmt(r.getDouble("heapPerConnectionKiB")),
        Report.fmt(r.getJsonObject("cpuCores").getDouble("jvm")),
        Report.fmt(r.getJsonObject("cpuCores").getDouble("postgres", Double.NaN)));
    }
    report.table(
      String.format(Locale.ROOT, "sse: one tenant, %.1f events/s of ~%d bytes, %d s measured; latency = commit "
      + "-> arrival at the client", s.eventsPerSecond(), EVENT_BYTES, s.duration()), table);
    report.note("open files limit (ulimit -n) of this process: " + Machine.openFilesLimit()
      + "; the clients run in a child JVM with the same limit");
    for (JsonObject run : runs) {
      if (run.containsKey("profile")) {
        report.note("clients = " + run.getInteger("clients") + ":");
        Profiler.lines(run.getJsonObject("profile")).forEach(report::note);
      }
    }
    runs.stream().filter(r -> r.getInteger("clients") == TARGET_CLIENTS).findFirst().ifPresent(r -> {
      double p99 = r.getJsonObject("latencyMs").getDouble("p99");
      boolean complete = r.getLong("deliveries").equals(r.getLong("expectedDeliveries"));
      report.note(String.format(Locale.ROOT, "target p99 < %.0f ms at %d clients: %s (%.0f ms%s)", TARGET_P99_MS,
        TARGET_CLIENTS, p99 < TARGET_P99_MS && complete ? "MET" : "MISSED", p99,
        complete ? "" : ", and not every event reached every client"));
    });
    return report;
  }

  static JsonObject runOne(BenchSettings s, int clients) {
    long limit = Machine.openFilesLimit();
    if (limit > 0 && clients + 1000 > limit) {
      throw new IllegalStateException("the open-files limit (ulimit -n) is " + limit + ": too low for " + clients
        + " connections plus the service's own files; raise it (ulimit -n " + (clients + 2000) + ") and run again");
    }
    Map<String, String> env = new HashMap<>(s.env());
    env.putIfAbsent(Config.DB_POOL_SIZE, String.valueOf(s.poolSize()));
    // every client is one tenant's key on one address: the caps are lifted for the run
    env.putIfAbsent(Config.HTTP_MAX_CONNECTIONS_PER_ADDRESS, "0");
    env.putIfAbsent(Config.SSE_MAX_STREAMS_PER_KEY, String.valueOf(clients + 10));
    env.putIfAbsent(Config.SSE_MAX_STREAMS_PER_TENANT, String.valueOf(clients + 10));
    System.out.printf("sse: %d clients: starting Postgres, simulator and service%n", clients);
    try (BenchEnvironment world = BenchEnvironment.start(SimOptions.defaults(), env, s.durableDb())) {
      MeterRegistry registry = world.service().registry();
      Pool pool = world.service().pool();
      BenchEnvironment.Tenant tenant = world.newTenant("sse-bench").await();
      long fdsBefore = Machine.openFiles();
      long heapBefore = Machine.heapAfterGc();
      Process child = startClients(world.servicePort(), tenant.key(), clients);
      try (PrintWriter toChild = new PrintWriter(child.getOutputStream(), true, StandardCharsets.UTF_8);
           BufferedReader fromChild = new BufferedReader(
             new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String connected = expect(fromChild, "connected", child);
        long opened = Long.parseLong(connected.split(" ")[1]);
        Workload.await(opened + " streams open at the service", 120,
          () -> gauge(registry, "hmd.sse.clients") >= opened);
        long heapAfter = Machine.heapAfterGc();
        long fdsAfter = Machine.openFiles();
        System.out.printf("sse: %d streams open; %d s of warm-up events, then %d s measured%n", opened, s.warmup(),
          s.duration());

        append(pool, tenant.id(), s.eventsPerSecond(), s.warmup(), null);
        double sentBefore = Meters.total(registry, "hmd.sse.events.sent");
        double droppedBefore = Meters.total(registry, "hmd.sse.connections.dropped");
        long cpuBefore = Machine.processCpuNanos();
        long pgBefore = Machine.postgresCpuNanos(world.databasePort());
        long t0 = System.nanoTime();
        Profiler profiler = Profiler.startIf(s.profile(), s.out().resolve("sse-" + clients + ".jfr"));
        List<long[]> commits = new ArrayList<>();
        append(pool, tenant.id(), s.eventsPerSecond(), s.duration(), commits);
        commits.forEach(c -> toChild.println("commit " + c[0] + " " + c[1]));
        toChild.println("done");
        String result = expect(fromChild, "result", child);
        JsonObject profile = profiler == null ? null : profiler.stop();
        double seconds = (System.nanoTime() - t0) / 1e9;
        JsonObject run = new JsonObject(result.substring("result ".length()));
        run.put("connected", opened).put("eventsPerSecond", s.eventsPerSecond()).put("eventBytes", EVENT_BYTES)
          .put("heapMiB", new JsonObject().put("beforeClients", Report.round(Machine.mib(heapBefore)))
            .put("withClients", Report.round(Machine.mib(heapAfter))))
          .put("heapPerConnectionKiB", Report.round((heapAfter - heapBefore) / 1024.0 / Math.max(1, opened)))
          .put("openFiles", new JsonObject().put("before", fdsBefore).put("withClients", fdsAfter)
            .put("limit", Machine.openFilesLimit()))
          .put("framesSent", Meters.total(registry, "hmd.sse.events.sent") - sentBefore)
          .put("droppedAsSlow", Meters.total(registry, "hmd.sse.connections.dropped") - droppedBefore)
          .put("cpuCores",
            new JsonObject().put("jvm", Report.round((Machine.processCpuNanos() - cpuBefore) / 1e9 / seconds))
            .put("postgres", pgBefore < 0 ? null
              : Report.round((Machine.postgresCpuNanos(world.databasePort()) - pgBefore) / 1e9 / seconds))
            .put("note", "the service JVM; the clients' JVM is not counted"))
          .put("service", world.serviceSettings());
        if (profile != null) {
          run.put("profile", profile);
        }
        System.out.printf("sse: %d clients: p50 %.1f ms, p99 %.1f ms, %d/%d deliveries%n", clients,
          run.getJsonObject("latencyMs").getDouble("p50"), run.getJsonObject("latencyMs").getDouble("p99"),
          run.getLong("deliveries"), run.getLong("expectedDeliveries"));
        return run;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        child.destroy();
      }
    }
  }

  /**
   * Appends one event every 1/rate s for {@code seconds}, each in its own transaction as the engine
   * does; with {@code commits} non-null, notes (event id, epoch micros of the commit) of each.
   */
  private static void append(Pool pool, String tenantId, double rate, int seconds, List<long[]> commits) {
    long periodNanos = (long) (1e9 / rate);
    long start = System.nanoTime();
    long count = (long) (rate * seconds);
    CountDownLatch done = new CountDownLatch((int) count);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    String padding = "x".repeat(EVENT_BYTES - 200);
    for (long i = 0; i < count; i++) {
      long wait = start + i * periodNanos - System.nanoTime();
      if (wait > 0) {
        Workload.sleep(TimeUnit.NANOSECONDS.toMillis(wait));
      }
      JsonObject data = new JsonObject().put("releaseId", "r_bench").put("state", "running").put("sequence", i)
        .put("stages", new JsonArray().add(new JsonObject().put("targetPercent", 50).put("state", "soaking")))
        .put("note", padding);
      pool.withTransaction(tx -> EventLog.append(tx, tenantId, List.of(new EventLog.NewEvent(null, "release", data))))
        .onComplete(r -> {
          if (r.succeeded() && commits != null) {
            long micros = SseClients.epochMicros();
            synchronized (commits) {
              commits.add(new long[] {r.result(), micros});
            }
          } else if (r.failed()) {
            failure.compareAndSet(null, r.cause());
          }
          done.countDown();
        });
    }
    try {
      if (!done.await(60, TimeUnit.SECONDS) || failure.get() != null) {
        throw new IllegalStateException("appending events failed", failure.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Process startClients(int port, String key, int clients) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = List.of(java, "-Xmx1g", "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"),
      "-Dhmd.log.format=PLAIN", SseClients.class.getName(), String.valueOf(port), key, String.valueOf(clients));
    try {
      return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the SSE clients' JVM", e);
    }
  }

  private static String expect(BufferedReader in, String prefix, Process child) throws IOException {
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.startsWith(prefix + " ")) {
        return line;
      }
    }
    throw new IllegalStateException("the SSE clients' JVM ended (exit " + waitFor(child) + ") before saying '" + prefix
      + "'");
  }

  private static int waitFor(Process child) {
    try {
      return child.waitFor(10, TimeUnit.SECONDS) ? child.exitValue() : -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static double gauge(MeterRegistry registry, String name) {
    Gauge gauge = registry.find(name).gauge();
    return gauge == null ? 0 : gauge.value();
  }
}
