package dev.hmd.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.connections.PlanJson;
import dev.hmd.connections.PlanRepository;
import dev.hmd.secrets.Secrets;
import dev.hmd.slo.Plan;
import dev.hmd.slo.PlanValidation;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * As by default (the tests' other services allow private addresses), webhooks cannot reach the service's own network.
 */
@WithService(env = {Config.WEBHOOK_ALLOW_PRIVATE + "=false", Config.WEBHOOK_MAX_ATTEMPTS + "=2",
  Config.WEBHOOK_RETRY_BASE_MS + "=100"})
class PrivateAddressesTest {

  static TestSimulator sim;
  static Service service;
  static Api api;
  @RegisterExtension
  static final Receiver receiver = new Receiver();

  @Test
  @DisplayName("private addresses are refused by default: cloud metadata and loopback ports cannot be probed")
  void refusedByDefault() {
    assertThat(Config.defaults().webhookAllowPrivate()).isFalse();
    assertThat(service.config().webhookAllowPrivate()).isFalse();
    Fixture f = Fixture.create(api, sim, 5);
    for (String url : List.of("http://169.254.169.254/latest/meta-data/iam/", "http://127.0.0.1:1/",
      "http://127.0.0.1:" + service.httpPort() + "/metrics", "http://localhost:5432/")) {
      HttpResponse<Buffer> res = f.api().post("/v1/connections/" + f.connectionId() + "/webhooks",
        new JsonObject().put("url", url));
      assertThat(res.statusCode()).as(url).isEqualTo(400);
    }
    assertThat(f.api().get("/v1/connections/" + f.connectionId() + "/webhooks").bodyAsJsonObject()
      .getJsonArray("items")).isEmpty();
  }

  @Test
  @DisplayName("URLs whose host is loopback, private or link-local are 400 at creation")
  void refusedAtCreation() {
    Fixture f = Fixture.create(api, sim, 5);
    for (String url : List.of(receiver.url("/hook"), "http://127.0.0.1:9/hook", "http://10.0.0.1/hook",
      "http://169.254.169.254/latest/meta-data", "http://[::1]:8080/hook")) {
      HttpResponse<Buffer> res = f.api().post("/v1/connections/" + f.connectionId() + "/webhooks",
        new JsonObject().put("url", url));
      assertThat(res.statusCode()).as(url).isEqualTo(400);
      assertThat(res.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("message"))
        .contains("public address");
    }
  }

  /** The forms the probe got through, and their kin: each reaches the receiver on 127.0.0.1 if let through. */
  static List<String> bypasses(int port) {
    return List.of("http://[::127.0.0.1]:" + port + "/internal-admin", "http://[64:ff9b::127.0.0.1]:" + port + "/nat64",
      "http://[2002:7f00:1::]:" + port + "/6to4", "http://[::ffff:127.0.0.1]:" + port + "/mapped",
      "http://[::ffff:7f00:1]:" + port + "/mapped-hex", "http://[64:ff9b:1::7f00:1]:" + port + "/local-nat64",
      "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:" + port + "/teredo", "http://0.0.0.0:" + port + "/any",
      "http://[::]:" + port + "/any6", "http://2130706433:" + port + "/decimal", "http://127.1:" + port + "/short");
  }

  @Test
  @DisplayName("IPv6 forms that carry a private IPv4 address, and other spellings of loopback, are 400 at creation")
  void bypassFormsRefusedAtCreation() {
    Fixture f = Fixture.create(api, sim, 5);
    int port = java.net.URI.create(receiver.url("/")).getPort();
    for (String url : bypasses(port)) {
      HttpResponse<Buffer> res = f.api().post("/v1/connections/" + f.connectionId() + "/webhooks",
        new JsonObject().put("url", url));
      assertThat(res.statusCode()).as(url).isEqualTo(400);
      assertThat(res.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("message")).as(url)
        .containsAnyOf("public address", "does not resolve", "must name a host");
    }
    assertThat(f.api().get("/v1/connections/" + f.connectionId() + "/webhooks").bodyAsJsonObject()
      .getJsonArray("items")).isEmpty();
  }

  @Test
  @DisplayName(
    "the same forms stored earlier are judged again at each attempt: refused, and nothing reaches the receiver")
  void bypassFormsRefusedAtSending() {
    Fixture f = Fixture.create(api, sim, 5);
    int port = java.net.URI.create(receiver.url("/")).getPort();
    WebhookRepository repository = new WebhookRepository(service.pool(), Secrets.load(service.config()).cipher());
    List<String> ids = new java.util.ArrayList<>();
    for (String url : bypasses(port)) {
      String id = "wh_form" + System.nanoTime();
      service.pool().withTransaction(tx -> repository.insert(tx, id, f.tenantId(), f.connectionId(), url,
        List.of("release.started"), Signatures.newSecret())).await();
      assertThat(f.api().post("/v1/webhooks/" + id + "/test", null).statusCode()).isEqualTo(202);
      ids.add(id);
    }
    for (String id : ids) {
      await().atMost(Duration.ofSeconds(20)).until(() -> f.api().get("/v1/webhooks/" + id + "/deliveries")
        .bodyAsJsonObject().getJsonArray("items").getJsonObject(0).getString("status").equals("failed"));
      String error = f.api().get("/v1/webhooks/" + id + "/deliveries").bodyAsJsonObject().getJsonArray("items")
        .getJsonObject(0).getString("lastError");
      assertThat(error).as(id).satisfiesAnyOf(e -> assertThat(e).contains("refused", "not a public address"),
        e -> assertThat(e).isEqualTo("unreachable"));
    }
    for (String url : bypasses(port)) {
      assertThat(receiver.to(java.net.URI.create(url).getPath())).as(url).isEmpty();
    }
  }

  @Test
  @DisplayName("a stored webhook whose host is private is not called: its attempts fail with the reason")
  void refusedAtSending() {
    Fixture f = Fixture.create(api, sim, 5);
    // as if it had been created before the setting changed
    String id = "wh_private" + System.nanoTime();
    WebhookRepository repository = new WebhookRepository(service.pool(), Secrets.load(service.config()).cipher());
    service.pool().withTransaction(tx -> repository.insert(tx, id, f.tenantId(), f.connectionId(),
      receiver.url("/private"), List.of("release.started"), Signatures.newSecret())).await();
    assertThat(f.api().post("/v1/webhooks/" + id + "/test", null).statusCode()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(10)).until(() -> f.api().get("/v1/webhooks/" + id + "/deliveries")
      .bodyAsJsonObject().getJsonArray("items").getJsonObject(0).getString("status").equals("failed"));
    JsonObject delivery = f.api().get("/v1/webhooks/" + id + "/deliveries").bodyAsJsonObject().getJsonArray("items")
      .getJsonObject(0);
    assertThat(delivery.getString("lastError")).contains("refused", "not a public address");
    assertThat(receiver.to("/private")).isEmpty();
  }

  /** A plan with a gate and a smoke test whose hosts are this machine. */
  static JsonObject privatePlan() {
    return Fixture.quickPlan(4, 2, 10, 100)
      .put("gates", new JsonArray().add(new JsonObject().put("name", "qa").put("url", receiver.url("/gate"))
        .put("when", "before_start").put("timeoutSeconds", 2)))
      .put("smokeTest", new JsonObject().put("url", receiver.url("/smoke"))
        .put("requests", new JsonArray().add(new JsonObject().put("method", "GET").put("path", "/")
          .put("expectStatus", 200))));
  }

  @Test
  @DisplayName("a plan whose gate or smoke-test host is private is a 400 naming each, and is not saved")
  void privatePlanRefused() {
    Fixture f = Fixture.create(api, sim, 5);
    JsonObject before = f.api().get("/v1/connections/" + f.connectionId() + "/plan").bodyAsJsonObject();
    HttpResponse<Buffer> res = f.api().put("/v1/connections/" + f.connectionId() + "/plan", privatePlan());
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(400);
    JsonArray errors = res.bodyAsJsonObject().getJsonArray("errors");
    assertThat(errors.stream().map(e -> ((JsonObject) e).getString("field"))).containsExactly("smokeTest.url",
      "gates[0].url");
    assertThat(errors.getJsonObject(0).getString("message")).contains("not a public address");
    assertThat(f.api().get("/v1/connections/" + f.connectionId() + "/plan").bodyAsJsonObject()).isEqualTo(before);
  }

  @Test
  @DisplayName("a stored plan's private gate or smoke-test host is never called: the release says why")
  void gatesAndSmokeTestsRefused() {
    Fixture f = Fixture.create(api, sim, 50);
    String next = f.version(sim, Fixture.healthy());
    // as if saved before the setting changed
    JsonObject gateOnly = privatePlan();
    gateOnly.remove("smokeTest");
    Plan plan = ((PlanValidation.Valid) PlanJson.validate(gateOnly)).plan();
    service.pool().withTransaction(tx -> new PlanRepository(service.pool()).save(tx, f.tenantId(), f.connectionId(),
      plan)).await();
    String gated = f.start(next).getString("id");
    await().atMost(Duration.ofSeconds(30)).until(() -> !f.release(gated).getString("state").equals("running"));
    JsonObject release = f.release(gated);
    assertThat(release.getJsonObject("outcome").getString("code")).as(release.encodePrettily())
      .isEqualTo("gate_failed");
    assertThat(release.getJsonObject("outcome").getString("message")).contains("refused", "not a public address");

    Plan smoke = ((PlanValidation.Valid) PlanJson.validate(privatePlan().put("gates", new JsonArray()))).plan();
    service.pool().withTransaction(tx -> new PlanRepository(service.pool()).save(tx, f.tenantId(), f.connectionId(),
      smoke)).await();
    String smoked = f.start(next).getString("id");
    await().atMost(Duration.ofSeconds(60)).until(() -> !f.release(smoked).getString("state").equals("running"));
    release = f.release(smoked);
    assertThat(release.getJsonObject("outcome").getString("code")).as(release.encodePrettily())
      .isEqualTo("smoke_test_failed");
    assertThat(release.getJsonObject("smokeTest").encode()).contains("refused", "not a public address");
    assertThat(receiver.to("/gate")).isEmpty();
    assertThat(receiver.to("/smoke")).isEmpty();
  }
}
