package dev.hmd.scheduler;

import static dev.hmd.scheduler.ReleaseEngineTest.split;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestService;
import dev.hmd.testing.TestSimulator;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A deployment Cloudflare refuses with an error that asking again will not change: shown on the
 * release, told once by webhook, still retried, cleared once it lands. Cloudflare is the simulator
 * behind a proxy that refuses new deployments on request (until the simulator can do it itself).
 */
class BlockedDeploymentTest {

  static final int REFUSAL_CODE = 10021;
  static final String REFUSAL = "Version 'b1e2' cannot be deployed: its bindings no longer match the script";

  static TestSimulator sim;
  static RefusingCloudflare cloudflare;
  static Service service;
  static Api api;
  static Vertx hooks;
  static HttpServer receiver;
  static final List<JsonObject> notifications = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    sim = TestSimulator.start();
    cloudflare = new RefusingCloudflare(sim.port());
    // the webhook receiver runs on localhost: private addresses must be allowed explicitly
    service = TestService.onSimulator(sim, Map.of(Config.CLOUDFLARE_API_BASE, cloudflare.apiBase(),
      Config.WEBHOOK_ALLOW_PRIVATE, "true"));
    api = Api.of(service);
    hooks = Vertx.vertx();
    receiver = hooks.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      notifications.add(body.toJsonObject().put("header", request.getHeader("X-HMD-Event")));
      request.response().end();
    })).listen(0).await();
  }

  @AfterAll
  static void stop() {
    service.close();
    cloudflare.close();
    hooks.close().await();
    sim.close();
  }

  static JsonArray lastDeployment(Fixture f) {
    return sim.worker(f.account(), f.script()).getJsonArray("deployments").getJsonObject(0).getJsonArray("versions");
  }

  static List<JsonObject> notified(String releaseId, String event) {
    return notifications.stream().filter(n -> n.getString("event").equals(event)
      && n.getJsonObject("release").getString("id").equals(releaseId)).toList();
  }

  @Test
  @DisplayName("a rollback Cloudflare refuses with a 400 shows blocked and sends release.blocked once, is retried, "
    + "and lands once the refusal stops, clearing blocked")
  void refusedRollback() {
    Fixture f = Fixture.create(api, sim, 50);
    JsonObject hook = f.api().post("/v1/connections/" + f.connectionId() + "/webhooks",
      new JsonObject().put("url", "http://localhost:" + receiver.actualPort() + "/hook")).bodyAsJsonObject();
    assertThat(hook.getJsonArray("events")).contains("release.blocked");
    String id = f.startIdleRelease(sim);
    await().atMost(Duration.ofSeconds(20)).until(() ->
      f.release(id).getJsonArray("stages").getJsonObject(0).getString("soakStartedAt") != null);
    JsonArray canary = lastDeployment(f);
    assertThat(f.release(id).getValue("blocked")).isNull();

    cloudflare.refuse(REFUSAL_CODE, REFUSAL);
    JsonObject cancelled = f.api().post("/v1/releases/" + id + "/cancel", null).bodyAsJsonObject();
    assertThat(cancelled.getString("state")).isEqualTo("cancelled");

    await().atMost(Duration.ofSeconds(20)).until(() -> f.release(id).getValue("blocked") != null);
    JsonObject blocked = f.release(id).getJsonObject("blocked");
    assertThat(blocked.getInteger("code")).isEqualTo(REFUSAL_CODE);
    assertThat(blocked.getInteger("httpStatus")).isEqualTo(400);
    assertThat(blocked.getString("message")).isEqualTo(REFUSAL);
    assertThat(blocked.getString("since")).isNotNull();
    assertThat(f.release(id).getString("state")).isEqualTo("cancelled");

    await().atMost(Duration.ofSeconds(20)).until(() -> !notified(id, "release.blocked").isEmpty());
    JsonObject notification = notified(id, "release.blocked").get(0);
    assertThat(notification.getString("header")).isEqualTo("release.blocked");
    assertThat(notification.getString("text")).contains(id, "is blocked", "its rollback to",
      "code " + REFUSAL_CODE, "bindings no longer match");
    assertThat(notification.getJsonObject("release").getJsonObject("blocked").getInteger("code"))
      .isEqualTo(REFUSAL_CODE);

    // still tried, with backoff, and still blocked since the first refusal
    int refusedWhenBlocked = cloudflare.refused();
    await().atMost(Duration.ofSeconds(30)).until(() -> cloudflare.refused() >= refusedWhenBlocked + 2);
    assertThat(f.release(id).getJsonObject("blocked").getString("since")).isEqualTo(blocked.getString("since"));
    assertThat(lastDeployment(f)).isEqualTo(canary);
    assertThat(api.get("/metrics").bodyAsString()).contains("hmd_deployments_blocked_total 1.0");

    cloudflare.accept();
    await().atMost(Duration.ofSeconds(60))
      .until(() -> lastDeployment(f).equals(split(f.servingVersion(), 100, null, 0)));
    await().atMost(Duration.ofSeconds(10)).until(() -> f.release(id).getValue("blocked") == null);
    assertThat(f.release(id).getJsonArray("currentSplit")).isEqualTo(split(f.servingVersion(), 100, null, 0));

    // the release events show it blocked, then no longer; the webhook was told once
    List<JsonObject> events = new ArrayList<>();
    service.pool().preparedQuery("select data from events where release_id = $1 and type = 'release' order by id")
      .execute(Tuple.of(id)).await().forEach(row -> events.add(row.getJsonObject(0)));
    assertThat(events).anySatisfy(e -> assertThat(e.getValue("blocked")).isNotNull());
    assertThat(events.get(events.size() - 1).getValue("blocked")).isNull();
    assertThat(notified(id, "release.blocked")).hasSize(1);
    await().atMost(Duration.ofSeconds(20)).until(() -> !notified(id, "release.cancelled").isEmpty());
  }
}
