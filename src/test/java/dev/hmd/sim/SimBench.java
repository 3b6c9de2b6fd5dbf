package dev.hmd.sim;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Benchmark, not a test: 1000 Workers at 50 rps, each split 10/90 between two versions, with the
 * 15-minute retention full; then a telemetry query over 5 minutes grouped by script and version,
 * as the service would send it. Prints query times and the heap after GC.
 *
 * <p>Run: {@code mvn -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt}
 * then {@code java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.hmd.sim.SimBench}.
 */
public final class SimBench {

  private static final int WORKERS = 1000;
  private static final double RPS = 50;

  private SimBench() {
  }

  public static void main(String[] args) {
    ManualClock clock = new ManualClock(SimHarness.START);
    SimOptions options = SimOptions.defaults().withClock(clock).withRateLimit(1_000_000, Duration.ofMinutes(5));
    Vertx vertx = Vertx.vertx();
    SimulatorVerticle sim = new SimulatorVerticle(0, options);
    vertx.deployVerticle(sim).await();
    WebClient http = WebClient.create(vertx);
    int port = sim.actualPort();
    String account = SimHarness.account("bench");
    String token = "bench-token";
    post(http, port, "/sim/tokens", new JsonObject().put("token", token).put("accountId", account));

    long baseline = heapAfterGc();
    long setupStarted = System.nanoTime();
    for (int i = 0; i < WORKERS; i++) {
      String script = "worker-" + i;
      String old = post(http, port, "/sim/accounts/" + account + "/workers/" + script, new JsonObject().put("rps", RPS))
        .getString("versionId");
      String fresh = post(http, port, "/sim/accounts/" + account + "/workers/" + script + "/versions",
        SimHarness.profile(60, 300, 0.01)).getString("id");
      http.request(HttpMethod.POST, port, "localhost", "/client/v4/accounts/" + account + "/workers/scripts/" + script
          + "/deployments").putHeader("Authorization", "Bearer " + token)
        .sendJsonObject(new JsonObject().put("strategy", "percentage")
          .put("versions", SimHarness.split(fresh, 10, old, 90)))
        .await();
    }
    System.out.printf("setup: %d Workers x %.0f rps in %.1f s%n", WORKERS, RPS, seconds(setupStarted));

    clock.advance(Duration.ofMinutes(16));
    long now = clock.millis();
    long alignedTo = now - Math.floorMod(now, 60_000);
    JsonObject aligned = query(alignedTo - 300_000, alignedTo);
    JsonObject trailing = query(now - 305_000, now - 5_000);

    long coldStarted = System.nanoTime();
    JsonObject first = run(http, port, account, token, aligned);
    System.out.printf("first query (generates 15 min of traffic for every Worker first): %.2f s, %d groups, %d rows%n",
      seconds(coldStarted), first.getJsonArray("calculations").getJsonObject(0).getJsonArray("aggregates").size(),
      first.getJsonObject("statistics").getLong("rows_read"));
    first = null;

    report("aligned 5-minute window (stored minutes only)", http, port, account, token, aligned);
    report("trailing 5-minute window ending 5 s ago (edges regenerated)", http, port, account, token, trailing);
    report("trailing window, ignoreSeries: true", http, port, account, token,
      trailing.copy().put("ignoreSeries", true));
    long retained = heapAfterGc();
    System.out.printf("heap used after GC, 15 min retained: %.0f MB (%.0f MB before the Workers existed)%n",
      retained / 1e6, baseline / 1e6);
    vertx.close().await();
  }

  private static JsonObject query(long from, long to) {
    return Query.window(from, to)
      .filter(Query.TYPE, "eq", "cf-worker-event")
      .count().calc("median", Query.WALL, "p50").calc("p99", Query.WALL, "p99").calc("p99", Query.CPU, "cpu_p99")
      .groupBy(Query.SCRIPT).groupBy(Query.VERSION).json();
  }

  /** Median of 7 runs: the simulator's own evaluation time, and the round trip with the JSON both ways. */
  private static void report(String label, WebClient http, int port, String account, String token, JsonObject body) {
    List<Double> evaluation = new ArrayList<>();
    List<Double> roundTrip = new ArrayList<>();
    int bytes = 0;
    for (int i = 0; i < 7; i++) {
      long started = System.nanoTime();
      JsonObject result = run(http, port, account, token, body);
      roundTrip.add(seconds(started) * 1000);
      evaluation.add(result.getJsonObject("statistics").getDouble("elapsed") * 1000);
      bytes = result.encode().length();
    }
    Collections.sort(evaluation);
    Collections.sort(roundTrip);
    System.out.printf("%s: evaluation %.0f ms, round trip %.0f ms, response %.1f MB%n", label, evaluation.get(3),
      roundTrip.get(3), bytes / 1e6);
  }

  private static JsonObject run(WebClient http, int port, String account, String token, JsonObject body) {
    HttpResponse<Buffer> res = http.request(HttpMethod.POST, port, "localhost",
        "/client/v4/accounts/" + account + "/workers/observability/telemetry/query")
      .putHeader("Authorization", "Bearer " + token).sendJsonObject(body).await();
    if (res.statusCode() != 200) {
      throw new IllegalStateException(res.bodyAsString());
    }
    return res.bodyAsJsonObject().getJsonObject("result");
  }

  private static JsonObject post(WebClient http, int port, String path, JsonObject body) {
    HttpResponse<Buffer> res = http.request(HttpMethod.POST, port, "localhost", path).sendJsonObject(body).await();
    if (res.statusCode() != 201) {
      throw new IllegalStateException(path + ": " + res.bodyAsString());
    }
    return res.bodyAsJsonObject();
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static double seconds(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1e9;
  }
}
