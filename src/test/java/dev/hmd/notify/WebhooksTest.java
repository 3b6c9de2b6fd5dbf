package dev.hmd.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.http.OutboundUrls;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.LogCapture;
import dev.hmd.testing.OpenApiContract;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Webhooks against a real service, a simulated Cloudflare and a local receiver. */
// the receiver runs on localhost: private addresses must be allowed explicitly
@WithService(env = {Config.WEBHOOK_ALLOW_PRIVATE + "=true", Config.WEBHOOK_RETRY_BASE_MS + "=400",
  Config.WEBHOOK_MAX_ATTEMPTS + "=" + WebhooksTest.MAX_ATTEMPTS, Config.WEBHOOK_TIMEOUT_MS + "=2000"})
class WebhooksTest {

  static final int MAX_ATTEMPTS = 4;

  static TestSimulator sim;
  static Service service;
  static Api api;
  @RegisterExtension
  static final Receiver receiver = new Receiver();

  static String path() {
    return "/hooks/" + Long.toString(System.nanoTime(), 36);
  }

  /** Creates a webhook; returns {id, url, events, createdAt, secret}. */
  static JsonObject webhook(Fixture f, String url, JsonArray events) {
    JsonObject body = new JsonObject().put("url", url);
    if (events != null) {
      body.put("events", events);
    }
    HttpResponse<Buffer> res = f.api().post("/v1/connections/" + f.connectionId() + "/webhooks", body);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    return res.bodyAsJsonObject();
  }

  static JsonArray deliveries(Api as, String webhookId) {
    HttpResponse<Buffer> res = as.get("/v1/webhooks/" + webhookId + "/deliveries");
    assertThat(res.statusCode()).isEqualTo(200);
    return res.bodyAsJsonObject().getJsonArray("items");
  }

  /** The signature, computed here independently of {@link Signatures}: what a receiver would do. */
  static String expectedSignature(String secret, String timestamp, Buffer body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
    return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes()));
  }

  /** Every request is signed with the secret, says what it carries in its headers, and has the documented body. */
  static void assertSigned(Receiver.Request request, String secret) throws Exception {
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.header("Content-Type")).isEqualTo("application/json");
    // the attempt connects to the address it resolved and judged, and still names the host
    assertThat(request.header("Host")).isEqualTo(java.net.URI.create(receiver.url("/")).getAuthority());
    assertThat(request.header("X-HMD-Signature"))
      .isEqualTo(expectedSignature(secret, request.header("X-HMD-Timestamp"), request.body()));
    assertThat(Signatures.verify(secret, request.header("X-HMD-Timestamp"), request.body().getBytes(),
      request.header("X-HMD-Signature"))).isTrue();
    assertThat(Signatures.verify("whsec_wrong", request.header("X-HMD-Timestamp"), request.body().getBytes(),
      request.header("X-HMD-Signature"))).isFalse();
    long timestamp = Long.parseLong(request.header("X-HMD-Timestamp"));
    assertThat(Math.abs(Instant.now().getEpochSecond() - timestamp)).isLessThan(120);
    JsonObject body = request.json();
    assertThat(request.header("X-HMD-Event")).isEqualTo(body.getString("event"));
    assertThat(request.header("X-HMD-Delivery")).isEqualTo(body.getString("deliveryId"));
    assertThat(OpenApiContract.load().validateValue("/components/schemas/WebhookNotification", body)).isEmpty();
  }

  static List<String> events(List<Receiver.Request> requests) {
    return requests.stream().map(r -> r.json().getString("event")).toList();
  }

  @Test
  @DisplayName(
    "a healthy release sends started then succeeded, signed, with a Slack text naming release, Worker, versions and "
    + "stage")
  void healthyRelease() throws Exception {
    Fixture f = Fixture.create(api, sim, 200);
    String path = path();
    JsonObject hook = webhook(f, receiver.url(path), null);
    String secret = hook.getString("secret");
    assertThat(secret).matches("whsec_[A-Za-z0-9_-]{43}");
    assertThat(hook.getJsonArray("events")).hasSize(7).contains("release.blocked");
    String next = f.version(sim, Fixture.healthy());
    f.plan(Fixture.quickPlan(10, 2, 10, 100));
    String releaseId = f.start(next).getString("id");

    await().atMost(Duration.ofSeconds(90)).until(() -> receiver.to(path).size() >= 2);
    List<Receiver.Request> got = receiver.to(path);
    assertThat(events(got)).containsExactly("release.started", "release.succeeded");
    for (Receiver.Request request : got) {
      assertSigned(request, secret);
      JsonObject release = request.json().getJsonObject("release");
      assertThat(release.getString("id")).isEqualTo(releaseId);
      assertThat(request.json().getString("text")).contains(releaseId, f.script(), next.substring(0, 8),
        f.servingVersion().substring(0, 8));
    }
    assertThat(got.get(0).json().getString("text")).contains("started", "stage 1/2 (10%");
    assertThat(got.get(0).json().getJsonObject("release").getString("state")).isEqualTo("running");
    assertThat(got.get(1).json().getString("text")).contains("succeeded", "completed");
    assertThat(got.get(1).json().getJsonObject("release").getString("state")).isEqualTo("succeeded");

    await().atMost(Duration.ofSeconds(5)).until(() -> deliveries(f.api(), hook.getString("id")).stream()
      .allMatch(d -> ((JsonObject) d).getString("status").equals("delivered")));
    JsonArray items = deliveries(f.api(), hook.getString("id"));
    assertThat(items).hasSize(2);
    JsonObject succeeded = items.getJsonObject(0);
    assertThat(succeeded.getString("event")).isEqualTo("release.succeeded");
    assertThat(succeeded.getString("releaseId")).isEqualTo(releaseId);
    assertThat(succeeded.getInteger("attempts")).isEqualTo(1);
    assertThat(succeeded.getInteger("lastStatusCode")).isEqualTo(200);
    assertThat(succeeded.getString("deliveredAt")).isNotNull();
    assertThat(succeeded.getValue("nextAttemptAt")).isNull();
    assertThat(succeeded.getString("id")).isEqualTo(got.get(1).header("X-HMD-Delivery"));
  }

  @Test
  @DisplayName("a faulty release sends started then rolled_back, with the SLO violation as the reason")
  void faultyRelease() throws Exception {
    Fixture f = Fixture.create(api, sim, 200);
    String path = path();
    String secret = webhook(f, receiver.url(path), null).getString("secret");
    String bad = f.version(sim, Fixture.faulty());
    f.plan(Fixture.quickPlan(30, 2, 10, 50, 100));
    String releaseId = f.start(bad).getString("id");

    await().atMost(Duration.ofSeconds(60)).until(() -> receiver.to(path).size() >= 2);
    List<Receiver.Request> got = receiver.to(path);
    assertThat(events(got)).containsExactly("release.started", "release.rolled_back");
    for (Receiver.Request request : got) {
      assertSigned(request, secret);
    }
    JsonObject rolledBack = got.get(1).json();
    assertThat(rolledBack.getString("text")).contains(releaseId, f.script(), "rolled back", "slo_violation",
      "stage 1/3", bad.substring(0, 8));
    assertThat(rolledBack.getJsonObject("release").getJsonObject("outcome").getString("code"))
      .isEqualTo("slo_violation");
  }

  @Test
  @DisplayName(
    "a manual stage sends awaiting_approval for it; a cancel sends cancelled; a filter keeps only its events")
  void approvalCancelAndFilter() throws Exception {
    Fixture f = Fixture.create(api, sim, 200);
    String all = path();
    String endsOnly = path();
    String secret = webhook(f, receiver.url(all), null).getString("secret");
    webhook(f, receiver.url(endsOnly), new JsonArray().add("release.cancelled").add("release.succeeded")
      .add("release.cancelled"));
    String next = f.version(sim, Fixture.healthy());
    JsonObject plan = Fixture.quickPlan(4, 2, 10, 100);
    plan.getJsonArray("stages").getJsonObject(0).put("autoProgress", false);
    f.plan(plan);
    String releaseId = f.start(next).getString("id");

    await().atMost(Duration.ofSeconds(40)).until(() -> receiver.to(all).size() >= 2);
    assertThat(events(receiver.to(all))).containsExactly("release.started", "release.awaiting_approval");
    Receiver.Request awaiting = receiver.to(all).get(1);
    assertSigned(awaiting, secret);
    assertThat(awaiting.json().getString("text")).contains("awaits approval", "stage 1/2", "approval");
    assertThat(awaiting.json().getJsonObject("release").getString("state")).isEqualTo("awaiting_approval");

    assertThat(f.api().post("/v1/releases/" + releaseId + "/cancel", new JsonObject().put("note", "<b>not today</b>"))
      .statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.to(all).size() >= 3);
    assertThat(events(receiver.to(all))).containsExactly("release.started", "release.awaiting_approval",
      "release.cancelled");
    String text = receiver.to(all).get(2).json().getString("text");
    assertThat(text).contains("cancelled", "&lt;b&gt;not today&lt;/b&gt;").doesNotContain("<b>");

    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.to(endsOnly).size() >= 1);
    assertThat(events(receiver.to(endsOnly))).containsExactly("release.cancelled");
  }

  @Test
  @DisplayName("a receiver that answers 500 twice then 200 gets the delivery at the 3rd attempt: attempts 3, delivered")
  void retriesUntilDelivered() throws Exception {
    Fixture f = Fixture.create(api, sim, 5);
    String path = path();
    receiver.script(path, 500, 500);
    JsonObject hook = webhook(f, receiver.url(path), null);
    HttpResponse<Buffer> ping = f.api().post("/v1/webhooks/" + hook.getString("id") + "/test", null);
    assertThat(ping.statusCode()).isEqualTo(202);
    String deliveryId = ping.bodyAsJsonObject().getString("id");
    assertThat(ping.bodyAsJsonObject().getString("status")).isEqualTo("pending");

    await().atMost(Duration.ofSeconds(20)).until(() -> deliveries(f.api(), hook.getString("id")).getJsonObject(0)
      .getString("status").equals("delivered"));
    JsonObject delivery = deliveries(f.api(), hook.getString("id")).getJsonObject(0);
    assertThat(delivery.getString("id")).isEqualTo(deliveryId);
    assertThat(delivery.getInteger("attempts")).isEqualTo(3);
    assertThat(delivery.getInteger("lastStatusCode")).isEqualTo(200);
    assertThat(delivery.getValue("lastError")).isNull();
    assertThat(delivery.getValue("releaseId")).isNull();
    assertThat(delivery.getString("event")).isEqualTo("ping");
    List<Receiver.Request> got = receiver.to(path);
    assertThat(got).hasSize(3);
    assertThat(got).extracting(r -> r.header("X-HMD-Delivery")).containsOnly(deliveryId);
    for (Receiver.Request request : got) {
      assertSigned(request, hook.getString("secret"));
    }
    assertThat(got.get(0).json().getString("text")).contains(hook.getString("id"), f.script());
  }

  @Test
  @DisplayName(
    "a receiver that always fails gets the last attempt, then the delivery is failed with the last status and error")
  void givesUpAfterTheLastAttempt() {
    Fixture f = Fixture.create(api, sim, 5);
    String path = path();
    receiver.script(path, 503, 503, 503, 503, 503, 503);
    String id = webhook(f, receiver.url(path), null).getString("id");
    assertThat(f.api().post("/v1/webhooks/" + id + "/test", null).statusCode()).isEqualTo(202);

    await().atMost(Duration.ofSeconds(30)).until(() -> deliveries(f.api(), id).getJsonObject(0).getString("status")
      .equals("failed"));
    JsonObject delivery = deliveries(f.api(), id).getJsonObject(0);
    assertThat(delivery.getInteger("attempts")).isEqualTo(MAX_ATTEMPTS);
    assertThat(delivery.getInteger("lastStatusCode")).isEqualTo(503);
    assertThat(delivery.getString("lastError")).isEqualTo("HTTP 503");
    assertThat(delivery.getValue("nextAttemptAt")).isNull();
    assertThat(delivery.getValue("deliveredAt")).isNull();
    assertThat(receiver.to(path)).hasSize(MAX_ATTEMPTS);
    String metrics = api.get("/metrics").bodyAsString();
    assertThat(metrics).containsPattern("hmd_webhook_deliveries_total\\{result=\"failed\"} [1-9]")
      .containsPattern("hmd_webhook_deliveries_total\\{result=\"retried\"} [1-9]");
  }

  @Test
  @DisplayName(
    "an unreachable receiver is retried with 'unreachable' as lastError (never the socket error) and no status code")
  void unreachableReceiver() {
    Fixture f = Fixture.create(api, sim, 5);
    String id = webhook(f, "http://127.0.0.1:1/unreachable/secret-path", null).getString("id");
    f.api().post("/v1/webhooks/" + id + "/test", null);
    await().atMost(Duration.ofSeconds(10))
      .until(() -> deliveries(f.api(), id).getJsonObject(0).getInteger("attempts") >= 1);
    JsonObject delivery = deliveries(f.api(), id).getJsonObject(0);
    assertThat(delivery.getValue("lastStatusCode")).isNull();
    // "Connection refused" here and "HTTP 401" elsewhere would make the deliveries a port scanner
    assertThat(delivery.getString("lastError")).isEqualTo("unreachable");
  }

  @Test
  @DisplayName("a receiver slower than the timeout fails the attempt as timed out, without the URL's path in lastError")
  void slowReceiverTimesOut() {
    Fixture f = Fixture.create(api, sim, 5);
    String path = path() + "/secret-token";
    receiver.delay(path, 5_000);
    String id = webhook(f, receiver.url(path), null).getString("id");
    f.api().post("/v1/webhooks/" + id + "/test", null);
    await().atMost(Duration.ofSeconds(15))
      .until(() -> deliveries(f.api(), id).getJsonObject(0).getInteger("attempts") >= 1);
    JsonObject delivery = deliveries(f.api(), id).getJsonObject(0);
    assertThat(delivery.getValue("lastStatusCode")).isNull();
    assertThat(delivery.getString("lastError")).isEqualTo("timed out");
  }

  @Test
  @DisplayName("/metrics names no webhook host or address, during and after deliveries, deleted webhooks included")
  void metricsNameNoWebhookHost() {
    Fixture f = Fixture.create(api, sim, 5);
    String path = path();
    String id = webhook(f, receiver.url(path), null).getString("id");
    assertThat(f.api().post("/v1/webhooks/" + id + "/test", null).statusCode()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.to(path).size() == 1);
    String port = String.valueOf(java.net.URI.create(receiver.url("/")).getPort());
    List<String> naming = api.get("/metrics").bodyAsString().lines()
      .filter(line -> !line.startsWith("#") && (line.contains(":" + port) || line.contains("localhost")))
      .toList();
    assertThat(naming).isEmpty();
    assertThat(f.api().delete("/v1/webhooks/" + id).statusCode()).isEqualTo(204);
    assertThat(api.get("/metrics").bodyAsString()).doesNotContain(":" + port).doesNotContain("pool_type=\"http\"");
  }

  @Test
  @DisplayName("another tenant's webhook and connection are 404 for every webhook operation")
  void otherTenant() {
    Fixture mine = Fixture.create(api, sim, 5);
    String id = webhook(mine, receiver.url(path()), null).getString("id");
    Api other = api.as(api.newTenant("other" + System.nanoTime()).adminKey());
    assertThat(other.get("/v1/webhooks/" + id + "/deliveries").statusCode()).isEqualTo(404);
    assertThat(other.post("/v1/webhooks/" + id + "/test", null).statusCode()).isEqualTo(404);
    assertThat(other.delete("/v1/webhooks/" + id).statusCode()).isEqualTo(404);
    assertThat(other.get("/v1/connections/" + mine.connectionId() + "/webhooks").statusCode()).isEqualTo(404);
    assertThat(other.post("/v1/connections/" + mine.connectionId() + "/webhooks",
      new JsonObject().put("url", receiver.url(path()))).statusCode()).isEqualTo(404);
    assertThat(mine.api().get("/v1/webhooks/" + id + "/deliveries").statusCode()).isEqualTo(200);
    assertThat(mine.api().get("/v1/webhooks/wh_unknown/deliveries").statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName(
    "viewers and operators cannot create, delete or ping webhooks (403); they read them with URLs cut to the origin")
  void roles() {
    Fixture f = Fixture.create(api, sim, 5);
    String url = receiver.url("/hooks/T000/B000/slack-like-credential");
    String id = webhook(f, url, null).getString("id");
    Api viewer = api.as(api.newKey(f.key(), "viewer"));
    Api operator = api.as(api.newKey(f.key(), "operator"));
    JsonObject body = new JsonObject().put("url", receiver.url(path()));
    for (Api weak : List.of(viewer, operator)) {
      assertThat(weak.post("/v1/connections/" + f.connectionId() + "/webhooks", body).statusCode()).isEqualTo(403);
      assertThat(weak.delete("/v1/webhooks/" + id).statusCode()).isEqualTo(403);
      assertThat(weak.post("/v1/webhooks/" + id + "/test", null).statusCode()).isEqualTo(403);
      assertThat(weak.get("/v1/webhooks/" + id + "/deliveries").statusCode()).isEqualTo(200);
      JsonObject listed = weak.get("/v1/connections/" + f.connectionId() + "/webhooks").bodyAsJsonObject()
        .getJsonArray("items").getJsonObject(0);
      assertThat(listed.getString("url")).isEqualTo(OutboundUrls.origin(url) + "/…").doesNotContain("credential");
    }
    JsonObject asAdmin = f.api().get("/v1/connections/" + f.connectionId() + "/webhooks").bodyAsJsonObject()
      .getJsonArray("items").getJsonObject(0);
    assertThat(asAdmin.getString("url")).isEqualTo(url);
    assertThat(api.get("/v1/webhooks/" + id + "/deliveries").statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("invalid URLs and event lists are 400 with one error per problem; an unknown connection is 404")
  void validation() {
    Fixture f = Fixture.create(api, sim, 5);
    String hooks = "/v1/connections/" + f.connectionId() + "/webhooks";
    List<Object> badUrls = List.of("ftp://example.com/hook", "not a url", "/relative/hook", "http://", "mailto:a@b.c",
      "https://user:pass@example.com/hook", "https://example.com/hook#frag", "https://example.com/" + "x".repeat(2000),
      42, "");
    for (Object url : badUrls) {
      HttpResponse<Buffer> res = f.api().post(hooks, new JsonObject().put("url", url));
      assertThat(res.statusCode()).as("url %s", url).isEqualTo(400);
      assertThat(res.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("url");
    }
    assertThat(f.api().post(hooks, new JsonObject()).statusCode()).isEqualTo(400);
    HttpResponse<Buffer> both = f.api().post(hooks, new JsonObject().put("url", "gopher://x")
      .put("events", new JsonArray().add("release.started").add("release.exploded").add(7)));
    assertThat(both.statusCode()).isEqualTo(400);
    assertThat(both.bodyAsJsonObject().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")))
      .containsExactly("url", "events[1]", "events[2]");
    assertThat(f.api().post(hooks, new JsonObject().put("url", receiver.url("/x")).put("events", new JsonArray()))
      .statusCode()).isEqualTo(400);
    assertThat(f.api().post(hooks, new JsonObject().put("url", receiver.url("/x")).put("events", "release.started"))
      .statusCode()).isEqualTo(400);
    assertThat(f.api()
      .post(hooks, new JsonObject().put("url", receiver.url("/x")).put("events", new JsonArray().add("ping")))
      .statusCode()).isEqualTo(400);
    assertThat(f.api().post("/v1/connections/c_unknown/webhooks", new JsonObject().put("url", receiver.url("/x")))
      .statusCode()).isEqualTo(404);
    assertThat(f.api().get(hooks).bodyAsJsonObject().getJsonArray("items")).isEmpty();
    assertThat(f.api().get("/v1/webhooks/x/deliveries?limit=0").statusCode()).isEqualTo(400);
  }

  @Test
  @DisplayName("the secret is shown once: never in listings, deliveries, the audit log, the stored row or the logs")
  void secretShownOnce() {
    Fixture f = Fixture.create(api, sim, 5);
    String path = path();
    List<String> bodies = new ArrayList<>();
    String secret;
    String id;
    try (LogCapture logs = LogCapture.open()) {
      receiver.script(path, 500);
      JsonObject created = webhook(f, receiver.url(path), null);
      secret = created.getString("secret");
      id = created.getString("id");
      bodies.add(f.api().post("/v1/webhooks/" + id + "/test", null).bodyAsString());
      await().atMost(Duration.ofSeconds(10)).until(() -> receiver.to(path).size() == 2);
      bodies.add(f.api().get("/v1/connections/" + f.connectionId() + "/webhooks").bodyAsString());
      bodies.add(f.api().get("/v1/webhooks/" + id + "/deliveries").bodyAsString());
      bodies.add(f.api().get("/v1/audit").bodyAsString());
      assertThat(logs.lines()).noneMatch(line -> line.contains(secret) || line.contains(path));
    }
    assertThat(bodies).noneMatch(body -> body.contains(secret) || body.contains(secret.substring(6)));
    String stored = service.pool().query("select secret_ciphertext::text, secret_key_id from webhooks").execute()
      .await()
      .iterator().next().getString(0);
    assertThat(stored).doesNotContain(secret.substring(6));
    assertThat(bodies.get(1)).doesNotContain("secret");
  }

  @Test
  @DisplayName("a deleted webhook is 404 afterwards and gets nothing more; deliveries page newest first")
  void deleteAndPaging() {
    Fixture f = Fixture.create(api, sim, 5);
    String path = path();
    String id = webhook(f, receiver.url(path), null).getString("id");
    for (int i = 0; i < 3; i++) {
      assertThat(f.api().post("/v1/webhooks/" + id + "/test", null).statusCode()).isEqualTo(202);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.to(path).size() == 3);
    JsonObject first = f.api().get("/v1/webhooks/" + id + "/deliveries?limit=2").bodyAsJsonObject();
    assertThat(first.getJsonArray("items")).hasSize(2);
    assertThat(first.getString("nextCursor")).isNotNull();
    JsonObject second = f.api()
      .get("/v1/webhooks/" + id + "/deliveries?limit=2&cursor=" + first.getString("nextCursor"))
      .bodyAsJsonObject();
    assertThat(second.getJsonArray("items")).hasSize(1);
    assertThat(second.getValue("nextCursor")).isNull();
    List<String> ids = new ArrayList<>();
    first.getJsonArray("items").forEach(d -> ids.add(((JsonObject) d).getString("id")));
    ids.add(second.getJsonArray("items").getJsonObject(0).getString("id"));
    // pings belong to no release, so nothing orders them: compare as sets
    assertThat(ids).doesNotHaveDuplicates()
      .containsExactlyInAnyOrderElementsOf(receiver.to(path).stream().map(r -> r.header("X-HMD-Delivery")).toList());
    assertThat(f.api().get("/v1/webhooks/" + id + "/deliveries?cursor=abc").statusCode()).isEqualTo(400);

    assertThat(f.api().delete("/v1/webhooks/" + id).statusCode()).isEqualTo(204);
    assertThat(f.api().delete("/v1/webhooks/" + id).statusCode()).isEqualTo(404);
    assertThat(f.api().get("/v1/webhooks/" + id + "/deliveries").statusCode()).isEqualTo(404);
    assertThat(f.api().get("/v1/connections/" + f.connectionId() + "/webhooks").bodyAsJsonObject()
      .getJsonArray("items"))
      .isEmpty();
    JsonArray audit = f.api().get("/v1/audit").bodyAsJsonObject().getJsonArray("items");
    assertThat(audit.stream().map(e -> ((JsonObject) e).getString("action")))
      .contains("webhook.create", "webhook.test", "webhook.delete");
  }

  @Test
  @DisplayName("enqueueing is idempotent: the same change saved twice makes one delivery per webhook")
  void enqueueIdempotent() {
    Fixture f = Fixture.create(api, sim, 5);
    String path = path();
    String id = webhook(f, receiver.url(path), null).getString("id");
    var before = NotificationsTest.row(f.tenantId(), f.connectionId(), "r_idem" + System.nanoTime(), "running", 0,
      null, null);
    var after = NotificationsTest.row(f.tenantId(), f.connectionId(), before.id(), "rolled_back", 0, "slo_violation",
      "bad");
    for (int i = 0; i < 2; i++) {
      service.pool().withTransaction(tx -> Notifications.enqueue(tx, null, before)
        .compose(v -> Notifications.enqueue(tx, before, after))).await();
    }
    // a transaction that fails takes its deliveries with it
    var other = NotificationsTest.row(f.tenantId(), f.connectionId(), "r_rollback" + System.nanoTime(), "running", 0,
      null,
      null);
    assertThatThrownBy(() -> service.pool().withTransaction(tx -> Notifications.enqueue(tx, null, other)
      .compose(v -> Future.failedFuture(new IllegalStateException("crash")))).await()).hasMessageContaining("crash");
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.to(path).size() >= 2);
    assertThat(events(receiver.to(path))).containsExactly("release.started", "release.rolled_back");
    assertThat(deliveries(f.api(), id)).hasSize(2);
  }
}
