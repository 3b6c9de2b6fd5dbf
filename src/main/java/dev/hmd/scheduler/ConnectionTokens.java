package dev.hmd.scheduler;

import dev.hmd.api.ConnectionRepository;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opened Cloudflare tokens of connections, kept briefly in memory so a check cycle of thousands
 * of releases does not read and decrypt a row per release. A rotated token is picked up within
 * {@link #TTL}.
 */
public final class ConnectionTokens {

  public static final Duration TTL = Duration.ofSeconds(30);

  private record Entry(String token, long expiresAtNanos) {
  }

  private final ConnectionRepository connections;
  private final Map<String, Entry> cache = new ConcurrentHashMap<>();

  public ConnectionTokens(ConnectionRepository connections) {
    this.connections = connections;
  }

  public Future<String> token(String tenantId, String connectionId) {
    String key = tenantId + "/" + connectionId;
    Entry entry = cache.get(key);
    long now = System.nanoTime();
    if (entry != null && entry.expiresAtNanos() - now > 0) {
      return Future.succeededFuture(entry.token());
    }
    return connections.credentials(tenantId, connectionId).map(found -> {
      String token = found.orElseThrow(() -> new IllegalStateException("connection " + connectionId + " no longer exists"))
        .token();
      cache.put(key, new Entry(token, now + TTL.toNanos()));
      return token;
    });
  }
}
