package dev.hmd.connections;

import dev.hmd.http.Json;
import dev.hmd.secrets.TokenCipher;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Connections: a Cloudflare account, a Worker and a sealed API token. The token is sealed with
 * the tenant and connection ids as associated data, opened only to call Cloudflare, and never
 * leaves this class in a form that could be serialised by accident.
 */
public final class ConnectionRepository {

  /** A connection as the API shows it: the token is reduced to its last 4 characters. */
  public record Connection(String id, String tenantId, String name, String accountId, String workerName,
                           String tokenHint, OffsetDateTime createdAt, OffsetDateTime updatedAt) {
    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("name", name).put("accountId", accountId).put("workerName", workerName)
        .put("tokenHint", tokenHint).put("createdAt", Json.time(createdAt)).put("updatedAt", Json.time(updatedAt));
    }
  }

  /** A connection with its token opened, for a Cloudflare call. {@code toString} hides the token. */
  public record Credentials(Connection connection, String token) {
    @Override
    public String toString() {
      return "Credentials[" + connection.id() + ", token=****" + connection.tokenHint() + "]";
    }
  }

  private static final String COLUMNS = "id, tenant_id, name, account_id, worker_name, token_hint, created_at, "
    + "updated_at";
  private static final String INSERT = "insert into connections (id, tenant_id, name, account_id, worker_name, "
    + "token_ciphertext, token_key_id, token_hint) values ($1, $2, $3, $4, $5, $6, $7, $8) returning " + COLUMNS;
  private static final String LIST = "select " + COLUMNS
    + " from connections where tenant_id = $1 order by created_at, id";
  private static final String GET = "select " + COLUMNS + " from connections where tenant_id = $1 and id = $2";
  private static final String GET_SEALED = "select " + COLUMNS + ", token_ciphertext, token_key_id from connections "
    + "where tenant_id = $1 and id = $2";
  private static final String UPDATE = """
    update connections set name = coalesce($3, name),
      token_ciphertext = coalesce($4, token_ciphertext), token_key_id = coalesce($5, token_key_id),
      token_hint = coalesce($6, token_hint), updated_at = now()
    where tenant_id = $1 and id = $2 returning """ + " " + COLUMNS;
  private static final String DELETE = "delete from connections where tenant_id = $1 and id = $2";
  private static final String ACTIVE_RELEASE = """
    select id from releases where tenant_id = $1 and connection_id = $2
      and (state in ('running', 'awaiting_approval', 'paused') or next_due_at is not null) limit 1""";

  private final Pool pool;
  private final TokenCipher cipher;

  public ConnectionRepository(Pool pool, TokenCipher cipher) {
    this.pool = pool;
    this.cipher = cipher;
  }

  public Future<Connection> insert(SqlClient client, String id, String tenantId, String name, String accountId,
                                   String workerName, String token) {
    TokenCipher.Sealed sealed = cipher.seal(token, aad(tenantId, id));
    return client.preparedQuery(INSERT)
      .execute(Tuple.of(id, tenantId, name, accountId, workerName, Buffer.buffer(sealed.ciphertext()), sealed.keyId(),
        hint(token)))
      .map(rows -> connection(rows.iterator().next()));
  }

  public Future<List<Connection>> list(String tenantId) {
    return pool.preparedQuery(LIST).execute(Tuple.of(tenantId)).map(rows -> {
      List<Connection> items = new ArrayList<>();
      rows.forEach(row -> items.add(connection(row)));
      return items;
    });
  }

  public Future<Optional<Connection>> get(String tenantId, String id) {
    return pool.preparedQuery(GET).execute(Tuple.of(tenantId, id))
      .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(connection(rows.iterator().next())));
  }

  /** The connection with its token opened; empty for an unknown id or another tenant's. */
  public Future<Optional<Credentials>> credentials(String tenantId, String id) {
    return pool.preparedQuery(GET_SEALED).execute(Tuple.of(tenantId, id)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      TokenCipher.Sealed sealed = new TokenCipher.Sealed(row.getString("token_key_id"),
        row.getBuffer("token_ciphertext").getBytes());
      return Optional.of(new Credentials(connection(row), cipher.open(sealed, aad(tenantId, id))));
    });
  }

  public Future<Optional<Connection>> update(SqlClient client, String tenantId, String id, String name, String token) {
    Buffer ciphertext = null;
    String keyId = null;
    String hint = null;
    if (token != null) {
      TokenCipher.Sealed sealed = cipher.seal(token, aad(tenantId, id));
      ciphertext = Buffer.buffer(sealed.ciphertext());
      keyId = sealed.keyId();
      hint = hint(token);
    }
    return client.preparedQuery(UPDATE)
      .execute(Tuple.tuple(java.util.Arrays.asList(tenantId, id, name, ciphertext, keyId, hint)))
      .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(connection(rows.iterator().next())));
  }

  /** The id of a release still working on this connection, if any. */
  public Future<Optional<String>> activeRelease(SqlClient client, String tenantId, String id) {
    return client.preparedQuery(ACTIVE_RELEASE).execute(Tuple.of(tenantId, id))
      .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString(0)));
  }

  public Future<Boolean> delete(SqlClient client, String tenantId, String id) {
    return client.preparedQuery(DELETE).execute(Tuple.of(tenantId, id)).map(rows -> rows.rowCount() == 1);
  }

  private static String aad(String tenantId, String connectionId) {
    return "hmd-connection:" + tenantId + ":" + connectionId;
  }

  /** The last 4 characters: enough to tell tokens apart, far too few to use one (tokens are validated longer). */
  static String hint(String token) {
    return token.substring(token.length() - 4);
  }

  private static Connection connection(Row row) {
    return new Connection(row.getString("id"), row.getString("tenant_id"), row.getString("name"),
      row.getString("account_id"), row.getString("worker_name"), row.getString("token_hint"),
      row.getOffsetDateTime("created_at"), row.getOffsetDateTime("updated_at"));
  }
}
