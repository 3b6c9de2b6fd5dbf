package dev.hmd.secrets;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals again, under the current master key, every secret still sealed by an older one
 * ({@code HMD_MASTER_KEY_PREVIOUS}). Run at start-up; once it has run, the previous keys can be
 * dropped from the configuration. Each row is rewritten only if it still holds the ciphertext that
 * was read, so processes starting together do not fight over it.
 */
public final class KeyRotation {

  private static final Logger LOG = LoggerFactory.getLogger(KeyRotation.class);

  /** A table holding sealed secrets, and how its associated data is formed. */
  private record SealedColumn(String table, String ciphertext, String keyId, String aadPrefix) {
  }

  private static final List<SealedColumn> SEALED = List.of(
    new SealedColumn("connections", "token_ciphertext", "token_key_id", "hmd-connection:"),
    new SealedColumn("webhooks", "secret_ciphertext", "secret_key_id", "hmd-webhook:"),
    new SealedColumn("gate_secrets", "secret_ciphertext", "secret_key_id", "hmd-gate:"));

  private KeyRotation() {
  }

  /** Returns how many secrets were sealed again. */
  public static Future<Integer> resealStale(Pool pool, TokenCipher cipher) {
    Future<Integer> total = Future.succeededFuture(0);
    for (SealedColumn column : SEALED) {
      total = total.compose(done -> reseal(pool, cipher, column).map(n -> done + n));
    }
    return total.onSuccess(n -> {
      if (n > 0) {
        LOG.info("sealed {} secret(s) again under master key {}", n, cipher.currentKeyId());
      }
    });
  }

  private static Future<Integer> reseal(Pool pool, TokenCipher cipher, SealedColumn c) {
    String select = "select id, tenant_id, " + c.ciphertext() + ", " + c.keyId() + " from " + c.table()
      + " where " + c.keyId() + " <> $1";
    String update = "update " + c.table() + " set " + c.ciphertext() + " = $3, " + c.keyId() + " = $4"
      + " where tenant_id = $1 and id = $2 and " + c.ciphertext() + " = $5";
    return pool.preparedQuery(select).execute(Tuple.of(cipher.currentKeyId())).compose(rows -> {
      List<Tuple> updates = new ArrayList<>();
      for (Row row : rows) {
        String aad = c.aadPrefix() + row.getString("tenant_id") + ":" + row.getString("id");
        Buffer old = row.getBuffer(c.ciphertext());
        String secret = cipher.open(new TokenCipher.Sealed(row.getString(c.keyId()), old.getBytes()), aad);
        TokenCipher.Sealed fresh = cipher.seal(secret, aad);
        updates.add(Tuple.of(row.getString("tenant_id"), row.getString("id"), Buffer.buffer(fresh.ciphertext()),
          fresh.keyId(), old));
      }
      return updates.isEmpty() ? Future.succeededFuture(0)
        : pool.preparedQuery(update).executeBatch(updates).map(done -> updates.size());
    });
  }
}
