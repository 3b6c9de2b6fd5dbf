package dev.hmd.bench;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Seeding through the public surfaces, as a user would: simulator Workers and versions through
 * {@code /sim}, then tenants, connections, plans and releases through the service's API. Each
 * account gets its own tenant and Cloudflare token, as separate customers would have.
 */
final class Workload {

  /** Requests in flight while seeding. */
  static final int SEED_CONCURRENCY = 64;

  /** One simulated Worker with a connection in the service, and the release running on it (once started). */
  record Target(BenchEnvironment.Account account, BenchEnvironment.Tenant tenant, String script, String oldVersion,
                String newVersion, String connectionId, String releaseId) {

    Target withConnection(String id) {
      return new Target(account, tenant, script, oldVersion, newVersion, id, releaseId);
    }

    Target withRelease(String id) {
      return new Target(account, tenant, script, oldVersion, newVersion, connectionId, id);
    }
  }

  /** How long each phase of the seeding took, in seconds. */
  record Timings(double accounts, double workers, double connections, double releases) {

    JsonObject toJson(int n) {
      return new JsonObject().put("accountsSeconds", Report.round(accounts))
        .put("workersSeconds", Report.round(workers))
        .put("connectionsAndPlansSeconds", Report.round(connections)).put("releasesSeconds", Report.round(releases))
        .put("releasesPerSecond", Report.round(n / Math.max(releases, 1e-9)))
        .put("releasesCreatedThrough", "POST /v1/connections/{id}/releases");
    }
  }

  private final BenchEnvironment env;
  private Timings timings;

  Workload(BenchEnvironment env) {
    this.env = env;
  }

  Timings timings() {
    return timings;
  }

  /**
   * {@code n} Workers spread evenly over {@code accounts} accounts, each with a connection whose
   * plan is {@code plan} and, when {@code start}, a release of {@code newProfile} running on it.
   */
  List<Target> seed(int n, int accounts, double rps, JsonObject newProfile, JsonObject plan, boolean start) {
    long t0 = System.nanoTime();
    List<Integer> accountIndexes = range(Math.min(accounts, n));
    List<BenchEnvironment.Account> cf = Bounded.map(accountIndexes, 16, i -> env.newAccount(String.valueOf(i)));
    List<BenchEnvironment.Tenant> tenants = Bounded.map(accountIndexes, 16, i -> env.newTenant("bench-" + i));
    long t1 = System.nanoTime();
    List<Target> targets = Bounded.map(range(n), SEED_CONCURRENCY, i -> {
      int a = i % cf.size();
      String script = String.format(Locale.ROOT, "bench-w%05d", i);
      return env.newWorker(cf.get(a), script, rps).compose(old -> env.newVersion(cf.get(a), script, newProfile)
        .map(next -> new Target(cf.get(a), tenants.get(a), script, old, next, null, null)));
    });
    long t2 = System.nanoTime();
    targets = Bounded.map(targets, SEED_CONCURRENCY, t -> env.api(HttpMethod.POST, "/v1/connections", t.tenant().key(),
        new JsonObject().put("accountId", t.account().accountId()).put("workerName", t.script())
          .put("apiToken", t.account().token()), 201)
      .compose(c ->
        env.api(HttpMethod.PUT, "/v1/connections/" + c.getString("id") + "/plan", t.tenant().key(), plan, 200)
        .map(p -> t.withConnection(c.getString("id")))));
    long t3 = System.nanoTime();
    // A real Worker has traffic before its release; here the first check's window (which ends
    // HMD_TELEMETRY_LAG_SECONDS before it is due) must not reach back before the Worker existed,
    // or it is empty and asked again three times: a set-up artefact, not scheduler lag.
    long historyNanos = env.service().config().telemetryLag().plusSeconds(2).toNanos();
    Workload.sleep(Math.max(0, (t2 + historyNanos - System.nanoTime()) / 1_000_000));
    long t4 = System.nanoTime();
    if (start) {
      targets = startReleases(targets);
    }
    long t5 = System.nanoTime();
    timings = new Timings(seconds(t1 - t0), seconds(t2 - t1), seconds(t3 - t2), seconds(t5 - t4));
    return targets;
  }

  /** Starts a release of each target's new version, through the API. */
  List<Target> startReleases(List<Target> targets) {
    return Bounded.map(targets, SEED_CONCURRENCY, t -> env.api(HttpMethod.POST,
        "/v1/connections/" + t.connectionId() + "/releases", t.tenant().key(),
          new JsonObject().put("newVersionId", t.newVersion()), 201)
      .map(r -> t.withRelease(r.getString("id"))));
  }

  /** Waits until {@code condition} holds, checking every 200 ms; fails after {@code timeoutSeconds}. */
  static void await(String what, int timeoutSeconds, java.util.function.Supplier<Boolean> condition) {
    long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeoutSeconds + " s waiting for " + what);
      }
      sleep(200);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** A plan with the given stages (percent, soak seconds), the usual SLOs, checks every {@code poll} s. */
  static JsonObject plan(int poll, int minRequests, int failureThreshold, int[][] stages) {
    JsonArray list = new JsonArray();
    for (int[] stage : stages) {
      list.add(new JsonObject().put("targetPercent", stage[0]).put("soakSeconds", stage[1]).put("autoProgress", true));
    }
    return new JsonObject().put("stages", list)
      .put("slos", new JsonArray()
        .add(new JsonObject().put("sli", "latency_p99").put("threshold", 500))
        .add(new JsonObject().put("sli", "error_rate").put("threshold", 0.01)))
      .put("pollIntervalSeconds", poll).put("minRequests", minRequests).put("failureThreshold", failureThreshold)
      .put("onInsufficientData", "pause").putNull("approvalTimeoutSeconds");
  }

  static JsonObject healthy() {
    return new JsonObject().put("message", "bench: healthy")
      .put("latencyMs", new JsonObject().put("p50", 30).put("p99", 200))
      .put("errorRate", 0.0005);
  }

  static List<Integer> range(int n) {
    List<Integer> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(i);
    }
    return list;
  }

  static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
