package dev.hmd.releases;

import dev.hmd.slo.CheckEvaluation;
import dev.hmd.slo.SloResult;
import dev.hmd.slo.VersionStats;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Every check of a release, as evidence: window, per-version stats, per-SLO values and verdicts. */
public final class CheckRepository {

  /**
   * A check about to be stored. {@code counted}: whether the window went into its stage's
   * evidence (null: not said), {@code countedReason} why not; {@code servedPercent} the new
   * version's share throughout the window (null when the split changed within it);
   * {@code stage} the stage's pooled evidence as judged after this window (null when not counted).
   */
  public record NewCheck(String tenantId, String releaseId, int stageIndex, Instant at, Instant windowStart,
                         Instant windowEnd, CheckEvaluation evaluation, VersionStats newStats, VersionStats oldStats,
                         Boolean counted, String countedReason, Integer servedPercent, JsonObject stage) {

    public NewCheck(String tenantId, String releaseId, int stageIndex, Instant at, Instant windowStart,
      Instant windowEnd,
                    CheckEvaluation evaluation, VersionStats newStats, VersionStats oldStats) {
      this(tenantId, releaseId, stageIndex, at, windowStart, windowEnd, evaluation, newStats, oldStats, null, null,
        null,
        null);
    }
  }

  private static final String INSERT = """
    insert into checks (tenant_id, release_id, stage_index, at, window_start, window_end, verdict, new_stats, old_stats,
      slos, detail, counted, counted_reason, served_percent, stage_evidence)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) returning id""";
  private static final String LIST = """
    select id, release_id, stage_index, at, window_start, window_end, verdict, new_stats, old_stats, slos, detail,
      counted, counted_reason, served_percent, stage_evidence
    from checks where tenant_id = $1 and release_id = $2 and ($3::bigint is null or id > $3) order by id limit $4""";

  private final Pool pool;

  public CheckRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * Stores the checks in one round trip; their public JSON (with their ids), in the order given, ready for {@code
   * check} events.
   */
  public Future<List<JsonObject>> insertAll(SqlClient tx, List<NewCheck> checks) {
    if (checks.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Tuple> tuples = new ArrayList<>(checks.size());
    List<JsonObject> stored = new ArrayList<>(checks.size());
    for (NewCheck c : checks) {
      JsonObject newJson = stats(c.newStats());
      JsonObject oldJson = stats(c.oldStats());
      JsonArray slos = slos(c.evaluation());
      tuples.add(Tuple.tuple(Arrays.asList(c.tenantId(), c.releaseId(), c.stageIndex(),
        c.at().atOffset(ZoneOffset.UTC), c.windowStart().atOffset(ZoneOffset.UTC),
          c.windowEnd().atOffset(ZoneOffset.UTC),
        c.evaluation().verdict().wireName(), newJson, oldJson, slos, c.evaluation().reason(), c.counted(),
        c.countedReason(), c.servedPercent(), c.stage())));
      // the id is filled in below, from the insert's answer for this check
      stored.add(json(0, c.releaseId(), c.stageIndex(), c.at(), c.windowStart(), c.windowEnd(),
        c.evaluation().verdict().wireName(), newJson, oldJson, slos, c.evaluation().reason(), c.counted(),
        c.countedReason(), c.servedPercent(), c.stage()));
    }
    return tx.preparedQuery(INSERT).executeBatch(tuples).map(first -> {
      int i = 0;
      for (io.vertx.sqlclient.RowSet<Row> result = first; result != null; result = result.next()) {
        stored.get(i++).put("id", String.valueOf(result.iterator().next().getLong(0)));
      }
      return stored;
    });
  }

  /** Oldest first; {@code after} is the last check id of the previous page. */
  public Future<List<JsonObject>> list(String tenantId, String releaseId, Long after, int limit) {
    return pool.preparedQuery(LIST).execute(Tuple.of(tenantId, releaseId, after, limit)).map(rows -> {
      List<JsonObject> checks = new ArrayList<>();
      for (Row row : rows) {
        checks.add(json(row.getLong("id"), row.getString("release_id"), row.getInteger("stage_index"),
          row.getOffsetDateTime("at").toInstant(), row.getOffsetDateTime("window_start").toInstant(),
          row.getOffsetDateTime("window_end").toInstant(), row.getString("verdict"), row.getJsonObject("new_stats"),
          row.getJsonObject("old_stats"), row.getJsonArray("slos"), row.getString("detail"), row.getBoolean("counted"),
          row.getString("counted_reason"), row.getInteger("served_percent"), row.getJsonObject("stage_evidence")));
      }
      return checks;
    });
  }

  /**
   * The check as the API shows it. {@code counted}, {@code countedReason}, {@code servedPercent}
   * and {@code stage} are left out for checks stored before they were recorded (the dashboard then
   * works out what it can itself).
   */
  private static JsonObject json(long id, String releaseId, int stageIndex, Instant at, Instant windowStart,
                                 Instant windowEnd, String verdict, JsonObject newStats, JsonObject oldStats,
                                 JsonArray slos, String reason, Boolean counted, String countedReason,
                                 Integer servedPercent, JsonObject stage) {
    JsonObject json = new JsonObject()
      .put("id", String.valueOf(id))
      .put("releaseId", releaseId)
      .put("at", ReleaseView.time(at))
      .put("stageIndex", stageIndex)
      .put("windowStart", ReleaseView.time(windowStart))
      .put("windowEnd", ReleaseView.time(windowEnd))
      .put("verdict", verdict)
      .put("reason", reason)
      .put("new", newStats == null ? emptyStats() : newStats)
      .put("old", oldStats == null ? emptyStats() : oldStats)
      .put("slos", slos == null ? new JsonArray() : slos);
    if (counted != null) {
      json.put("counted", counted).put("countedReason", countedReason).put("servedPercent", servedPercent)
        .put("stage", stage);
    }
    return json;
  }

  /** The contract's per-version stats; every number null when the version had no data. */
  static JsonObject stats(VersionStats s) {
    if (s == null) {
      return emptyStats();
    }
    return new JsonObject()
      .put("requests", s.requests())
      .put("errors", s.errors())
      .put("errorRate", s.errorRate())
      .put("exceptions", s.exceptions())
      .put("exceptionRate", s.exceptionRate())
      .put("latencyP50", s.wallP50())
      .put("latencyP90", s.wallP90())
      .put("latencyP99", s.wallP99())
      .put("latencyP999", s.wallP999())
      .put("cpuP50", s.cpuP50())
      .put("cpuP99", s.cpuP99());
  }

  private static JsonObject emptyStats() {
    return new JsonObject().put("requests", 0).put("errors", 0).putNull("errorRate").put("exceptions", 0)
      .putNull("exceptionRate").putNull("latencyP50")
      .putNull("latencyP90").putNull("latencyP99").putNull("latencyP999").putNull("cpuP50").putNull("cpuP99");
  }

  /** The SLO results of an evaluation, as stored with a check (also in its {@code stage} object). */
  public static JsonArray slos(CheckEvaluation evaluation) {
    JsonArray array = new JsonArray();
    for (SloResult r : evaluation.slos()) {
      array.add(new JsonObject()
        .put("sli", r.sli().wireName())
        .put("mode", r.mode().wireName())
        .put("threshold", r.threshold())
        .put("observed", r.observed())
        .put("baseline", r.baseline())
        .put("bound", r.bound())
        .put("verdict", r.verdict().wireName())
        .put("reason", r.reason())
        .put("dryRun", r.dryRun()));
    }
    return array;
  }

  /** Deletes up to {@code limit} of the oldest checks taken before {@code cutoff} (retention); the number deleted. */
  public static Future<Integer> deleteBefore(SqlClient client, Instant cutoff, int limit) {
    return client.preparedQuery(
      "delete from checks where id in (select id from checks where at < $1 order by at limit $2)")
      .execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC), limit)).map(SqlResult::rowCount);
  }
}
