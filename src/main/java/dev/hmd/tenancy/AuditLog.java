package dev.hmd.tenancy;

import dev.hmd.http.Json;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * Who did each state-changing action, written in the same transaction as the action. Entries are
 * numbered per tenant (1, 2, 3, ...), so ids say nothing about other tenants.
 */
public final class AuditLog {

  /** The tenant's next number, then the entry under it: numbers count this tenant's actions only. */
  private static final String INSERT = """
    with next as (
      insert into audit_counters (tenant_id, last_seq) values ($1, 1)
      on conflict (tenant_id) do update set last_seq = audit_counters.last_seq + 1
      returning last_seq)
    insert into audit_log (tenant_id, seq, actor_key_id, actor_name, action, target_type, target_id, detail)
    select $1, last_seq, $2::text, $3::text, $4::text, $5::text, $6::text, $7::jsonb from next""";
  private static final String LIST = """
    select seq, at, actor_key_id, actor_name, action, target_type, target_id, detail from audit_log
    where tenant_id = $1 and ($2::bigint is null or seq < $2) order by seq desc limit $3""";

  private final Pool pool;

  public AuditLog(Pool pool) {
    this.pool = pool;
  }

  /**
   * Records an action in {@code client}'s transaction. Taking the tenant's next number locks its
   * counter until the transaction ends: record last, after the action's own writes, so that no
   * transaction holds the counter while it waits for another lock.
   */
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
        last = row.getLong("seq");
        items.add(new JsonObject()
          .put("id", String.valueOf(last))
          .put("at", Json.time(row.getOffsetDateTime("at")))
          .put("actor",
            new JsonObject().put("keyId", row.getString("actor_key_id")).put("name", row.getString("actor_name")))
          .put("action", row.getString("action"))
          .put("targetType", row.getString("target_type"))
          .put("targetId", row.getString("target_id"))
          .put("detail", row.getJsonObject("detail")));
      }
      return new JsonObject().put("items", items).put("nextCursor", more ? String.valueOf(last) : null);
    });
  }
}
