package dev.hmd.events;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The events table: every state change of a release appends here in the transaction that made
 * it, so the stream and the state can never disagree. Ids increase per tenant; incrementing the
 * tenant's counter row locks it until commit, so events of a tenant commit in id order and a
 * reader resuming after id N never misses a smaller id committed later. A NOTIFY in the same
 * transaction tells every process (on commit) that the tenant has new events.
 */
public final class EventLog {

  public static final String CHANNEL = "hmd_events";

  /**
   * The tenant a notification on {@link #CHANNEL} is about (its payload is {@code tenantId:lastId}); null if malformed.
   */
  public static String tenantOf(String payload) {
    int colon = payload.lastIndexOf(':');
    return colon < 0 ? null : payload.substring(0, colon);
  }

  /** One stored event. */
  public record Event(String tenantId, long id, String releaseId, String type, JsonObject data,
    OffsetDateTime createdAt) {
  }

  /** An event about to be appended. */
  public record NewEvent(String releaseId, String type, JsonObject data) {
  }

  /**
   * Reserves the ids, inserts the events and NOTIFYs in one statement: the tenant's counter row
   * stays locked from here to the commit, so the fewer round trips to the client in between, the
   * sooner the tenant's next writer goes (three statements here made every save of a tenant
   * wait out three round trips of the one before; at thousands of releases that queue was the
   * scheduler's bottleneck).
   */
  private static final String APPEND = """
    with counter as (
      update event_counters set last_id = last_id + cardinality($2::text[]) where tenant_id = $1 returning last_id),
    appended as (
      insert into events (tenant_id, id, release_id, type, data)
      select $1, counter.last_id - cardinality($2::text[]) + e.ord, e.release_id, e.type, e.data::jsonb
      from counter, unnest($2::text[], $3::text[], $4::text[]) with ordinality as e(release_id, type, data, ord))
    select last_id, pg_notify('%s', $1 || ':' || last_id) from counter""".formatted(CHANNEL);
  private static final String DELETE_BEFORE = """
    delete from events e using (select tenant_id, id from events where created_at < $1 order by created_at limit $2) old
    where e.tenant_id = old.tenant_id and e.id = old.id""";
  private static final String AFTER_TENANT = """
    select tenant_id, id, release_id, type, data, created_at from events
    where tenant_id = $1 and id > $2 order by id limit $3""";
  private static final String AFTER_RELEASE = """
    select tenant_id, id, release_id, type, data, created_at from events
    where tenant_id = $1 and release_id = $2 and id > $3 order by id limit $4""";
  private static final String LAST_ID = "select last_id from event_counters where tenant_id = $1";

  private final Pool pool;

  public EventLog(Pool pool) {
    this.pool = pool;
  }

  /**
   * Appends events in the caller's transaction and returns the last id given. Call it as the
   * last statement of the transaction: the counter row stays locked until commit.
   */
  public static Future<Long> append(SqlClient tx, String tenantId, List<NewEvent> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture(0L);
    }
    String[] releaseIds = new String[events.size()];
    String[] types = new String[events.size()];
    String[] data = new String[events.size()];
    for (int i = 0; i < events.size(); i++) {
      releaseIds[i] = events.get(i).releaseId();
      types[i] = events.get(i).type();
      data[i] = events.get(i).data().encode();
    }
    return tx.preparedQuery(APPEND).execute(Tuple.of(tenantId, releaseIds, types, data))
      .compose(rows -> rows.size() == 0
      ? Future.failedFuture(new IllegalStateException("tenant " + tenantId + " has no event counter"))
      : Future.succeededFuture(rows.iterator().next().getLong(0)));
  }

  /** Events of a tenant after {@code afterId}, oldest first; {@code releaseId} null for all releases. */
  public Future<List<Event>> after(String tenantId, String releaseId, long afterId, int limit) {
    Future<io.vertx.sqlclient.RowSet<Row>> rows = releaseId == null
      ? pool.preparedQuery(AFTER_TENANT).execute(Tuple.of(tenantId, afterId, limit))
      : pool.preparedQuery(AFTER_RELEASE).execute(Tuple.of(tenantId, releaseId, afterId, limit));
    return rows.map(set -> {
      List<Event> events = new ArrayList<>();
      set.forEach(row ->
        events.add(new Event(row.getString("tenant_id"), row.getLong("id"), row.getString("release_id"),
        row.getString("type"), row.getJsonObject("data"), row.getOffsetDateTime("created_at"))));
      return events;
    });
  }

  /** The tenant's newest event id (0 when it has none). */
  public Future<Long> lastId(String tenantId) {
    return pool.preparedQuery(LAST_ID).execute(Tuple.of(tenantId))
      .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
  }

  /**
   * Deletes up to {@code limit} of the oldest events created before {@code cutoff} (retention);
   * the number deleted. A stream resumed from an id older than that replays what is left.
   */
  public static Future<Integer> deleteBefore(SqlClient client, Instant cutoff, int limit) {
    return client.preparedQuery(DELETE_BEFORE).execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC), limit))
      .map(SqlResult::rowCount);
  }
}
