package dev.hmd.releases;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.connections.PlanJson;
import dev.hmd.slo.ReleaseMachine;
import dev.hmd.slo.ReleaseState;
import dev.hmd.slo.ReleaseStatus;
import dev.hmd.testing.Fixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Reading a stored release for the engine: a row this build cannot read is refused with the field named. */
class ReleaseReadingTest {

  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  /** A release started from a two-stage plan, as the API stores it. */
  static ReleaseRow started() {
    JsonObject plan = Fixture.quickPlan(60, 10, 10, 100);
    ReleaseRow blank = new ReleaseRow("r_1", "t_1", "c_1", "acc", "shop", "old", "new", 1,
      PlanJson.toJson(PlanJson.fromJson(plan)), ReleaseStatus.RUNNING, 0, new JsonArray(), null, null, NOW, null, null,
      NOW, null, null, null, null, null, null, null, 0, null, null, null, 0);
    ReleaseState state = new ReleaseMachine(Releases.plan(blank)).start(NOW).next();
    return Releases.withState(blank, state, NOW);
  }

  static ReleaseRow withStages(UnaryOperator<JsonArray> change) {
    ReleaseRow r = started();
    return new ReleaseRow(r.id(), r.tenantId(), r.connectionId(), r.accountId(), r.workerName(), r.oldVersionId(),
      r.newVersionId(), r.planRevision(), r.plan(), r.state(), r.currentStageIndex(), change.apply(r.stages().copy()),
      r.outcomeCode(), r.outcomeMessage(), r.createdAt(), r.startedAt(), r.finishedAt(), r.nextDueAt(), r.leaseOwner(),
      r.leaseExpiresAt(), r.desiredSplit(), r.appliedSplit(), r.appliedDeploymentId(), r.nextCheckAt(),
      r.checkedUntil(), r.consecutiveErrors(), r.baseline(), r.blocked(), r.controls(), r.rowVersion());
  }

  static ReleaseRow with(ReleaseStatus state, int stageIndex, String outcomeCode, JsonObject plan,
    JsonObject baseline) {
    ReleaseRow r = started();
    return new ReleaseRow(r.id(), r.tenantId(), r.connectionId(), r.accountId(), r.workerName(), r.oldVersionId(),
      r.newVersionId(), r.planRevision(), plan, state, stageIndex, r.stages(), outcomeCode, null, r.createdAt(),
      r.startedAt(), r.finishedAt(), r.nextDueAt(), r.leaseOwner(), r.leaseExpiresAt(), r.desiredSplit(),
      r.appliedSplit(), r.appliedDeploymentId(), r.nextCheckAt(), r.checkedUntil(), r.consecutiveErrors(), baseline,
      r.blocked(), r.controls(), r.rowVersion());
  }

  static String problem(ReleaseRow row) {
    try {
      Releases.read(row);
    } catch (UnreadableRelease e) {
      return e.getMessage().substring(UnreadableRelease.PREFIX.length()) + " [" + e.column() + "]";
    }
    throw new AssertionError("read " + row + " without a problem");
  }

  @Test
  @DisplayName("a row as the engine writes it reads back: plan, state and baseline")
  void readable() {
    Releases.Read read = Releases.read(started());
    assertThat(read.plan().stageCount()).isEqualTo(2);
    assertThat(read.state().currentStage().startedAt()).isEqualTo(NOW);
    assertThat(read.baseline()).isNull();
  }

  @Test
  @DisplayName("each unreadable field is named with what is wrong, and the column it is in")
  void unreadable() {
    assertThat(problem(withStages(s -> {
      s.getJsonObject(1).put("state", "paused");
      return s;
    }))).isEqualTo("stages[1].state 'paused' is unknown [stages]");
    assertThat(problem(withStages(s -> s.set(0, 3)))).isEqualTo("stages[0] is 3, not an object [stages]");
    assertThat(problem(withStages(s -> {
      s.getJsonObject(0).put("startedAt", "yesterday");
      return s;
    }))).startsWith("stages[0]: ").endsWith("[stages]");
    assertThat(problem(withStages(s -> {
      s.getJsonObject(1).put("index", 0);
      return s;
    }))).isEqualTo("stages[1].index is 0, not 1 [stages]");
    assertThat(problem(withStages(s -> {
      s.remove(1);
      return s;
    }))).isEqualTo("stages has 1 entries for the plan's 2 stages [stages]");
    ReleaseRow r = started();
    assertThat(problem(with(ReleaseStatus.RUNNING, 2, null, r.plan(), null)))
      .isEqualTo("current_stage_index 2 is outside the 2 stages [current_stage_index]");
    assertThat(problem(with(ReleaseStatus.FAILED, 0, null, r.plan(), null)))
      .isEqualTo("outcome_code is missing for a release that ended failed [outcome_code]");
    assertThat(problem(with(ReleaseStatus.FAILED, 0, "exploded", r.plan(), null)))
      .isEqualTo("outcome_code 'exploded' is unknown [outcome_code]");
    assertThat(problem(with(ReleaseStatus.RUNNING, 0, null, r.plan().copy().put("failureThreshold", -1), null)))
      .startsWith("plan.failureThreshold ").endsWith("[plan]");
    assertThat(problem(with(ReleaseStatus.RUNNING, 0, null, r.plan(), new JsonObject().put("requests", "many"))))
      .startsWith("baseline: ").endsWith("[baseline]");
  }
}
