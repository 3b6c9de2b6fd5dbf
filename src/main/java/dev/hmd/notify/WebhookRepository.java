package dev.hmd.notify;

import dev.hmd.http.Json;
import dev.hmd.http.OutboundUrls;
import dev.hmd.secrets.TokenCipher;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The webhooks table. The signing secret is sealed with the tenant and webhook ids as associated
 * data and opened only to sign a delivery; no record here carries it.
 */
public final class WebhookRepository {

  /** A webhook as the API shows it (never with its secret). */
  public record Webhook(String id, String tenantId, String connectionId, String url, List<String> events,
                        OffsetDateTime createdAt) {
    /** {@code fullUrl} false hides the URL's path and query, which are often a credential (Slack's are). */
    public JsonObject toJson(boolean fullUrl) {
      return new JsonObject().put("id", id).put("connectionId", connectionId)
        .put("url", fullUrl ? url : OutboundUrls.redacted(url)).put("events", new JsonArray(events))
        .put("createdAt", Json.time(createdAt));
    }
  }

  private static final String COLUMNS = "id, tenant_id, connection_id, url, events, created_at";
  private static final String INSERT = "insert into webhooks (id, tenant_id, connection_id, url, secret_ciphertext, "
    + "secret_key_id, events) values ($1, $2, $3, $4, $5, $6, $7) returning " + COLUMNS;
  private static final String LIST = "select " + COLUMNS + " from webhooks where tenant_id = $1 and connection_id = $2 "
    + "order by created_at, id";
  private static final String COUNT = "select count(*) from webhooks where tenant_id = $1 and connection_id = $2";
  private static final String GET = "select " + COLUMNS + " from webhooks where tenant_id = $1 and id = $2";
  private static final String DELETE = "delete from webhooks where tenant_id = $1 and id = $2";

  private final Pool pool;
  private final TokenCipher cipher;

  public WebhookRepository(Pool pool, TokenCipher cipher) {
    this.pool = pool;
    this.cipher = cipher;
  }

  public Future<Webhook> insert(SqlClient tx, String id, String tenantId, String connectionId, String url,
                                List<String> events, String secret) {
    TokenCipher.Sealed sealed = cipher.seal(secret, aad(tenantId, id));
    return tx.preparedQuery(INSERT)
      .execute(Tuple.of(id, tenantId, connectionId, url, Buffer.buffer(sealed.ciphertext()), sealed.keyId(),
        events.toArray(String[]::new)))
      .map(rows -> webhook(rows.iterator().next()));
  }

  public Future<List<Webhook>> list(String tenantId, String connectionId) {
    return pool.preparedQuery(LIST).execute(Tuple.of(tenantId, connectionId)).map(rows -> {
      List<Webhook> items = new ArrayList<>();
      rows.forEach(row -> items.add(webhook(row)));
      return items;
    });
  }

  public Future<Long> count(SqlClient client, String tenantId, String connectionId) {
    return client.preparedQuery(COUNT).execute(Tuple.of(tenantId, connectionId))
      .map(rows -> rows.iterator().next().getLong(0));
  }

  public Future<Optional<Webhook>> get(String tenantId, String id) {
    return pool.preparedQuery(GET).execute(Tuple.of(tenantId, id))
      .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(webhook(rows.iterator().next())));
  }

  /** Deletes the webhook and, with it, its deliveries (pending ones are not sent). */
  public Future<Boolean> delete(SqlClient tx, String tenantId, String id) {
    return tx.preparedQuery(DELETE).execute(Tuple.of(tenantId, id)).map(rows -> rows.rowCount() == 1);
  }

  /** The signing secret of a webhook, for one delivery. */
  String openSecret(String tenantId, String webhookId, String keyId, byte[] ciphertext) {
    return cipher.open(new TokenCipher.Sealed(keyId, ciphertext), aad(tenantId, webhookId));
  }

  private static String aad(String tenantId, String webhookId) {
    return "hmd-webhook:" + tenantId + ":" + webhookId;
  }

  private static Webhook webhook(Row row) {
    return new Webhook(row.getString("id"), row.getString("tenant_id"), row.getString("connection_id"),
      row.getString("url"), Arrays.asList(row.getArrayOfStrings("events")), row.getOffsetDateTime("created_at"));
  }
}
