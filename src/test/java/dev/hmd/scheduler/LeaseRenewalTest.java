package dev.hmd.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.app.Service;
import dev.hmd.releases.ReleaseRepository;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Lease renewal next to saves under way: it skips the rows they hold rather than waiting (and deadlocking) on them. */
@WithService
class LeaseRenewalTest {

  static final String OWNER = "lease-renewal-test";

  static TestSimulator sim;
  static Service service;
  static Api api;

  @Test
  @DisplayName(
    "a renewal skips a row another transaction holds, renews the rest, and renews the skipped one once it is free")
  void renewalSkipsLockedRows() {
    Pool pool = service.pool();
    Fixture f = Fixture.create(api, sim, 20);
    String first = f.startIdleRelease(sim);
    Fixture g = Fixture.create(api, sim, 20);
    String second = g.startIdleRelease(sim);
    // the service steps a new release at once: wait until it is done (split applied, soak begun; its
    // first check is seconds away), else a save of its step overwrites the lease taken below
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
      f.release(first).getJsonArray("stages").getJsonObject(0).getValue("soakStartedAt") != null
        && g.release(second).getJsonArray("stages").getJsonObject(0).getValue("soakStartedAt") != null);
    // held by a process of our own making, with a lease about to run out, and not due (the service leaves them alone)
    pool.preparedQuery("update releases set lease_owner = $1, lease_expires_at = now() + interval '2 seconds', "
        + "next_due_at = now() + interval '1 hour' where id = any($2)")
      .execute(Tuple.tuple().addString(OWNER).addArrayOfString(new String[] {first, second})).await();

    ReleaseRepository repository = new ReleaseRepository(pool);
    SqlConnection saving = pool.getConnection().await();
    try {
      Transaction tx = saving.begin().await();
      saving.preparedQuery("select id from releases where id = $1 for update").execute(Tuple.of(first)).await();

      assertThat(repository.renewLeases(OWNER, 15).timeout(10, TimeUnit.SECONDS).await())
        .as("the row held by the save is left out, not waited for").isEqualTo(1);
      assertThat(leaseSecondsLeft(pool, second)).isGreaterThan(10);
      assertThat(leaseSecondsLeft(pool, first)).isLessThan(3);

      tx.rollback().await();
      assertThat(repository.renewLeases(OWNER, 15).timeout(10, TimeUnit.SECONDS).await()).isEqualTo(1);
      assertThat(leaseSecondsLeft(pool, first)).isGreaterThan(10);
    } finally {
      saving.close().await();
    }
  }

  @Test
  @DisplayName("a renewal of more rows than a chunk renews them all, a chunk per statement")
  void renewalInChunks() {
    Pool pool = service.pool();
    Fixture f = Fixture.create(api, sim, 20);
    String model = f.startIdleRelease(sim);
    int rows = ReleaseRepository.RENEW_CHUNK * 2 + 34;
    String owner = OWNER + "-chunks";
    // ended releases still waiting for their last split: due later, leased by "another process" about to lapse
    pool.preparedQuery("insert into releases (id, tenant_id, connection_id, account_id, worker_name, old_version_id, "
        + "new_version_id, plan_revision, plan, state, stages, next_due_at, lease_owner, lease_expires_at) "
        + "select 'r_chunk_' || g, tenant_id, connection_id, account_id, worker_name, old_version_id, new_version_id, "
        + "plan_revision, plan, 'cancelled', stages, now() + interval '1 hour', $2, now() + interval '2 seconds' "
        + "from releases, generate_series(1, $3) g where id = $1")
      .execute(Tuple.of(model, owner, rows)).await();

    assertThat(new ReleaseRepository(pool).renewLeases(owner, 15).await()).isEqualTo(rows);
    assertThat(pool.preparedQuery("select count(*) from releases where lease_owner = $1 "
        + "and lease_expires_at > now() + interval '10 seconds'").execute(Tuple.of(owner)).await()
      .iterator().next().getLong(0)).isEqualTo(rows);
  }

  static double leaseSecondsLeft(Pool pool, String id) {
    return pool.preparedQuery("select extract(epoch from lease_expires_at - now())::float8 from releases where id = $1")
      .execute(Tuple.of(id)).await().iterator().next().getDouble(0);
  }
}
