package dev.hmd.connections;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Optional;

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

  /** Where tokens come from: the connections table, opened. */
  @FunctionalInterface
  public interface Source {
    Future<Optional<String>> token(String tenantId, String connectionId);
  }

  /** Most connections kept; a process drives releases of far fewer at once. */
  public static final int MAX_ENTRIES = 10_000;

  private final Source source;
  /** The reads themselves, shared while under way; maintenance on the caller's thread, no pool of its own. */
  private final Cache<String, Future<String>> cache = Caffeine.newBuilder()
    .expireAfterWrite(TTL).maximumSize(MAX_ENTRIES).executor(Runnable::run).build();

  public ConnectionTokens(ConnectionRepository connections) {
    this((tenantId, connectionId) -> connections.credentials(tenantId, connectionId)
      .map(found -> found.map(ConnectionRepository.Credentials::token)));
  }

  public ConnectionTokens(Source source) {
    this.source = source;
  }

  public Future<String> token(String tenantId, String connectionId) {
    String key = tenantId + "/" + connectionId;
    Future<String> token = cache.get(key, k -> read(tenantId, connectionId));
    // a failed read is not kept: the next caller reads again
    token.onFailure(err -> cache.asMap().remove(key, token));
    return token;
  }

  private Future<String> read(String tenantId, String connectionId) {
    return source.token(tenantId, connectionId).map(found -> found
      .orElseThrow(() -> new IllegalStateException("connection " + connectionId + " no longer exists")));
  }
}
