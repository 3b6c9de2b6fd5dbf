package dev.hmd.tenancy;

import dev.hmd.events.ChangeFeed;
import dev.hmd.http.Json;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Tenants and their API keys. Every statement but the key lookup filters on tenant_id. */
public final class TenantRepository {

  /**
   * A key as listed: never the key itself. {@code sessionGeneration}: the sessions made from it
   * that still hold (signing out moves it on).
   */
  public record KeyRecord(String id, String tenantId, String name, Role role, OffsetDateTime createdAt,
                          OffsetDateTime lastUsedAt, int sessionGeneration) {
    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("name", name).put("role", role.wireName())
        .put("createdAt", Json.time(createdAt)).put("lastUsedAt", Json.time(lastUsedAt));
    }
  }

  private static final String INSERT_TENANT = "insert into tenants (id, name) values ($1, $2) returning created_at";
  private static final String INSERT_COUNTER = "insert into event_counters (tenant_id) values ($1)";
  private static final String INSERT_KEY = """
    insert into api_keys (id, tenant_id, name, role, key_hash) values ($1, $2, $3, $4, $5)
    returning id, tenant_id, name, role, created_at, last_used_at, session_generation""";
  private static final String LIST_KEYS = """
    select id, tenant_id, name, role, created_at, last_used_at, session_generation from api_keys
    where tenant_id = $1 and revoked_at is null order by created_at, id""";
  private static final String REVOKE_KEY = """
    update api_keys set revoked_at = now() where tenant_id = $1 and id = $2 and revoked_at is null
    returning id, tenant_id, name, role, created_at, last_used_at, session_generation""";
  private static final String FIND_ACTIVE_KEY = """
    select id, tenant_id, name, role, created_at, last_used_at, session_generation from api_keys
    where key_hash = $1 and revoked_at is null""";
  private static final String FIND_ACTIVE_KEY_BY_ID = """
    select id, tenant_id, name, role, created_at, last_used_at, session_generation from api_keys
    where id = $1 and revoked_at is null""";
  /** Locks the tenant's row first: two creations at once cannot both see room for one more key. */
  private static final String LOCK_TENANT = "select id from tenants where id = $1 for update";
  private static final String COUNT_ACTIVE_KEYS = "select count(*) from api_keys where tenant_id = $1 and "
    + "revoked_at is null";
  private static final String ACTIVE_ADMINS = """
    select id from api_keys where tenant_id = $1 and role = 'admin' and revoked_at is null order by id for update""";
  private static final String ACTIVE_GENERATIONS = """
    select id, session_generation from api_keys where id = any($1) and revoked_at is null""";
  private static final String END_SESSIONS = """
    update api_keys set session_generation = session_generation + 1
    where tenant_id = $1 and id = $2 and session_generation = $3 and revoked_at is null returning id""";
  private static final String TOUCH_KEY = "update api_keys set last_used_at = now() where id = $1";
  private static final String NOTIFY_REVOKED = "select pg_notify('" + ChangeFeed.KEYS_CHANNEL + "', $1)";
  private static final String LIST_TENANTS = "select id, name, created_at from tenants order by created_at, id";

  private final Pool pool;

  public TenantRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<OffsetDateTime> insertTenant(SqlClient tx, String id, String name) {
    return tx.preparedQuery(INSERT_TENANT).execute(Tuple.of(id, name))
      .compose(rows -> tx.preparedQuery(INSERT_COUNTER).execute(Tuple.of(id))
        .map(rows.iterator().next().getOffsetDateTime(0)));
  }

  public Future<KeyRecord> insertKey(SqlClient client, String id, String tenantId, String name, Role role,
    byte[] hash) {
    return client.preparedQuery(INSERT_KEY)
      .execute(Tuple.of(id, tenantId, name, role.wireName(), io.vertx.core.buffer.Buffer.buffer(hash)))
      .map(rows -> key(rows.iterator().next()));
  }

  /** The tenant's active keys, counted under a lock on the tenant that holds until {@code tx} ends. */
  public Future<Long> lockAndCountActiveKeys(SqlClient tx, String tenantId) {
    return tx.preparedQuery(LOCK_TENANT).execute(Tuple.of(tenantId))
      .compose(locked -> tx.preparedQuery(COUNT_ACTIVE_KEYS).execute(Tuple.of(tenantId)))
      .map(rows -> rows.iterator().next().getLong(0));
  }

  public Future<List<KeyRecord>> listKeys(String tenantId) {
    return pool.preparedQuery(LIST_KEYS).execute(Tuple.of(tenantId))
      .map(rows -> {
        List<KeyRecord> keys = new java.util.ArrayList<>();
        rows.forEach(row -> keys.add(key(row)));
        return keys;
      });
  }

  /**
   * Revokes a key and, in the same transaction (so on commit), tells every process listening on
   * {@link EventHub#KEYS_CHANNEL} to forget it.
   */
  public Future<Optional<KeyRecord>> revokeKey(SqlClient client, String tenantId, String keyId) {
    return client.preparedQuery(REVOKE_KEY).execute(Tuple.of(tenantId, keyId))
      .compose(rows -> {
        if (rows.size() == 0) {
          return Future.succeededFuture(Optional.<KeyRecord>empty());
        }
        KeyRecord revoked = key(rows.iterator().next());
        return client.preparedQuery(NOTIFY_REVOKED).execute(Tuple.of(revoked.id())).map(Optional.of(revoked));
      });
  }

  /**
   * The tenant's active admin keys, locked until {@code tx} ends: two admins revoking each other at
   * once cannot both see another admin left.
   */
  public Future<List<String>> lockActiveAdmins(SqlClient tx, String tenantId) {
    return tx.preparedQuery(ACTIVE_ADMINS).execute(Tuple.of(tenantId)).map(rows -> {
      List<String> ids = new java.util.ArrayList<>();
      rows.forEach(row -> ids.add(row.getString("id")));
      return ids;
    });
  }

  /**
   * Ends the sessions of generation {@code generation} of a key (all that were made from it, up to
   * now) and, on commit, tells every process listening on {@link EventHub#KEYS_CHANNEL}. False when
   * they had ended already or the key is gone.
   */
  public Future<Boolean> endSessions(SqlClient tx, String tenantId, String keyId, int generation) {
    return tx.preparedQuery(END_SESSIONS).execute(Tuple.of(tenantId, keyId, generation))
      .compose(rows -> rows.size() == 0 ? Future.succeededFuture(false)
        : tx.preparedQuery(NOTIFY_REVOKED).execute(Tuple.of(keyId)).map(true));
  }

  /** Of these keys, the active ones, each with the generation of its sessions that hold. */
  public Future<Map<String, Integer>> activeSessionGenerations(Collection<String> keyIds) {
    return pool.preparedQuery(ACTIVE_GENERATIONS).execute(Tuple.of(keyIds.toArray(new String[0]))).map(rows -> {
      Map<String, Integer> active = new HashMap<>();
      rows.forEach(row -> active.put(row.getString("id"), row.getInteger("session_generation")));
      return active;
    });
  }

  public Future<Optional<KeyRecord>> findActiveKey(byte[] hash) {
    return pool.preparedQuery(FIND_ACTIVE_KEY).execute(Tuple.of(io.vertx.core.buffer.Buffer.buffer(hash)))
      .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(key(rows.iterator().next())));
  }

  public Future<Optional<KeyRecord>> findActiveKeyById(String keyId) {
    return pool.preparedQuery(FIND_ACTIVE_KEY_BY_ID).execute(Tuple.of(keyId))
      .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(key(rows.iterator().next())));
  }

  public Future<Void> touch(String keyId) {
    return pool.preparedQuery(TOUCH_KEY).execute(Tuple.of(keyId)).mapEmpty();
  }

  public Future<List<JsonObject>> listTenants() {
    return pool.query(LIST_TENANTS).execute().map(rows -> {
      List<JsonObject> tenants = new java.util.ArrayList<>();
      rows.forEach(row -> tenants.add(new JsonObject().put("id", row.getString("id")).put("name", row.getString("name"))
        .put("createdAt", Json.time(row.getOffsetDateTime("created_at")))));
      return tenants;
    });
  }

  private static KeyRecord key(Row row) {
    return new KeyRecord(row.getString("id"), row.getString("tenant_id"), row.getString("name"),
      Role.parse(row.getString("role")).orElseThrow(), row.getOffsetDateTime("created_at"),
      row.getOffsetDateTime("last_used_at"), row.getInteger("session_generation"));
  }
}
