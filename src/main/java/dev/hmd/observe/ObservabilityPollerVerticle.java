package dev.hmd.observe;

import dev.hmd.bus.Addresses;
import dev.hmd.bus.Messages.CheckRequest;
import dev.hmd.bus.Messages.CheckTelemetry;
import dev.hmd.cloudflare.CloudflareClient;
import dev.hmd.cloudflare.ScriptVersion;
import dev.hmd.cloudflare.VersionStats;
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
 * window that arrive within a few milliseconds of each other (the scheduler sends a tick's due
 * checks together, and windows are aligned per account) share one telemetry query: 100 releases
 * in one account cost one Cloudflare call per cycle, not 100.
 */
public final class ObservabilityPollerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ObservabilityPollerVerticle.class);
  /** How long a batch stays open for more requests of the same window. */
  public static final long BATCH_DELAY_MS = 20;
  /** Scripts per query: grouped rows (script x version x outcome) stay well under Cloudflare's 2000-row cap. */
  public static final int MAX_SCRIPTS_PER_QUERY = 250;
  public static final int FAILURE_CODE = 502;

  private record BatchKey(String tenantId, String accountId, Instant from, Instant to) {
  }

  private final CloudflareClient cloudflare;
  private final Map<BatchKey, List<Message<CheckRequest>>> open = new HashMap<>();

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
    List<Message<CheckRequest>> batch = open.get(key);
    if (batch == null) {
      batch = new ArrayList<>();
      open.put(key, batch);
      vertx.setTimer(BATCH_DELAY_MS, id -> flush(key));
    }
    batch.add(message);
  }

  private void flush(BatchKey key) {
    List<Message<CheckRequest>> batch = open.remove(key);
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
            .log("telemetry query for {} scripts of account {} failed: {}", chunk.size(), key.accountId(), err.getMessage());
          waiting.forEach(m -> m.fail(FAILURE_CODE, err.getMessage()));
        });
    }
  }

  private static Map<String, VersionStats> forScript(Map<ScriptVersion, VersionStats> stats, String script) {
    Map<String, VersionStats> byVersion = new HashMap<>();
    stats.forEach((sv, s) -> {
      if (sv.script().equals(script)) {
        byVersion.put(sv.versionId(), s);
      }
    });
    return byVersion;
  }
}
