package dev.hmd.releases;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A person's decision and its audit row commit together: one without the other is never stored. */
@WithService
class DecisionAuditTest {

  static TestSimulator sim;
  static Service service;
  static Api api;

  @Test
  @DisplayName("an approval whose audit row cannot be written is not applied, and the retry succeeds once it can")
  void auditFailureUndoesTheDecision() {
    Fixture f = Fixture.create(api, sim, 200);
    JsonObject plan = Fixture.quickPlan(4, 1, 10, 100);
    plan.getJsonArray("stages").getJsonObject(0).put("autoProgress", false);
    plan.put("onInsufficientData", "pause");
    f.plan(plan);
    String id = f.start(f.version(sim, Fixture.healthy())).getString("id");
    await().atMost(Duration.ofSeconds(60)).until(() -> f.release(id).getString("state").equals("awaiting_approval"));

    // the audit table refuses this release's rows, as a full disk or a broken constraint would
    service.pool().query("""
      create or replace function refuse_audit() returns trigger language plpgsql as $$
      begin
        if new.target_id = '%s' then raise exception 'audit refused'; end if;
        return new;
      end $$;
      create trigger refuse_audit before insert on audit_log for each row execute function refuse_audit();
      """.formatted(id)).execute().await();
    try {
      assertThat(f.api().post("/v1/releases/" + id + "/approve", null).statusCode()).isEqualTo(500);
      assertThat(f.release(id).getString("state")).isEqualTo("awaiting_approval");
      assertThat(auditRows(id, "release.approve")).isZero();
    } finally {
      service.pool().query("drop trigger refuse_audit on audit_log; drop function refuse_audit();").execute().await();
    }

    assertThat(f.api().post("/v1/releases/" + id + "/approve", null).statusCode()).isEqualTo(200);
    assertThat(auditRows(id, "release.approve")).isEqualTo(1);
    assertThat(f.release(id).getInteger("currentStageIndex")).isEqualTo(1);
  }

  static long auditRows(String releaseId, String action) {
    return service.pool().preparedQuery("select count(*) from audit_log where target_id = $1 and action = $2")
      .execute(Tuple.of(releaseId, action)).await().iterator().next().getLong(0);
  }
}
