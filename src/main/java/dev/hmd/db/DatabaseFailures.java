package dev.hmd.db;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * Tells "Postgres is not there" from every other failure: it comes back by itself, so callers
 * answer 503 with {@code Retry-After} instead of a 500 (or, worse, a 401 that signs a user out).
 */
public final class DatabaseFailures {

  /** admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections. */
  private static final Set<String> UNAVAILABLE_STATES = Set.of("57P01", "57P02", "57P03", "53300");

  private DatabaseFailures() {
  }

  /** Whether {@code failure}, or one of its causes, says the database cannot be reached or is going away. */
  public static boolean isUnavailable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ClosedConnectionException || t instanceof ConnectException || t instanceof TimeoutException
        || t instanceof io.netty.channel.ConnectTimeoutException
        // the pool's wait for a connection that cannot be made (a Vert.x class outside its public API)
        || t.getClass().getSimpleName().endsWith("TimeoutException")) {
        return true;
      }
      if (t instanceof PgException pg && pg.getSqlState() != null
        && (pg.getSqlState().startsWith("08") || UNAVAILABLE_STATES.contains(pg.getSqlState()))) {
        return true;
      }
    }
    return false;
  }
}
