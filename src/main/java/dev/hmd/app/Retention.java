package dev.hmd.app;

import dev.hmd.events.EventLog;
import dev.hmd.notify.DeliveryRepository;
import dev.hmd.releases.CheckRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes what has outlived {@code HMD_RETENTION_DAYS}: events (the SSE replay log), checks and
 * finished webhook deliveries. At 10,000 running releases checked every 10 s the service writes
 * about 90 million events and as many checks a day, so without this the tables only grow.
 * Releases and the audit log are kept: they are small, and they are the history (a release
 * older than the retention keeps its outcome; its checks are gone).
 *
 * <p>Every process sweeps once an hour (the first a minute after it starts), in batches of
 * {@value #BATCH} rows, oldest first, each batch its own statement so no lock is held for long.
 * Processes sweeping at once only find less to do.
 */
public final class Retention {

  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
  public static final int BATCH = 5_000;
  static final Duration FIRST_SWEEP = Duration.ofMinutes(1);
  static final Duration EVERY = Duration.ofHours(1);

  /** One kind of row that expires. */
  private interface Sweep {
    Future<Integer> delete(SqlClient client, Instant cutoff, int limit);
  }

  private final Pool pool;
  private final Duration keep;
  private final Clock clock;
  private final Map<String, Sweep> sweeps = new LinkedHashMap<>();
  private final Map<String, Counter> deleted = new LinkedHashMap<>();
  private final AtomicBoolean sweeping = new AtomicBoolean();

  public Retention(Pool pool, Duration keep, Clock clock, MeterRegistry registry) {
    this.pool = pool;
    this.keep = keep;
    this.clock = clock;
    sweeps.put("events", EventLog::deleteBefore);
    sweeps.put("checks", CheckRepository::deleteBefore);
    sweeps.put("webhook_deliveries", DeliveryRepository::deleteFinishedBefore);
    sweeps.keySet().forEach(table -> deleted.put(table, Counter.builder("hmd.retention.deleted")
      .tag("table", table).description("rows deleted for being older than HMD_RETENTION_DAYS").register(registry)));
  }

  /** Sweeps on {@code vertx}'s timers, which end when it closes. */
  public void schedule(Vertx vertx) {
    vertx.setTimer(FIRST_SWEEP.toMillis(), id -> sweep());
    vertx.setPeriodic(EVERY.toMillis(), id -> sweep());
  }

  /** One sweep of every table; the rows deleted per table. A sweep still running is not started twice. */
  public Future<Map<String, Integer>> sweep() {
    if (!sweeping.compareAndSet(false, true)) {
      return Future.succeededFuture(Map.of());
    }
    Instant cutoff = clock.instant().minus(keep);
    Map<String, Integer> counts = new LinkedHashMap<>();
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, Sweep> sweep : sweeps.entrySet()) {
      chain = chain.compose(v -> drain(sweep.getValue(), cutoff, 0).map(n -> {
        counts.put(sweep.getKey(), n);
        deleted.get(sweep.getKey()).increment(n);
        return null;
      }));
    }
    return chain.map(v -> {
      if (counts.values().stream().anyMatch(n -> n > 0)) {
        LOG.info("retention: deleted {} older than {}", counts, cutoff);
      }
      return counts;
    }).onFailure(err -> LOG.warn("retention sweep failed (the next one retries)", err))
      .onComplete(done -> sweeping.set(false));
  }

  private Future<Integer> drain(Sweep sweep, Instant cutoff, int sofar) {
    return sweep.delete(pool, cutoff, BATCH).compose(n -> n < BATCH
      ? Future.succeededFuture(sofar + n)
      : drain(sweep, cutoff, sofar + n));
  }
}
