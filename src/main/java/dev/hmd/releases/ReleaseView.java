package dev.hmd.releases;

import dev.hmd.cloudflare.TrafficSplit;
import dev.hmd.slo.Plan;
import dev.hmd.slo.Stage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The public shape of a release (the contract's Release), built from its row. */
public final class ReleaseView {

  private ReleaseView() {
  }

  /**
   * The release as the API shows it. The stages' plan fields come from the stored plan as it is
   * ({@link dev.hmd.slo.Plan#toJson} wrote it, validated): read on every GET and every release
   * event, validating it again cost more than the rest of the view.
   */
  public static JsonObject toJson(ReleaseRow row) {
    JsonObject controls = row.controls().state();
    JsonArray planStages = row.plan().getJsonArray("stages");
    int minRequests = row.plan().getInteger("minRequests", Plan.DEFAULT_MIN_REQUESTS);
    JsonArray stages = new JsonArray();
    for (int i = 0; i < row.stages().size(); i++) {
      JsonObject state = row.stages().getJsonObject(i);
      JsonObject stage = planStages.getJsonObject(i);
      JsonObject evidence = state.getJsonObject("evidence");
      stages.add(new JsonObject()
        .put("index", i)
        .put("targetPercent", stage.getInteger("targetPercent"))
        .put("soakSeconds", stage.getInteger("soakSeconds"))
        .put("autoProgress", stage.getBoolean("autoProgress"))
        .put("description", stage.getString("description"))
        .put("state", state.getString("state"))
        .put("startedAt", millis(state.getString("startedAt")))
        .put("completedAt", millis(state.getString("completedAt")))
        .put("soakStartedAt", millis(state.getString("soakStartedAt")))
        .put("soakEndsAt", millis(state.getString("soakEndsAt")))
        .put("maxSoakSeconds", stage.getInteger("maxSoakSeconds",
          Stage.DEFAULT_MAX_SOAK_FACTOR * stage.getInteger("soakSeconds")))
        .put("maxSoakEndsAt", millis(state.getString("maxSoakEndsAt")))
        .put("approvalDeadline", millis(state.getString("approvalDeadline")))
        .put("passedChecks", state.getInteger("passedChecks", 0))
        .put("failedChecks", state.getInteger("failedChecks", 0))
        .put("inconclusiveChecks", state.getInteger("inconclusiveChecks", 0))
        .put("evidence", evidence == null ? null : evidence(evidence))
        .put("waitingFor", waitingFor(state, evidence, minRequests)));
    }
    JsonObject outcome = row.outcomeCode() == null ? null
      : new JsonObject().put("code", row.outcomeCode()).put("message", row.outcomeMessage());
    return new JsonObject()
      .put("id", row.id())
      .put("connectionId", row.connectionId())
      .put("accountId", row.accountId())
      .put("workerName", row.workerName())
      .put("state", row.state().wireName())
      .put("oldVersionId", row.oldVersionId())
      .put("newVersionId", row.newVersionId())
      .put("planRevision", row.planRevision())
      .put("plan", row.plan())
      .put("currentStageIndex", row.currentStageIndex())
      .put("stages", stages)
      .put("outcome", outcome)
      .put("currentSplit", splitJson(row.appliedSplit()))
      .put("wantedSplit", splitJson(row.desiredSplit()))
      .put("blocked", row.blocked() == null ? null : blocked(row.blocked()))
      .put("createdAt", time(row.createdAt()))
      .put("startedAt", time(row.startedAt()))
      .put("finishedAt", time(row.finishedAt()))
      .put("kind", row.controls().kind())
      .put("revertOf", row.controls().revertOf())
      .put("pausedAt", millis(controls.getString("pausedAt")))
      .put("waiting", waiting(controls.getJsonObject("waiting")))
      .put("smokeTest", controls.getJsonObject("smokeTest"))
      .put("gates", controls.getJsonArray("gates", new JsonArray()))
      .put("decisions", row.controls().decisions());
  }

  /** What holds the release before a stage starts: {@code {kind: gates | smoke_test, stageIndex, since}}, or null. */
  private static JsonObject waiting(JsonObject stored) {
    if (stored == null) {
      return null;
    }
    return new JsonObject()
      .put("kind", "smoke_test".equals(stored.getString("kind")) ? "smoke_test" : "gates")
      .put("stageIndex", stored.getInteger("stageIndex"))
      .put("since", millis(stored.getString("since")));
  }

  /**
   * A stage's evidence as the API shows it: the new version's requests and errors pooled over the
   * stage's own windows, how many windows, up to when, and the last judgement of them.
   */
  private static JsonObject evidence(JsonObject stored) {
    JsonArray counts = stored.getJsonObject("new", new JsonObject())
      .getJsonArray("n", new JsonArray().add(0).add(0).add(0));
    long requests = counts.getLong(0);
    long errors = counts.getLong(1);
    return new JsonObject()
      .put("windows", stored.getInteger("windows", 0))
      .put("checkedUntil", millis(stored.getString("checkedUntil")))
      .put("requests", requests)
      .put("errors", errors)
      .put("errorRate", requests == 0 ? null : (double) errors / requests)
      .put("exceptions", counts.getLong(2))
      .put("verdict", stored.getString("verdict"))
      .put("reason", stored.getString("reason"));
  }

  /**
   * What a stage whose soak time is up waits for, in words ("waiting for evidence: 38 of 50
   * requests", "confirming the last 15 s of telemetry"); null when it waits for nothing. From the
   * stored state alone, without a clock: the row is saved after every check, so the numbers are
   * those of the last one.
   */
  static String waitingFor(JsonObject state, JsonObject evidence, int minRequests) {
    String waiting = state.getString("waiting", "none");
    if ("evidence".equals(waiting)) {
      long requests = evidence == null ? 0
        : evidence.getJsonObject("new", new JsonObject()).getJsonArray("n", new JsonArray().add(0)).getLong(0);
      return requests < minRequests
        ? "waiting for evidence: " + requests + " of " + minRequests + " requests"
        : "waiting for evidence: " + requests + " requests, not conclusive yet";
    }
    if ("telemetry".equals(waiting)) {
      boolean passed = evidence != null && "pass".equals(evidence.getString("verdict"));
      String until = state.getString(passed ? "soakEndsAt" : "maxSoakEndsAt");
      String checked = evidence == null ? null : evidence.getString("checkedUntil");
      String from = checked != null ? checked : state.getString("soakStartedAt");
      if (until == null || from == null) {
        return "confirming the last seconds of telemetry";
      }
      long seconds = Math.max(1, (Duration.between(Instant.parse(from), Instant.parse(until)).toMillis() + 999) / 1000);
      return "confirming the last " + seconds + " s of telemetry";
    }
    return null;
  }

  /**
   * What can be shown of a release whose row this build cannot read in full: the columns that are
   * plain text and times, with {@code stages} empty and the plan left out.
   */
  static JsonObject minimal(Row row) {
    String code = row.getString("outcome_code");
    return new JsonObject()
      .put("id", row.getString("id"))
      .put("connectionId", row.getString("connection_id"))
      .put("accountId", row.getString("account_id"))
      .put("workerName", row.getString("worker_name"))
      .put("state", row.getString("state"))
      .put("oldVersionId", row.getString("old_version_id"))
      .put("newVersionId", row.getString("new_version_id"))
      .put("planRevision", row.getInteger("plan_revision"))
      .putNull("plan")
      .put("currentStageIndex", row.getInteger("current_stage_index"))
      .put("stages", new JsonArray())
      .put("outcome",
        code == null ? null : new JsonObject().put("code", code).put("message", row.getString("outcome_message")))
      .putNull("currentSplit")
      .putNull("wantedSplit")
      .putNull("blocked")
      .put("createdAt", time(row.getOffsetDateTime("created_at")))
      .put("startedAt", time(row.getOffsetDateTime("started_at")))
      .put("finishedAt", time(row.getOffsetDateTime("finished_at")))
      .put("kind", row.getString("kind"))
      .put("revertOf", row.getString("revert_of"))
      .putNull("pausedAt")
      .putNull("waiting")
      .putNull("smokeTest")
      .put("gates", new JsonArray())
      .put("decisions", new JsonArray());
  }

  private static String time(java.time.OffsetDateTime time) {
    return time == null ? null : time(time.toInstant());
  }

  /** A refusal as the API shows it: {@code {code, httpStatus, message, since}}. */
  private static JsonObject blocked(ReleaseRow.Blocked blocked) {
    return new JsonObject().put("code", blocked.code()).put("httpStatus", blocked.httpStatus())
      .put("message", blocked.message()).put("since", time(blocked.since()));
  }

  /** A split as the API shows it ({@code [{versionId, percentage}]}); null when none. */
  static JsonArray splitJson(TrafficSplit split) {
    return split == null ? null : split.toJson();
  }

  static String time(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.MILLIS).toString();
  }

  private static String millis(String stored) {
    return stored == null ? null : time(Instant.parse(stored));
  }
}
