package dev.hmd.connections;

import dev.hmd.http.Json;
import dev.hmd.slo.Plan;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.Optional;

/** The plan of each connection, revised in place: every save increments its revision. */
public final class PlanRepository {

  /** A saved plan; revision 0 and no time for the default plan of a connection that never saved one. */
  public record StoredPlan(Plan plan, int revision, OffsetDateTime updatedAt) {
    public JsonObject toJson() {
      return PlanJson.toJson(plan).put("revision", revision).put("updatedAt", Json.time(updatedAt));
    }
  }

  private static final String GET = "select body, revision, updated_at from plans where tenant_id = $1 and "
    + "connection_id = $2";
  private static final String SAVE = """
    insert into plans (connection_id, tenant_id, revision, body, updated_at) values ($2, $1, 1, $3, now())
    on conflict (connection_id) do update set revision = plans.revision + 1, body = excluded.body, updated_at = now()
      where plans.tenant_id = excluded.tenant_id
    returning body, revision, updated_at""";

  private final Pool pool;

  public PlanRepository(Pool pool) {
    this.pool = pool;
  }

  /** The connection's plan, or the default plan at revision 0. */
  public Future<StoredPlan> get(SqlClient client, String tenantId, String connectionId) {
    return client.preparedQuery(GET).execute(Tuple.of(tenantId, connectionId))
      .map(rows -> rows.size() == 0 ? new StoredPlan(Plan.defaultPlan(), 0, null) : stored(rows.iterator().next()));
  }

  public Future<StoredPlan> get(String tenantId, String connectionId) {
    return get(pool, tenantId, connectionId);
  }

  public Future<Optional<StoredPlan>> save(SqlClient client, String tenantId, String connectionId, Plan plan) {
    return client.preparedQuery(SAVE).execute(Tuple.of(tenantId, connectionId, PlanJson.toJson(plan)))
      .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(stored(rows.iterator().next())));
  }

  private static StoredPlan stored(Row row) {
    return new StoredPlan(PlanJson.fromJson(row.getJsonObject("body")), row.getInteger("revision"),
      row.getOffsetDateTime("updated_at"));
  }
}
