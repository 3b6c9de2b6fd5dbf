package dev.hmd.controls;

import dev.hmd.notify.Signatures;
import dev.hmd.secrets.TokenCipher;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;

/**
 * The gate_secrets table: one signing secret per connection, sealed with the tenant and connection
 * ids as associated data (like webhook secrets). A connection gets one the first time a gate of
 * it is asked; a person sees one only when they ask for a new one ({@link #replace}).
 */
public final class GateSecrets {

  private static final String GET = "select secret_ciphertext, secret_key_id from gate_secrets where tenant_id = $1 "
    + "and id = $2";
  private static final String INSERT_IF_NONE = """
    insert into gate_secrets (id, tenant_id, secret_ciphertext, secret_key_id) values ($1, $2, $3, $4)
    on conflict (id) do nothing""";
  private static final String UPSERT = """
    insert into gate_secrets (id, tenant_id, secret_ciphertext, secret_key_id) values ($1, $2, $3, $4)
    on conflict (id) do update set secret_ciphertext = excluded.secret_ciphertext,
      secret_key_id = excluded.secret_key_id, created_at = now()
    returning created_at""";

  private final Pool pool;
  private final TokenCipher cipher;

  public GateSecrets(Pool pool, TokenCipher cipher) {
    this.pool = pool;
    this.cipher = cipher;
  }

  /** The connection's secret, made now if it has none yet. */
  public Future<String> secret(String tenantId, String connectionId) {
    return read(tenantId, connectionId).compose(found -> {
      if (found != null) {
        return Future.succeededFuture(found);
      }
      TokenCipher.Sealed sealed = cipher.seal(Signatures.newSecret(), aad(tenantId, connectionId));
      // two processes making one at once: the first insert wins, both then read the same
      return pool.preparedQuery(INSERT_IF_NONE)
        .execute(Tuple.of(connectionId, tenantId, Buffer.buffer(sealed.ciphertext()), sealed.keyId()))
        .compose(v -> read(tenantId, connectionId));
    });
  }

  /** A new secret for the connection, in the caller's transaction (the old one stops at once); the time it was made. */
  public Future<OffsetDateTime> replace(SqlClient tx, String tenantId, String connectionId, String secret) {
    TokenCipher.Sealed sealed = cipher.seal(secret, aad(tenantId, connectionId));
    return tx.preparedQuery(UPSERT)
      .execute(Tuple.of(connectionId, tenantId, Buffer.buffer(sealed.ciphertext()), sealed.keyId()))
      .map(rows -> rows.iterator().next().getOffsetDateTime("created_at"));
  }

  private Future<String> read(String tenantId, String connectionId) {
    return pool.preparedQuery(GET).execute(Tuple.of(tenantId, connectionId)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row row = rows.iterator().next();
      return cipher.open(
        new TokenCipher.Sealed(row.getString("secret_key_id"), row.getBuffer("secret_ciphertext").getBytes()),
        aad(tenantId, connectionId));
    });
  }

  private static String aad(String tenantId, String connectionId) {
    return "hmd-gate:" + tenantId + ":" + connectionId;
  }
}
