package dev.hmd.events;

import dev.hmd.retry.Backoff;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's one listening connection to Postgres: every {@code LISTEN} of the process goes
 * through it (events for the SSE hubs and caches, key revocations, webhook deliveries), and it
 * hands each notification to whoever registered for its channel. A notification is sent in the
 * transaction that made the change, so it arrives after the commit.
 *
 * <p>Notifications sent while the connection is down are lost; {@link #listening()} says when
 * they can be trusted, and the resync handlers run each time the LISTENs have taken effect on a
 * new connection, so users can re-read what they may have missed. Handlers run on this feed's
 * context: a user with state of its own hops to its own context ({@code context.runOnContext}).
 */
public final class ChangeFeed {

  private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);
  /** Revoking an API key, or ending a session, notifies its id on this channel, in the revoking transaction. */
  public static final String KEYS_CHANNEL = "hmd_keys";
  /** Reconnecting: soon, then every 5 s while Postgres is away. */
  public static final Backoff RECONNECT = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5),
    Backoff.Jitter.HALF);

  private final Vertx vertx;
  private final PgConnectOptions connectOptions;
  private final Map<String, List<Handler<String>>> handlers = new ConcurrentHashMap<>();
  private final List<Runnable> resyncHandlers = new CopyOnWriteArrayList<>();
  private PgSubscriber pg;
  /** The connection whose LISTENs have taken effect; notifications can be trusted while it is the subscriber's. */
  private volatile Object listeningOn;

  /** A feed of {@code channels}, all listened to from the start. */
  public ChangeFeed(Vertx vertx, PgConnectOptions connectOptions, List<String> channels) {
    this.vertx = vertx;
    this.connectOptions = connectOptions;
    channels.forEach(channel -> handlers.put(channel, new CopyOnWriteArrayList<>()));
  }

  /**
   * Calls {@code handler} with the payload of every later notification on {@code channel}, one of
   * the feed's; the answer unregisters it. A user that registers late reads what it needs once.
   */
  public Runnable listen(String channel, Handler<String> handler) {
    List<Handler<String>> list = handlers.get(channel);
    if (list == null) {
      throw new IllegalArgumentException("the feed does not listen to " + channel);
    }
    list.add(handler);
    return () -> list.remove(handler);
  }

  /** Calls {@code handler} each time the LISTENs take effect on a (new) connection; the answer unregisters it. */
  public Runnable onResync(Runnable handler) {
    resyncHandlers.add(handler);
    return () -> resyncHandlers.remove(handler);
  }

  public Future<Void> start() {
    pg = PgSubscriber.subscriber(vertx, connectOptions).reconnectPolicy(RECONNECT::millisBeforeAttempt);
    handlers.forEach((channel, list) -> pg.channel(channel)
      .handler(payload -> list.forEach(h -> h.handle(payload)))
      .subscribeHandler(v -> resynced()));
    return pg.connect();
  }

  public Future<Void> stop() {
    return pg == null ? Future.succeededFuture() : pg.close();
  }

  /**
   * Whether every notification sent from now on will be heard: the listening connection is up
   * and its LISTENs have taken effect. Between a lost connection and the resubscription of its
   * replacement, this is false. Safe from any thread.
   */
  public boolean listening() {
    Object current = pg == null ? null : pg.actualConnection();
    return current != null && current == listeningOn;
  }

  /** Each channel's resubscription calls this; the later calls for the same connection do nothing. */
  private synchronized void resynced() {
    Object current = pg.actualConnection();
    if (current != null && current != listeningOn) {
      // the handlers first (caches empty themselves), then notifications count as heard again
      resyncHandlers.forEach(Runnable::run);
      listeningOn = current;
      LOG.debug("listening to {} channel(s) on a new connection", handlers.size());
    }
  }
}
