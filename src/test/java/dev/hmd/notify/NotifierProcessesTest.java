package dev.hmd.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestService;
import dev.hmd.testing.TestSimulator;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two service processes on one database share the deliveries: each is sent once, by one of them. */
class NotifierProcessesTest {

  static TestSimulator sim;
  static Service first;
  static Service second;
  @RegisterExtension
  static final Receiver receiver = new Receiver();

  @BeforeAll
  static void start() {
    sim = TestSimulator.start();
    Config config = TestService.config(Map.of(Config.CLOUDFLARE_API_BASE, sim.apiBase(),
      Config.RATE_LIMIT_PER_MINUTE, "60000", Config.INSTANCE_ID, "hmd-first",
      // the receiver runs on localhost: private addresses must be allowed explicitly
      Config.WEBHOOK_ALLOW_PRIVATE, "true"));
    first = Service.start(config);
    second = TestService.startOn(config);
  }

  @AfterAll
  static void stop() {
    second.close();
    first.close();
    sim.close();
  }

  static double delivered(Service service) {
    return service.registry().get("hmd.webhook.deliveries").tag("result", "delivered").counter().count();
  }

  @Test
  @DisplayName("deliveries enqueued through one process are sent exactly once by the two notifiers together")
  void eachDeliverySentOnce() {
    Api api = Api.of(first);
    Fixture f = Fixture.create(api, sim, 5);
    String path = "/hooks/shared";
    receiver.delay(30);
    String id = f.api().post("/v1/connections/" + f.connectionId() + "/webhooks",
      new JsonObject().put("url", receiver.url(path))).bodyAsJsonObject().getString("id");
    int pings = 40;
    for (int i = 0; i < pings; i++) {
      assertThat(f.api().post("/v1/webhooks/" + id + "/test", null).statusCode()).isEqualTo(202);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> f.api().get("/v1/webhooks/" + id + "/deliveries?limit=200")
      .bodyAsJsonObject().getJsonArray("items").stream()
      .filter(d -> ((JsonObject) d).getString("status").equals("delivered")).count() == pings);
    List<String> deliveryIds = receiver.to(path).stream().map(r -> r.header("X-HMD-Delivery")).toList();
    assertThat(deliveryIds).hasSize(pings).doesNotHaveDuplicates();
    assertThat(f.api().get("/v1/webhooks/" + id + "/deliveries?limit=200").bodyAsJsonObject().getJsonArray("items"))
      .allSatisfy(d -> assertThat(((JsonObject) d).getInteger("attempts")).isEqualTo(1));
    // both took part (each wakes on the NOTIFY of every ping), so "once" is not trivially true
    assertThat(delivered(first) + delivered(second)).isEqualTo(pings);
    assertThat(delivered(first)).isPositive();
    assertThat(delivered(second)).isPositive();
  }
}
