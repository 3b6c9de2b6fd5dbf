package dev.hmd.connections;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@WithService
class PlansApiTest {

  static TestSimulator sim;
  static Service service;
  static Api api;

  static JsonObject contractExample() {
    return Fixture.contractPlan();
  }

  String connection(Api.TenantKeys t) {
    TestSimulator.Account account = sim.newAccount();
    String script = "w" + System.nanoTime();
    sim.newWorker(account, script, 5);
    return api.as(t.adminKey()).post("/v1/connections", new JsonObject().put("accountId", account.accountId())
      .put("workerName", script).put("apiToken", account.token())).bodyAsJsonObject().getString("id");
  }

  @Test
  @DisplayName("a connection has a default plan at revision 0; each save increments the revision")
  void revisions() {
    Api.TenantKeys t = api.newTenant("plans");
    String id = connection(t);
    Api admin = api.as(t.adminKey());
    JsonObject initial = admin.get("/v1/connections/" + id + "/plan").bodyAsJsonObject();
    assertThat(initial.getInteger("revision")).isZero();
    assertThat(initial.getJsonArray("stages")).isNotEmpty();
    assertThat(initial.getJsonArray("stages").getJsonObject(initial.getJsonArray("stages").size() - 1)
      .getInteger("targetPercent")).isEqualTo(100);

    HttpResponse<Buffer> saved = admin.put("/v1/connections/" + id + "/plan", contractExample());
    assertThat(saved.statusCode()).isEqualTo(200);
    JsonObject plan = saved.bodyAsJsonObject();
    assertThat(plan.getInteger("revision")).isEqualTo(1);
    assertThat(plan.getString("updatedAt")).isNotNull();
    assertThat(plan.getJsonArray("stages").getJsonObject(0).getString("description")).isEqualTo("canary");
    assertThat(plan.getJsonArray("slos").getJsonObject(2).getString("mode")).isEqualTo("relative");
    assertThat(plan.getJsonArray("slos").getJsonObject(0).getString("mode")).isEqualTo("absolute");
    assertThat(plan.getString("onInsufficientData")).isEqualTo("pause");
    assertThat(plan.containsKey("approvalTimeoutSeconds")).isTrue();

    assertThat(admin.put("/v1/connections/" + id + "/plan", contractExample()).bodyAsJsonObject()
      .getInteger("revision"))
      .isEqualTo(2);
    assertThat(admin.get("/v1/connections/" + id + "/plan").bodyAsJsonObject().getInteger("revision")).isEqualTo(2);
  }

  @Test
  @DisplayName("an invalid plan is a 400 with one error per problem at its field path, and nothing changes")
  void invalid() {
    Api.TenantKeys t = api.newTenant("invalid-plans");
    String id = connection(t);
    Api admin = api.as(t.adminKey());
    JsonObject bad = contractExample();
    bad.getJsonArray("stages").getJsonObject(1).put("targetPercent", 5);
    bad.getJsonArray("stages").getJsonObject(0).put("soakSeconds", 0);
    bad.getJsonArray("slos").getJsonObject(0).put("sli", "latency_p42");
    bad.getJsonArray("slos").getJsonObject(2).put("threshold", -1);
    bad.put("pollIntervalSeconds", "ten").put("onInsufficientData", "shrug");
    HttpResponse<Buffer> res = admin.put("/v1/connections/" + id + "/plan", bad);
    assertThat(res.statusCode()).isEqualTo(400);
    List<String> fields = new ArrayList<>();
    res.bodyAsJsonObject().getJsonArray("errors").forEach(e -> fields.add(((JsonObject) e).getString("field")));
    assertThat(fields).contains("stages[1].targetPercent", "stages[0].soakSeconds", "slos[0].sli", "slos[2].threshold",
      "pollIntervalSeconds", "onInsufficientData");
    assertThat(admin.put("/v1/connections/" + id + "/plan", new JsonObject().put("stages", new JsonArray()))
      .statusCode())
      .isEqualTo(400);
    assertThat(admin.get("/v1/connections/" + id + "/plan").bodyAsJsonObject().getInteger("revision")).isZero();
  }

  @Test
  @DisplayName(
    "more concurrent plan saves than the pool has connections all succeed (no save waits for a second connection)")
  void concurrentSaves() {
    Api.TenantKeys t = api.newTenant("concurrent-plans");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3 * Config.DEFAULT_DB_POOL_SIZE; i++) {
      ids.add(connection(t));
    }
    io.vertx.ext.web.client.WebClient client = io.vertx.ext.web.client.WebClient.create(service.vertx(),
      new io.vertx.ext.web.client.WebClientOptions(), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(ids.size()));
    try {
      List<io.vertx.core.Future<HttpResponse<Buffer>>> saves = ids.stream()
        .map(id -> client.put(service.httpPort(), "localhost", "/v1/connections/" + id + "/plan")
          .putHeader("Authorization", "Bearer " + t.adminKey()).timeout(20_000).sendJsonObject(contractExample()))
        .toList();
      io.vertx.core.Future.all(saves).await();
      assertThat(saves).allSatisfy(f -> assertThat(f.result().statusCode()).isEqualTo(200));
    } finally {
      client.close();
    }
  }
}
