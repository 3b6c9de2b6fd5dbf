package dev.hmd.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** A tenant with a connection to a simulated Worker that has a serving version and a few new ones. */
public record Fixture(Api api, String key, String tenantId, TestSimulator.Account account, String script,
                      String connectionId, String servingVersion) {

  /** Creates tenant, Worker ({@code rps} requests/s) and connection. */
  public static Fixture create(Api root, TestSimulator sim, int rps) {
    Api.TenantKeys tenant = root.newTenant("t" + System.nanoTime());
    TestSimulator.Account account = sim.newAccount();
    String script = "w" + Long.toString(System.nanoTime(), 36);
    String serving = sim.newWorker(account, script, rps);
    Api api = root.as(tenant.adminKey());
    String connectionId = api.post("/v1/connections", new JsonObject().put("accountId", account.accountId())
      .put("workerName", script).put("apiToken", account.token())).bodyAsJsonObject().getString("id");
    return new Fixture(api, tenant.adminKey(), tenant.tenantId(), account, script, connectionId, serving);
  }

  public String version(TestSimulator sim, JsonObject profile) {
    return sim.newVersion(account, script, profile);
  }

  public void plan(JsonObject plan) {
    int status = api.put("/v1/connections/" + connectionId + "/plan", plan).statusCode();
    if (status != 200) {
      throw new IllegalStateException("plan refused: " + status);
    }
  }

  public JsonObject start(String newVersionId) {
    var res = api.post("/v1/connections/" + connectionId + "/releases",
      new JsonObject().put("newVersionId", newVersionId));
    if (res.statusCode() != 201) {
      throw new IllegalStateException("release refused: " + res.statusCode() + " " + res.bodyAsString());
    }
    return res.bodyAsJsonObject();
  }

  /**
   * Starts a release of a healthy new version that stays in its first stage (a 10 min soak, a
   * check a minute): for tests about stored rows rather than rollouts. Returns its id.
   */
  public String startIdleRelease(TestSimulator sim) {
    plan(quickPlan(600, 60, 10, 100));
    return start(version(sim, healthy())).getString("id");
  }

  public JsonObject release(String id) {
    return api.get("/v1/releases/" + id).bodyAsJsonObject();
  }

  public JsonArray checks(String id) {
    return api.get("/v1/releases/" + id + "/checks").bodyAsJsonObject().getJsonArray("items");
  }

  /**
   * A plan with quick stages: soaks of {@code soak} s at the given percentages, checks every {@code poll} s.
   *
   * <p>A stage that must pass by itself needs enough counted checks: only windows that began inside
   * the soak count, so with the tests' 1 s telemetry lag a soak gets at least
   * {@code floor((soak - 1 - poll) / poll)} of them. At 10% of 200 requests/s a 2 s window holds
   * about 40 requests, and about one such window in forty is inconclusive by noise alone (one error,
   * or a slow tail sample); a 6 s soak may count a single check, a 10 s soak counts at least three.
   */
  public static JsonObject quickPlan(int soak, int poll, int... percents) {
    JsonArray stages = new JsonArray();
    for (int p : percents) {
      stages.add(new JsonObject().put("targetPercent", p).put("soakSeconds", soak).put("autoProgress", true));
    }
    return new JsonObject().put("stages", stages)
      .put("slos", new JsonArray()
        .add(new JsonObject().put("sli", "latency_p99").put("threshold", 500))
        .add(new JsonObject().put("sli", "error_rate").put("threshold", 0.01)))
      .put("pollIntervalSeconds", poll).put("minRequests", 20).put("failureThreshold", 1)
      .put("onInsufficientData", "pause").putNull("approvalTimeoutSeconds");
  }

  /** The plan of the API contract's example, as written there. */
  public static JsonObject contractPlan() {
    return new JsonObject("""
      { "stages": [ {"targetPercent": 10, "soakSeconds": 60, "autoProgress": true, "description": "canary"},
                    {"targetPercent": 100, "soakSeconds": 60, "autoProgress": true} ],
        "slos": [ {"sli": "latency_p99", "threshold": 300},
                  {"sli": "error_rate", "threshold": 0.01},
                  {"sli": "latency_p50", "threshold": 1.2, "mode": "relative"} ],
        "pollIntervalSeconds": 10, "minRequests": 50, "failureThreshold": 1,
        "onInsufficientData": "pause", "approvalTimeoutSeconds": null }""");
  }

  public static JsonObject healthy() {
    return new JsonObject().put("message", "healthy").put("latencyMs", new JsonObject().put("p50", 30).put("p99", 200))
      .put("errorRate", 0.0005);
  }

  public static JsonObject faulty() {
    return new JsonObject().put("message", "faulty").put("latencyMs", new JsonObject().put("p50", 60).put("p99", 900))
      .put("errorRate", 0.05);
  }
}
