package dev.hmd.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.secrets.Secrets;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** With {@code HMD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES=false}, webhooks cannot reach the service's own network. */
@WithService(env = {Config.WEBHOOK_ALLOW_PRIVATE + "=false", Config.WEBHOOK_MAX_ATTEMPTS + "=2",
  Config.WEBHOOK_RETRY_BASE_MS + "=100"})
class PrivateAddressesTest {

  static TestSimulator sim;
  static Service service;
  static Api api;
  static Receiver receiver;

  @BeforeAll
  static void start() {
    receiver = new Receiver();
  }

  @AfterAll
  static void stop() {
    receiver.close();
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
}
