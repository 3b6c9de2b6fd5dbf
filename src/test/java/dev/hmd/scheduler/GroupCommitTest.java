package dev.hmd.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hmd.app.Service;
import dev.hmd.events.EventLog.NewEvent;
import dev.hmd.notify.Notifications;
import dev.hmd.releases.CheckRepository;
import dev.hmd.releases.ReleaseRepository;
import dev.hmd.releases.ReleaseRow;
import dev.hmd.releases.Releases;
import dev.hmd.slo.CheckEvaluation;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The scheduler's group commit: several releases of a tenant saved in one transaction. */
@WithService
class GroupCommitTest {

  static TestSimulator sim;
  static Service service;
  static Api api;

  @Test
  @DisplayName(
    "a batch saves every row still at its version, with its checks and events, and leaves out the one that moved")
  void concurrentChangeLeavesOneOut() {
    Pool pool = service.pool();
    Fixture f = Fixture.create(api, sim, 20);
    f.plan(Fixture.quickPlan(600, 60, 10, 100));
    List<String> ids = new ArrayList<>();
    ids.add(f.start(f.version(sim, Fixture.healthy())).getString("id"));
    for (int i = 0; i < 2; i++) {
      String script = "w" + Long.toString(System.nanoTime(), 36);
      sim.newWorker(f.account(), script, 20);
      String connection = f.api().post("/v1/connections", new JsonObject().put("accountId", f.account().accountId())
        .put("workerName", script).put("apiToken", f.account().token())).bodyAsJsonObject().getString("id");
      assertThat(f.api().put("/v1/connections/" + connection + "/plan", Fixture.quickPlan(600, 60, 10, 100))
        .statusCode())
        .isEqualTo(200);
      String next = sim.newVersion(f.account(), script, Fixture.healthy());
      ids.add(f.api().post("/v1/connections/" + connection + "/releases", new JsonObject().put("newVersionId", next))
        .bodyAsJsonObject().getString("id"));
    }
    // take the rows away from the scheduler: not due, and any step under way loses its save
    pool.preparedQuery("update releases set next_due_at = null, lease_owner = null, row_version = row_version + 1 "
      + "where id = any($1)").execute(Tuple.of(ids.toArray(String[]::new))).await();

    ReleaseRepository repository = new ReleaseRepository(pool);
    Releases releases = new Releases(pool, repository, new CheckRepository(pool), Notifications.HOOK);
    List<Releases.Save> saves = new ArrayList<>();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    for (String id : ids) {
      ReleaseRow row = repository.get(f.tenantId(), id).await().orElseThrow();
      saves.add(new Releases.Save(row.withNextCheck(now.plusSeconds(3600)),
        List.of(new CheckRepository.NewCheck(f.tenantId(), id, 0, now, now.minusSeconds(60), now,
          CheckEvaluation.error("test check of " + id), null, null)),
        List.of(new NewEvent(id, "deployment", new JsonObject().put("releaseId", id))), true));
    }
    // someone else (the API, another process) changes the second one meanwhile
    pool.preparedQuery("update releases set row_version = row_version + 1 where id = $1").execute(Tuple.of(ids.get(1)))
      .await();
    long lastIdBefore = lastEventId(pool, f.tenantId());

    List<Optional<ReleaseRow>> saved = releases.saveAll(f.tenantId(), saves).await();

    assertThat(saved.get(0)).isPresent();
    assertThat(saved.get(1)).isEmpty();
    assertThat(saved.get(2)).isPresent();
    assertThat(saved.get(0).get().nextCheckAt()).isEqualTo(now.plusSeconds(3600));
    assertThat(saved.get(0).get().rowVersion()).isEqualTo(saves.get(0).next().rowVersion() + 1);
    assertThat(checkReasons(pool, ids.get(0))).containsExactly("test check of " + ids.get(0));
    assertThat(checkReasons(pool, ids.get(1))).isEmpty();
    assertThat(checkReasons(pool, ids.get(2))).containsExactly("test check of " + ids.get(2));

    List<Row> events = new ArrayList<>();
    pool.preparedQuery("select id, release_id, type, data from events where tenant_id = $1 and id > $2 order by id")
      .execute(Tuple.of(f.tenantId(), lastIdBefore)).await().forEach(events::add);
    assertThat(events).extracting(r -> r.getString("release_id") + ":" + r.getString("type")).containsExactly(
      ids.get(0) + ":deployment", ids.get(0) + ":check", ids.get(0) + ":release",
      ids.get(2) + ":deployment", ids.get(2) + ":check", ids.get(2) + ":release");
    assertThat(events).extracting(r -> r.getLong("id")).containsExactly(
      lastIdBefore + 1, lastIdBefore + 2, lastIdBefore + 3, lastIdBefore + 4, lastIdBefore + 5, lastIdBefore + 6);
    assertThat(lastEventId(pool, f.tenantId())).isEqualTo(lastIdBefore + 6);
    // the check event carries the stored check's id
    String checkId = events.get(1).getJsonObject("data").getString("id");
    assertThat(pool.preparedQuery("select release_id from checks where id = $1")
      .execute(Tuple.of(Long.parseLong(checkId)))
      .await().iterator().next().getString(0)).isEqualTo(ids.get(0));
  }

  @Test
  @DisplayName("a batch refuses a release of another tenant, before touching the database")
  void onlySavesOfOneTenant() {
    Pool pool = service.pool();
    Fixture f = Fixture.create(api, sim, 20);
    String id = f.startIdleRelease(sim);
    ReleaseRow row = new ReleaseRepository(pool).get(f.tenantId(), id).await().orElseThrow();
    Releases releases = new Releases(pool, new ReleaseRepository(pool), new CheckRepository(pool), Notifications.HOOK);

    assertThatThrownBy(() ->
      releases.saveAll("another-tenant", List.of(new Releases.Save(row, List.of(), List.of(), false))))
      .isInstanceOf(IllegalArgumentException.class);
  }

  private static long lastEventId(Pool pool, String tenantId) {
    return pool.preparedQuery("select last_id from event_counters where tenant_id = $1").execute(Tuple.of(tenantId))
      .await().iterator().next().getLong(0);
  }

  private static List<String> checkReasons(Pool pool, String releaseId) {
    List<String> reasons = new ArrayList<>();
    pool.preparedQuery("select detail from checks where release_id = $1 and detail like 'test check of %'")
      .execute(Tuple.of(releaseId)).await().forEach(r -> reasons.add(r.getString(0)));
    return reasons;
  }
}
