package dev.hmd.releases;

import dev.hmd.cloudflare.TrafficSplit;
import dev.hmd.slo.ReleaseStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * One row of the releases table, as stored. The engine's view of it (the state machine's state)
 * and the API's view (the Release JSON) are both derived from this. {@code checkedUntil} is the
 * end of the last window a check read (null before the first): the next check reads from there.
 */
public record ReleaseRow(
  String id,
  String tenantId,
  String connectionId,
  String accountId,
  String workerName,
  String oldVersionId,
  String newVersionId,
  int planRevision,
  JsonObject plan,
  ReleaseStatus state,
  int currentStageIndex,
  JsonArray stages,
  String outcomeCode,
  String outcomeMessage,
  Instant createdAt,
  Instant startedAt,
  Instant finishedAt,
  Instant nextDueAt,
  String leaseOwner,
  Instant leaseExpiresAt,
  TrafficSplit desiredSplit,
  TrafficSplit appliedSplit,
  String appliedDeploymentId,
  Instant nextCheckAt,
  Instant checkedUntil,
  int consecutiveErrors,
  JsonObject baseline,
  Blocked blocked,
  Controls controls,
  long rowVersion) {

  public ReleaseRow {
    controls = controls == null ? Controls.NONE : controls;
  }

  /** A row without release controls and never checked: a rollout with no decisions yet. */
  public ReleaseRow(String id, String tenantId, String connectionId, String accountId, String workerName,
                    String oldVersionId, String newVersionId, int planRevision, JsonObject plan, ReleaseStatus state,
                    int currentStageIndex, JsonArray stages, String outcomeCode, String outcomeMessage,
                      Instant createdAt,
                    Instant startedAt, Instant finishedAt, Instant nextDueAt, String leaseOwner, Instant leaseExpiresAt,
                    TrafficSplit desiredSplit, TrafficSplit appliedSplit, String appliedDeploymentId,
                      Instant nextCheckAt,
                    int consecutiveErrors, JsonObject baseline, Blocked blocked, long rowVersion) {
    this(id, tenantId, connectionId, accountId, workerName, oldVersionId, newVersionId, planRevision, plan, state,
      currentStageIndex, stages, outcomeCode, outcomeMessage, createdAt, startedAt, finishedAt, nextDueAt, leaseOwner,
      leaseExpiresAt, desiredSplit, appliedSplit, appliedDeploymentId, nextCheckAt, null, consecutiveErrors, baseline,
      blocked, Controls.NONE, rowVersion);
  }

  /** A normal release. */
  public static final String KIND_ROLLOUT = "rollout";
  /** A release that puts back the version a succeeded release replaced, straight to 100% and without checks. */
  public static final String KIND_REVERT = "revert";

  /**
   * What the release controls add to a row: its {@code kind} ({@link #KIND_ROLLOUT} or
   * {@link #KIND_REVERT}), the release a revert reverts ({@code revertOf}), the {@code controls}
   * column (the engine's {@link dev.hmd.slo.ControlState} at its top level, beside the record of
   * the smoke test's attempts in {@code smokeTest} and of each gate's in {@code gates}) and the
   * people's {@code decisions}, oldest first.
   */
  public record Controls(String kind, String revertOf, JsonObject state, JsonArray decisions) {

    public static final Controls NONE = new Controls(KIND_ROLLOUT, null, new JsonObject(), new JsonArray());

    public Controls {
      kind = kind == null ? KIND_ROLLOUT : kind;
      state = state == null ? new JsonObject() : state;
      decisions = decisions == null ? new JsonArray() : decisions;
    }

    public Controls withState(JsonObject next) {
      return new Controls(kind, revertOf, next, decisions);
    }

    public Controls withDecision(JsonObject decision) {
      return new Controls(kind, revertOf, state, decisions.copy().add(decision));
    }

    public boolean revert() {
      return KIND_REVERT.equals(kind);
    }
  }

  /**
   * Cloudflare refuses the release's deployment with an error that asking again will not change,
   * {@code since} the first refusal: what Cloudflare said ({@code code} null when it gave none).
   */
  public record Blocked(Integer code, int httpStatus, String message, Instant since) {

    public JsonObject toJson() {
      return new JsonObject().put("code", code).put("httpStatus", httpStatus).put("message", message)
        .put("since", since.toString());
    }

    static Blocked fromJson(JsonObject json) {
      Object code = json.getValue("code");
      Object status = json.getValue("httpStatus");
      Object message = json.getValue("message");
      Object since = json.getValue("since");
      if (code != null && !(code instanceof Integer || code instanceof Long)) {
        throw new IllegalArgumentException(".code is " + UnreadableRelease.shown(code) + ", not an integer");
      }
      if (!(status instanceof Integer || status instanceof Long)) {
        throw new IllegalArgumentException(".httpStatus is " + UnreadableRelease.shown(status) + ", not an integer");
      }
      if (!(message instanceof String text)) {
        throw new IllegalArgumentException(".message is " + UnreadableRelease.shown(message) + ", not a text");
      }
      Instant at;
      try {
        at = Instant.parse((String) since);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(".since is " + UnreadableRelease.shown(since) + ", not a time", e);
      }
      return new Blocked(code == null ? null : ((Number) code).intValue(), ((Number) status).intValue(), text, at);
    }
  }

  static final String COLUMNS = "id, tenant_id, connection_id, account_id, worker_name, old_version_id, "
    + "new_version_id, "
    + "plan_revision, plan, state, current_stage_index, stages, outcome_code, outcome_message, created_at, started_at, "
    + "finished_at, next_due_at, lease_owner, lease_expires_at, desired_split, applied_split, applied_deployment_id, "
    + "next_check_at, checked_until, consecutive_errors, baseline, blocked, kind, revert_of, controls, decisions, "
    + "row_version";

  /**
   * Reads a row; a column this build cannot read (an unknown state, malformed JSON) throws an
   * {@link UnreadableRelease} naming it.
   */
  static ReleaseRow from(Row row) {
    return new ReleaseRow(
      row.getString("id"), row.getString("tenant_id"), row.getString("connection_id"), row.getString("account_id"),
      row.getString("worker_name"), row.getString("old_version_id"), row.getString("new_version_id"),
      row.getInteger("plan_revision"), json(row, "plan", JsonObject.class), status(row.getString("state")),
      row.getInteger("current_stage_index"), json(row, "stages", JsonArray.class), row.getString("outcome_code"),
      row.getString("outcome_message"), instant(row, "created_at"), instant(row, "started_at"),
      instant(row, "finished_at"), instant(row, "next_due_at"), row.getString("lease_owner"),
      instant(row, "lease_expires_at"), split(row, "desired_split"), split(row, "applied_split"),
      row.getString("applied_deployment_id"), instant(row, "next_check_at"), instant(row, "checked_until"),
      row.getInteger("consecutive_errors"), json(row, "baseline", JsonObject.class), blocked(row), controls(row),
      row.getLong("row_version"));
  }

  private static Controls controls(Row row) {
    JsonObject state = json(row, "controls", JsonObject.class);
    JsonArray decisions = json(row, "decisions", JsonArray.class);
    return new Controls(row.getString("kind"), row.getString("revert_of"), state, decisions);
  }

  private static Blocked blocked(Row row) {
    JsonObject json = json(row, "blocked", JsonObject.class);
    try {
      return json == null ? null : Blocked.fromJson(json);
    } catch (IllegalArgumentException e) {
      throw new UnreadableRelease("blocked", "blocked" + e.getMessage(), e);
    }
  }

  private static ReleaseStatus status(String state) {
    return ReleaseStatus.fromWireName(state)
      .orElseThrow(() ->
        new UnreadableRelease("state", "state " + UnreadableRelease.shown(state) + " is unknown", null));
  }

  /** A jsonb column of the given shape, or null. */
  private static <T> T json(Row row, String column, Class<T> shape) {
    Object value = row.getValue(column);
    if (value == null || value == io.vertx.sqlclient.Tuple.JSON_NULL) {
      return null;
    }
    if (!shape.isInstance(value)) {
      throw new UnreadableRelease(column, column + " is " + UnreadableRelease.shown(value) + ", not a JSON "
        + (shape == JsonArray.class ? "array" : "object"), null);
    }
    return shape.cast(value);
  }

  private static TrafficSplit split(Row row, String column) {
    JsonArray json = json(row, column, JsonArray.class);
    try {
      return json == null ? null : TrafficSplit.fromJson(json);
    } catch (IllegalArgumentException e) {
      throw new UnreadableRelease(column, column + e.getMessage(), e);
    }
  }

  private static Instant instant(Row row, String column) {
    OffsetDateTime value = row.getOffsetDateTime(column);
    return value == null ? null : value.toInstant();
  }

  public ReleaseRow withNextDue(Instant due) {
    return engine(due, nextCheckAt, checkedUntil, desiredSplit, appliedSplit, appliedDeploymentId, baseline, blocked);
  }

  public ReleaseRow withNextCheck(Instant at) {
    return engine(nextDueAt, at, checkedUntil, desiredSplit, appliedSplit, appliedDeploymentId, baseline, blocked);
  }

  /** The windows up to {@code end} have been checked. */
  public ReleaseRow withCheckedUntil(Instant end) {
    return engine(nextDueAt, nextCheckAt, end, desiredSplit, appliedSplit, appliedDeploymentId, baseline, blocked);
  }

  public ReleaseRow withApplied(TrafficSplit split, String deploymentId) {
    return engine(nextDueAt, nextCheckAt, checkedUntil, desiredSplit, split, deploymentId, baseline, blocked);
  }

  public ReleaseRow withDesired(TrafficSplit split) {
    return engine(nextDueAt, nextCheckAt, checkedUntil, split, appliedSplit, appliedDeploymentId, baseline, blocked);
  }

  public ReleaseRow withBaseline(JsonObject stats) {
    return engine(nextDueAt, nextCheckAt, checkedUntil, desiredSplit, appliedSplit, appliedDeploymentId, stats,
      blocked);
  }

  /** The release blocked by a refusal, or (null) no longer. */
  public ReleaseRow withBlocked(Blocked refusal) {
    return engine(nextDueAt, nextCheckAt, checkedUntil, desiredSplit, appliedSplit, appliedDeploymentId, baseline,
      refusal);
  }

  /** The same release with what the controls add replaced. */
  public ReleaseRow withControls(Controls next) {
    return new ReleaseRow(id, tenantId, connectionId, accountId, workerName, oldVersionId, newVersionId, planRevision,
      plan, state, currentStageIndex, stages, outcomeCode, outcomeMessage, createdAt, startedAt, finishedAt, nextDueAt,
      leaseOwner, leaseExpiresAt, desiredSplit, appliedSplit, appliedDeploymentId, nextCheckAt, checkedUntil,
      consecutiveErrors, baseline, blocked, next, rowVersion);
  }

  /** The same release with the engine's bookkeeping replaced. */
  private ReleaseRow engine(Instant due, Instant check, Instant checked, TrafficSplit desired, TrafficSplit applied,
                            String deploymentId, JsonObject stats, Blocked refusal) {
    return new ReleaseRow(id, tenantId, connectionId, accountId, workerName, oldVersionId, newVersionId, planRevision,
      plan, state, currentStageIndex, stages, outcomeCode, outcomeMessage, createdAt, startedAt, finishedAt, due,
      leaseOwner, leaseExpiresAt, desired, applied, deploymentId, check, checked, consecutiveErrors, stats, refusal,
      controls, rowVersion);
  }

  public boolean active() {
    return !state.isTerminal();
  }
}
