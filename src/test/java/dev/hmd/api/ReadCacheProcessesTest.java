package dev.hmd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestService;
import dev.hmd.testing.TestSimulator;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The API's read cache on two service processes sharing one database: what one process changes,
 * the other stops serving from its cache, and nothing is served from it while it cannot hear of
 * changes.
 */
class ReadCacheProcessesTest {

  static TestSimulator sim;
  static Service first;
  static Service second;
  static Api firstApi;
  static Api secondApi;

  @BeforeAll
  static void start() {
    sim = TestSimulator.start();
    Config config = TestService.config(Map.of(Config.CLOUDFLARE_API_BASE, sim.apiBase(),
      Config.RATE_LIMIT_PER_MINUTE, "600000", Config.INSTANCE_ID, "hmd-first"));
    first = Service.start(config);
    second = TestService.startOn(config);
    firstApi = Api.of(first);
    secondApi = Api.of(second);
  }

  @AfterAll
  static void stop() {
    second.close();
    first.close();
    sim.close();
  }

  static double hits(Service service, String cache) {
    return service.registry().get("hmd.api.cache.lookups").tag("cache", cache).tag("result", "hit").counter().count();
  }

  /** A new operator key of a new tenant: {id, key}. */
  static JsonObject operatorKey(Api.TenantKeys tenant) {
    return firstApi.as(tenant.adminKey()).post("/v1/api-keys",
      new JsonObject().put("name", "ci").put("role", "operator")).bodyAsJsonObject();
  }

  /** Reads with {@code key} on the second process until it answers from its cache. */
  static void warm(String key, String path) {
    double before = hits(second, path.startsWith("/v1/releases/") ? "release" : "api_key");
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      assertThat(secondApi.as(key).get(path).statusCode()).isEqualTo(200);
      return hits(second, path.startsWith("/v1/releases/") ? "release" : "api_key") > before;
    });
  }

  @Test
  @DisplayName(
    "a key revoked through one process stops working there at once, and in the other when the notification arrives")
  void revocationReachesTheOtherProcess() {
    Api.TenantKeys tenant = firstApi.newTenant("revoked-elsewhere");
    JsonObject key = operatorKey(tenant);
    warm(key.getString("key"), "/v1/session");
    assertThat(firstApi.as(key.getString("key")).get("/v1/session").statusCode()).isEqualTo(200);

    assertThat(firstApi.as(tenant.adminKey()).delete("/v1/api-keys/" + key.getString("id")).statusCode())
      .isEqualTo(204);

    assertThat(firstApi.as(key.getString("key")).get("/v1/session").statusCode()).isEqualTo(401);
    await().atMost(Duration.ofSeconds(5))
      .until(() -> secondApi.as(key.getString("key")).get("/v1/session").statusCode() == 401);
    assertThat(secondApi.as(tenant.adminKey()).get("/v1/session").statusCode()).as("the other keys stay")
      .isEqualTo(200);
  }

  @Test
  @DisplayName(
    "a release cancelled through one process reads cancelled there at once, and in the other when its events are "
    + "notified")
  void releaseChangesReachTheOtherProcess() {
    Fixture f = Fixture.create(firstApi, sim, 20);
    String id = f.startIdleRelease(sim);
    await().atMost(Duration.ofSeconds(20)).until(() -> f.release(id).getJsonArray("currentSplit").size() == 2);
    warm(f.key(), "/v1/releases/" + id);
    String path = "/v1/releases/" + id;
    // the first process has it cached too
    firstApi.as(f.key()).get(path);

    assertThat(f.api().post(path + "/cancel", new JsonObject().put("note", "not today")).statusCode()).isEqualTo(200);

    assertThat(firstApi.as(f.key()).get(path).bodyAsJsonObject().getString("state")).isEqualTo("cancelled");
    await().atMost(Duration.ofSeconds(5))
      .until(() -> secondApi.as(f.key()).get(path).bodyAsJsonObject().getString("state").equals("cancelled"));
    // another tenant's key still cannot read it, cached or not
    Api.TenantKeys other = firstApi.newTenant("other");
    assertThat(secondApi.as(other.adminKey()).get(path).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName(
    "a key revoked behind the service's back while its listening connection is down is not served after it reconnects")
  void lostListenerDropsTheCache() {
    Api.TenantKeys tenant = firstApi.newTenant("lost-listener");
    JsonObject key = operatorKey(tenant);
    warm(key.getString("key"), "/v1/session");

    var pool = first.pool();
    String database = pool.query("select current_database()").execute().await().iterator().next().getString(0);
    int killed = pool.preparedQuery("select pg_terminate_backend(pid) from pg_stat_activity "
        + "where datname = $1 and query ilike 'LISTEN%'").execute(Tuple.of(database)).await().size();
    assertThat(killed).as("both processes' listening connections, at least").isGreaterThanOrEqualTo(2);
    // no notification: nobody would hear it, and a manual revoke would not send one either
    pool.preparedQuery("update api_keys set revoked_at = now() where id = $1").execute(Tuple.of(key.getString("id")))
      .await();

    await().atMost(Duration.ofSeconds(10))
      .until(() -> secondApi.as(key.getString("key")).get("/v1/session").statusCode() == 401);
    assertThat(firstApi.as(key.getString("key")).get("/v1/session").statusCode()).isEqualTo(401);
    // and once listening again, the cache is used again
    warm(tenant.adminKey(), "/v1/session");
  }
}
