package dev.hmd.tenancy;

import dev.hmd.http.Json;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/** Who did each state-changing action, written in the same transaction as the action. */
public final class AuditLog {

  private static final String INSERT = """
    insert into audit_log (tenant_id, actor_key_id, actor_name, action, target_type, target_id, detail)
    values ($1, $2, $3, $4, $5, $6, $7)""";
  private static final String LIST = """
    select id, at, actor_key_id, actor_name, action, target_type, target_id, detail from audit_log
    where tenant_id = $1 and ($2::bigint is null or id < $2) order by id desc limit $3""";

  private final Pool pool;

  public AuditLog(Pool pool) {
    this.pool = pool;
  }

  public Future<Void> record(SqlClient client, Principal actor, String action, String targetType, String targetId,
                             JsonObject detail) {
    return record(client, actor.tenantId(), actor.keyId(), actor.keyName(), action, targetType, targetId, detail);
  }

  public Future<Void> record(SqlClient client, String tenantId, String actorKeyId, String actorName, String action,
                             String targetType, String targetId, JsonObject detail) {
    return client.preparedQuery(INSERT)
      .execute(Tuple.of(tenantId, actorKeyId, actorName, action, targetType, targetId, detail))
      .mapEmpty();
  }

  /** Newest first; {@code before} is the last id of the previous page. */
  public Future<JsonObject> list(String tenantId, Long before, int limit) {
    return pool.preparedQuery(LIST).execute(Tuple.of(tenantId, before, limit + 1)).map(rows -> {
      JsonArray items = new JsonArray();
      Long last = null;
      int n = 0;
      boolean more = false;
      for (var row : rows) {
        if (n++ == limit) {
          more = true;
          break;
        }
        last = row.getLong("id");
        items.add(new JsonObject()
          .put("id", String.valueOf(last))
          .put("at", Json.time(row.getOffsetDateTime("at")))
          .put("actor", new JsonObject().put("keyId", row.getString("actor_key_id")).put("name", row.getString("actor_name")))
          .put("action", row.getString("action"))
          .put("targetType", row.getString("target_type"))
          .put("targetId", row.getString("target_id"))
          .put("detail", row.getJsonObject("detail")));
      }
      return new JsonObject().put("items", items).put("nextCursor", more ? String.valueOf(last) : null);
    });
  }
}
