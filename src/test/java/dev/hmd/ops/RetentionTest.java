package dev.hmd.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Retention;
import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Retention on a real service's database: what is older than the retention goes, in batches; the rest stays. */
// its webhook is never called; allowing any address spares the test a DNS lookup of its host
@WithService(env = Config.WEBHOOK_ALLOW_PRIVATE + "=true")
class RetentionTest {

  static TestSimulator sim;
  static Service service;
  static Api api;

  static long count(Pool pool, String sql, Object... params) {
    return pool.preparedQuery(sql).execute(Tuple.from(params)).await().iterator().next().getLong(0);
  }

  @Test
  @DisplayName(
    "events, checks and finished deliveries older than the retention are deleted; newer ones, pending deliveries "
    + "and releases stay")
  void sweep() {
    Pool pool = service.pool();
    Fixture f = Fixture.create(api, sim, 20);
    f.plan(Fixture.quickPlan(600, 2, 10, 100));
    String id = f.start(f.version(sim, Fixture.healthy())).getString("id");
    await().atMost(Duration.ofSeconds(20)).until(() -> f.checks(id).size() >= 2);
    String hook = f.api().post("/v1/connections/" + f.connectionId() + "/webhooks",
      new JsonObject().put("url", "https://hooks.example.com/hmd")).bodyAsJsonObject().getString("id");

    // the release's first events, and more than a batch of checks, from 40 days ago
    long oldEvents = pool.preparedQuery("update events set created_at = now() - interval '40 days' "
      + "where tenant_id = $1 and id <= 2").execute(Tuple.of(f.tenantId())).await().rowCount();
    assertThat(oldEvents).isEqualTo(2);
    int oldChecks = Retention.BATCH * 2 + 7;
    pool.preparedQuery("insert into checks (tenant_id, release_id, stage_index, at, window_start, window_end, verdict) "
        + "select $1, $2, 0, now() - interval '40 days' - g * interval '1 second', now() - interval '41 days', "
        + "now() - interval '41 days', 'pass' from generate_series(1, $3) g")
      .execute(Tuple.of(f.tenantId(), id, oldChecks)).await();
    for (String status : new String[] {"delivered", "failed", "pending"}) {
      pool.preparedQuery("insert into webhook_deliveries (id, tenant_id, webhook_id, release_id, event, stage_index, "
          + "payload, status, created_at) values ($1, $2, $3, $4, 'release.started', $5, '{}', $6, now() - interval "
            + "'40 days')")
        .execute(Tuple.of("d_old_" + status, f.tenantId(), hook, id, status.length(), status)).await();
    }
    long newEvents = count(pool, "select count(*) from events where tenant_id = $1 and id > 2", f.tenantId());
    long newChecks = count(pool, "select count(*) from checks where release_id = $1 and at > now() - interval '1 day'",
      id);
    assertThat(newEvents).isPositive();
    assertThat(newChecks).isPositive();

    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Map<String,
      Integer> deleted = new Retention(pool, Duration.ofDays(30), Clock.systemUTC(), registry).sweep().await();

    assertThat(deleted).containsEntry("events", 2).containsEntry("checks", oldChecks)
      .containsEntry("webhook_deliveries", 2);
    assertThat(registry.get("hmd.retention.deleted").tag("table", "checks").counter().count()).isEqualTo(oldChecks);
    assertThat(count(pool, "select count(*) from events where tenant_id = $1", f.tenantId()))
      .isGreaterThanOrEqualTo(newEvents);
    assertThat(count(pool, "select count(*) from events where tenant_id = $1 and id <= 2", f.tenantId())).isZero();
    assertThat(count(pool, "select count(*) from checks where release_id = $1 and at < now() - interval '30 days'", id))
      .isZero();
    assertThat(f.checks(id).size()).isGreaterThanOrEqualTo((int) newChecks);
    assertThat(count(pool, "select count(*) from webhook_deliveries where id like 'd_old_%'")).isEqualTo(1);
    assertThat(count(pool, "select count(*) from webhook_deliveries where id = 'd_old_pending'")).isEqualTo(1);
    assertThat(f.release(id).getString("id")).as("the release itself is history, and stays").isEqualTo(id);

    // nothing left to do
    assertThat(new Retention(pool, Duration.ofDays(30), Clock.systemUTC(), registry).sweep().await())
      .containsEntry("events", 0).containsEntry("checks", 0).containsEntry("webhook_deliveries", 0);
  }
}
