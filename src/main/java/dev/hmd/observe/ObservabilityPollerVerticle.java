package dev.hmd.observe;

import dev.hmd.bus.Addresses;
import dev.hmd.bus.Messages.CheckRequest;
import dev.hmd.bus.Messages.CheckTelemetry;
import dev.hmd.cloudflare.CloudflareClient;
import dev.hmd.cloudflare.ScriptVersion;
import dev.hmd.cloudflare.VersionTelemetry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers check requests with per-version telemetry. Requests for the same tenant, account and
 * window share one telemetry query (the scheduler sends a tick's due checks together, and windows
 * are aligned per account): 100 releases in one account cost one Cloudflare call per cycle, not
 * 100. A batch closes when no request has joined it for {@link #BATCH_QUIET_MS}, or at the latest
 * {@link #BATCH_MAX_MS} after it opened: under load the requests of one account arrive spread out,
 * and a fixed window split them into many queries, which ate the token's request budget.
 */
public final class ObservabilityPollerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ObservabilityPollerVerticle.class);
  /** A batch closes once no request has joined it for this long... */
  public static final long BATCH_QUIET_MS = 20;
  /** ...or this long after it opened, whichever comes first. */
  public static final long BATCH_MAX_MS = 250;
  /** Scripts per query: grouped rows (script x version x outcome) stay well under Cloudflare's 2000-row cap. */
  public static final int MAX_SCRIPTS_PER_QUERY = 250;
  public static final int FAILURE_CODE = 502;

  private record BatchKey(String tenantId, String accountId, Instant from, Instant to) {
  }

  private static final class Batch {
    final List<Message<CheckRequest>> requests = new ArrayList<>();
    final long openedAt;
    long lastJoinedAt;

    Batch(long now) {
      this.openedAt = now;
      this.lastJoinedAt = now;
    }
  }

  private final CloudflareClient cloudflare;
  private final Map<BatchKey, Batch> open = new HashMap<>();

  public ObservabilityPollerVerticle(CloudflareClient cloudflare) {
    this.cloudflare = cloudflare;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().<CheckRequest>consumer(Addresses.OBSERVE_CHECK, this::enqueue).completion();
  }

  private void enqueue(Message<CheckRequest> message) {
    CheckRequest request = message.body();
    BatchKey key = new BatchKey(request.tenantId(), request.accountId(), request.from(), request.to());
    long now = System.nanoTime() / 1_000_000;
    Batch batch = open.get(key);
    if (batch == null) {
      batch = new Batch(now);
      open.put(key, batch);
      vertx.setTimer(BATCH_QUIET_MS, id -> closeWhenQuiet(key));
    }
    batch.lastJoinedAt = now;
    batch.requests.add(message);
  }

  private void closeWhenQuiet(BatchKey key) {
    Batch batch = open.get(key);
    long now = System.nanoTime() / 1_000_000;
    long quietUntil = batch.lastJoinedAt + BATCH_QUIET_MS;
    long deadline = batch.openedAt + BATCH_MAX_MS;
    if (now < quietUntil && now < deadline) {
      vertx.setTimer(Math.max(1, Math.min(quietUntil, deadline) - now), id -> closeWhenQuiet(key));
      return;
    }
    open.remove(key);
    flush(key, batch.requests);
  }

  private void flush(BatchKey key, List<Message<CheckRequest>> batch) {
    Set<String> scripts = new LinkedHashSet<>();
    batch.forEach(m -> scripts.add(m.body().script()));
    List<String> all = new ArrayList<>(scripts);
    for (int from = 0; from < all.size(); from += MAX_SCRIPTS_PER_QUERY) {
      Set<String> chunk = new LinkedHashSet<>(all.subList(from, Math.min(all.size(), from + MAX_SCRIPTS_PER_QUERY)));
      List<Message<CheckRequest>> waiting = batch.stream().filter(m -> chunk.contains(m.body().script())).toList();
      // any token of the batch will do: they all belong to the same tenant and account
      String token = waiting.get(0).body().token();
      cloudflare.versionStats(token, key.accountId(), chunk, key.from(), key.to())
        .onSuccess(stats -> waiting.forEach(m -> m.reply(new CheckTelemetry(forScript(stats, m.body().script())))))
        .onFailure(err -> {
          LOG.atWarn().addKeyValue("tenantId", key.tenantId()).addKeyValue("accountId", key.accountId())
            .log("telemetry query for {} scripts of account {} failed: {}", chunk.size(), key.accountId(),
              describe(err));
          waiting.forEach(m -> m.fail(FAILURE_CODE, describe(err)));
        });
    }
  }

  private static String describe(Throwable err) {
    return err.getMessage() != null ? err.getMessage() : err.getClass().getSimpleName();
  }

  private static Map<String, VersionTelemetry> forScript(Map<ScriptVersion, VersionTelemetry> stats, String script) {
    Map<String, VersionTelemetry> byVersion = new HashMap<>();
    stats.forEach((sv, s) -> {
      if (sv.script().equals(script)) {
        byVersion.put(sv.versionId(), s);
      }
    });
    return byVersion;
  }
}
