package dev.hmd.notify;

import dev.hmd.db.Ids;
import dev.hmd.http.Json;
import dev.hmd.http.OutboundUrls;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The webhook_deliveries table: enqueued in the transaction that changed the release (the unique
 * key on webhook, release, event and stage makes that idempotent), claimed by one process at a
 * time with {@code FOR UPDATE SKIP LOCKED} and a lease, and sent in order per release and webhook.
 * A NOTIFY in the enqueueing transaction wakes the notifier of every process when it commits.
 */
public final class DeliveryRepository {

  public static final String CHANNEL = "hmd_webhooks";

  /** A delivery as the API shows it. */
  public record Delivery(String id, long seq, String webhookId, String releaseId, String event, String status,
                         int attempts, Integer lastStatusCode, String lastError, OffsetDateTime createdAt,
                         OffsetDateTime deliveredAt, OffsetDateTime nextAttemptAt) {
    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("webhookId", webhookId).put("releaseId", releaseId).put("event", event)
        .put("status", status).put("attempts", attempts).put("lastStatusCode", lastStatusCode)
        .put("lastError", lastError).put("createdAt", Json.time(createdAt)).put("deliveredAt", Json.time(deliveredAt))
        .put("nextAttemptAt", "pending".equals(status) ? Json.time(nextAttemptAt) : null);
    }
  }

  /** A delivery claimed for sending, with what it takes to send it. {@code toString} leaves the secret out. */
  public record Claimed(String id, String tenantId, String webhookId, String releaseId, String event,
    JsonObject payload,
                        int attempts, String url, String secretKeyId, byte[] secretCiphertext) {
    @Override
    public String toString() {
      return "Claimed[" + id + " " + event + " to " + webhookId + " (" + OutboundUrls.origin(url) + "), attempts "
        + attempts + "]";
    }
  }

  /** What an attempt came to. */
  public enum Status {
    PENDING("pending"), DELIVERED("delivered"), FAILED("failed");

    private final String wireName;

    Status(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  private static final String COLUMNS = "id, seq, webhook_id, release_id, event, status, attempts, last_status_code, "
    + "last_error, created_at, delivered_at, next_attempt_at";
  private static final String SUBSCRIBED = """
    select id from webhooks where tenant_id = $1 and connection_id = $2 and $3 = any(events) order by created_at, id""";
  private static final String INSERT = """
    insert into webhook_deliveries (id, tenant_id, webhook_id, release_id, event, stage_index, payload)
    values ($1, $2, $3, $4, $5, $6, $7)
    on conflict (webhook_id, release_id, event, stage_index) do nothing""";
  private static final String INSERT_PING = """
    insert into webhook_deliveries (id, tenant_id, webhook_id, release_id, event, stage_index, payload)
    values ($1, $2, $3, null, 'ping', null, $4) returning """ + " " + COLUMNS;
  private static final String NOTIFY = "select pg_notify('" + CHANNEL + "', $1)";
  /**
   * Due, not leased by a live process, and the oldest pending one of its release for its webhook:
   * a receiver hears {@code started} before {@code succeeded} even when both are due.
   */
  private static final String CLAIM = """
    update webhook_deliveries d set lease_owner = $1, lease_expires_at = now() + make_interval(secs => $2)
    from (select c.id from webhook_deliveries c
          where c.status = 'pending' and c.next_attempt_at <= now()
            and (c.lease_owner is null or c.lease_expires_at < now())
            and not exists (select 1 from webhook_deliveries e
                            where e.tenant_id = c.tenant_id and e.webhook_id = c.webhook_id
                              and e.release_id = c.release_id and e.status = 'pending' and e.seq < c.seq)
          order by c.next_attempt_at, c.seq limit $3
          for update skip locked) due, webhooks w
    where d.id = due.id and w.tenant_id = d.tenant_id and w.id = d.webhook_id
    returning d.id, d.tenant_id, d.webhook_id, d.release_id, d.event, d.payload, d.attempts, w.url, w.secret_key_id,
      w.secret_ciphertext""";
  private static final String RECORD = """
    update webhook_deliveries set attempts = attempts + 1, status = $4, last_status_code = $5, last_error = $6,
      next_attempt_at = case when $4 = 'pending' then now() + make_interval(secs => $7) end,
      delivered_at = case when $4 = 'delivered' then now() end,
      lease_owner = null, lease_expires_at = null
    where tenant_id = $1 and id = $2 and lease_owner = $3""";
  private static final String RELEASE_LEASES = """
    update webhook_deliveries set lease_owner = null, lease_expires_at = null
    where lease_owner = $1 and status = 'pending'""";
  private static final String LIST = "select " + COLUMNS + " from webhook_deliveries "
    + "where tenant_id = $1 and webhook_id = $2 and ($3::bigint is null or seq < $3) order by seq desc limit $4";

  private final Pool pool;

  public DeliveryRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * Enqueues {@code event} of a release for every webhook of its connection that wants it, in the
   * caller's transaction; a delivery already enqueued for the same stage is left alone. Returns
   * how many webhooks want it.
   */
  public static Future<Integer> enqueue(SqlClient tx, String tenantId, String connectionId, String releaseId,
                                        WebhookEvent event, int stageIndex, JsonObject payload) {
    return tx.preparedQuery(SUBSCRIBED).execute(Tuple.of(tenantId, connectionId, event.wireName())).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(0);
      }
      List<Tuple> batch = new ArrayList<>(rows.size());
      rows.forEach(row -> batch.add(Tuple.tuple(Arrays.asList(Ids.newId("wd"), tenantId, row.getString("id"), releaseId,
        event.wireName(), stageIndex, payload))));
      return tx.preparedQuery(INSERT).executeBatch(batch)
        .compose(done -> notifyNotifiers(tx, tenantId))
        .map(batch.size());
    });
  }

  /** A test ping to one webhook, in the caller's transaction. */
  public static Future<Delivery> enqueuePing(SqlClient tx, String tenantId, String webhookId, JsonObject payload) {
    return tx.preparedQuery(INSERT_PING).execute(Tuple.of(Ids.newId("wd"), tenantId, webhookId, payload))
      .compose(rows -> notifyNotifiers(tx, tenantId).map(delivery(rows.iterator().next())));
  }

  /** Claims up to {@code limit} due deliveries for {@code owner}. */
  public Future<List<Claimed>> claimDue(String owner, long leaseSeconds, int limit) {
    return pool.preparedQuery(CLAIM).execute(Tuple.of(owner, leaseSeconds, limit)).map(rows -> {
      List<Claimed> claimed = new ArrayList<>(rows.size());
      for (Row row : rows) {
        claimed.add(new Claimed(row.getString("id"), row.getString("tenant_id"), row.getString("webhook_id"),
          row.getString("release_id"), row.getString("event"), row.getJsonObject("payload"), row.getInteger("attempts"),
          row.getString("url"), row.getString("secret_key_id"), row.getBuffer("secret_ciphertext").getBytes()));
      }
      return claimed;
    });
  }

  /**
   * Records one attempt of a delivery {@code owner} holds and gives the lease up: delivered,
   * failed for good, or pending again in {@code retryInSeconds}.
   */
  public Future<Boolean> recordAttempt(Claimed d, String owner, Status status, Integer statusCode, String error,
                                       double retryInSeconds) {
    return pool.preparedQuery(RECORD).execute(Tuple.tuple(Arrays.asList(d.tenantId(), d.id(), owner, status.wireName(),
        statusCode, error, retryInSeconds)))
      .map(rows -> rows.rowCount() == 1);
  }

  /** Gives every lease of {@code owner} up, so another process sends those deliveries at once. */
  public Future<Integer> releaseLeases(String owner) {
    return pool.preparedQuery(RELEASE_LEASES).execute(Tuple.of(owner)).map(RowSet::rowCount);
  }

  /** Newest first; {@code beforeSeq} is the cursor of the previous page. */
  public Future<List<Delivery>> list(String tenantId, String webhookId, Long beforeSeq, int limit) {
    return pool.preparedQuery(LIST).execute(Tuple.of(tenantId, webhookId, beforeSeq, limit)).map(rows -> {
      List<Delivery> items = new ArrayList<>(rows.size());
      rows.forEach(row -> items.add(delivery(row)));
      return items;
    });
  }

  private static Future<Void> notifyNotifiers(SqlClient tx, String tenantId) {
    return tx.preparedQuery(NOTIFY).execute(Tuple.of(tenantId)).mapEmpty();
  }

  private static Delivery delivery(Row row) {
    return new Delivery(row.getString("id"), row.getLong("seq"), row.getString("webhook_id"),
      row.getString("release_id"),
      row.getString("event"), row.getString("status"), row.getInteger("attempts"), row.getInteger("last_status_code"),
      row.getString("last_error"), row.getOffsetDateTime("created_at"), row.getOffsetDateTime("delivered_at"),
      row.getOffsetDateTime("next_attempt_at"));
  }

  /**
   * Deletes up to {@code limit} of the oldest finished deliveries (delivered, or failed for good)
   * enqueued before {@code cutoff} (retention); pending ones stay whatever their age. The number deleted.
   */
  public static Future<Integer> deleteFinishedBefore(SqlClient client, Instant cutoff, int limit) {
    return client.preparedQuery("delete from webhook_deliveries where id in (select id from webhook_deliveries "
        + "where status <> 'pending' and created_at < $1 order by created_at limit $2)")
      .execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC), limit)).map(SqlResult::rowCount);
  }
}
