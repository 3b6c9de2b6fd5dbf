package dev.hmd.connections;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opened Cloudflare tokens of connections, kept briefly in memory so a check cycle of thousands
 * of releases does not read and decrypt a row per release. A rotated token is picked up within
 * {@link #TTL}.
 *
 * <p>The cache holds the read itself, not only its result: the hundred releases of an account that
 * are due together and find the entry expired share one read. (Each reading for itself, their
 * answers came back spread over the pool's queue under load, their telemetry requests missed each
 * other's batch, and one Cloudflare query per account became dozens.)
 */
public final class ConnectionTokens {

  public static final Duration TTL = Duration.ofSeconds(30);

  private record Entry(Future<String> token, long expiresAtNanos) {
  }

  /** Where tokens come from: the connections table, opened. */
  @FunctionalInterface
  public interface Source {
    Future<Optional<String>> token(String tenantId, String connectionId);
  }

  private final Source source;
  private final Map<String, Entry> cache = new ConcurrentHashMap<>();

  public ConnectionTokens(ConnectionRepository connections) {
    this((tenantId, connectionId) -> connections.credentials(tenantId, connectionId)
      .map(found -> found.map(ConnectionRepository.Credentials::token)));
  }

  public ConnectionTokens(Source source) {
    this.source = source;
  }

  public Future<String> token(String tenantId, String connectionId) {
    String key = tenantId + "/" + connectionId;
    long now = System.nanoTime();
    Entry entry = cache.compute(key, (k, current) -> current != null && current.expiresAtNanos() - now > 0
      ? current : new Entry(read(tenantId, connectionId), now + TTL.toNanos()));
    Future<String> token = entry.token();
    // a failed read is not kept: the next caller reads again
    token.onFailure(err -> cache.remove(key, entry));
    return token;
  }

  private Future<String> read(String tenantId, String connectionId) {
    return source.token(tenantId, connectionId).map(found -> found
      .orElseThrow(() -> new IllegalStateException("connection " + connectionId + " no longer exists")));
  }
}
