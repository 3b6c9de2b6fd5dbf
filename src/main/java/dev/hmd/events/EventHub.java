package dev.hmd.events;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans committed events out to the live streams of this process. Postgres NOTIFY (sent in the
 * transaction that appended the events, so on commit) says "tenant T has events up to N"; the
 * hub reads them from the table once per tenant and hands them to every subscriber of that
 * tenant, in id order. The table is the truth: a missed notification is repaired by the next one,
 * by the resubscription after a reconnect, and by a periodic sweep.
 *
 * <p>Not thread-safe: create and use it on one event loop (the API verticle's).
 */
public final class EventHub {

  private static final Logger LOG = LoggerFactory.getLogger(EventHub.class);
  /** Rows read per query when catching up. */
  public static final int PAGE = 500;
  /** A safety net for lost notifications; normal delivery does not wait for it. */
  public static final long SWEEP_MILLIS = 5_000;

  /** Someone interested in a tenant's events. */
  public interface Subscriber {
    /** The tenant's next events, oldest first: all that one read found, so they can go out in one write. */
    void deliver(List<EventLog.Event> events);
  }

  private final class Feed {
    final String tenantId;
    final Set<Subscriber> subscribers = new LinkedHashSet<>();
    final Future<Void> ready;
    long deliveredUpTo;
    long knownHead;
    boolean reading;

    Feed(String tenantId) {
      this.tenantId = tenantId;
      this.ready = log.lastId(tenantId).map(last -> {
        deliveredUpTo = Math.max(deliveredUpTo, last);
        knownHead = Math.max(knownHead, last);
        return null;
      });
    }
  }

  /**
   * What the notifications say changed, for caches of this process. Called on the hub's event
   * loop, before the events are read and delivered.
   */
  public interface Changes {
    /** The tenant appended events: something of its releases changed. */
    void tenantChanged(String tenantId);

    /** An API key was revoked, or the sessions made from it ended ({@link #KEYS_CHANNEL}). */
    void keyRevoked(String keyId);

    /** The listening connection is (again) up: notifications sent while it was down are lost. */
    void resynced();
  }

  /** Revoking an API key, or ending its sessions, notifies its id on this channel, in the same transaction. */
  public static final String KEYS_CHANNEL = "hmd_keys";

  private static final Changes NO_CHANGES = new Changes() {
    @Override
    public void tenantChanged(String tenantId) {
    }

    @Override
    public void keyRevoked(String keyId) {
    }

    @Override
    public void resynced() {
    }
  };

  private final Vertx vertx;
  private final EventLog log;
  private final PgConnectOptions connectOptions;
  private final Map<String, Feed> feeds = new HashMap<>();
  private PgSubscriber pg;
  /** The connection whose LISTENs have taken effect; notifications can be trusted while it is the subscriber's. */
  private Object listeningOn;
  private Changes changes = NO_CHANGES;
  private long sweepTimer = -1;

  public EventHub(Vertx vertx, EventLog log, PgConnectOptions connectOptions) {
    this.vertx = vertx;
    this.log = log;
    this.connectOptions = connectOptions;
  }

  public Future<Void> start() {
    pg = PgSubscriber.subscriber(vertx, connectOptions)
      .reconnectPolicy(attempt -> Math.min(5_000L, 100L * (1L << Math.min(attempt, 6))));
    pg.channel(EventLog.CHANNEL)
      .handler(this::notified)
      .subscribeHandler(v -> {
        resynced();
        feeds.values().forEach(this::catchUp);
      });
    pg.channel(KEYS_CHANNEL)
      .handler(keyId -> changes.keyRevoked(keyId))
      .subscribeHandler(v -> resynced());
    sweepTimer = vertx.setPeriodic(SWEEP_MILLIS, id -> feeds.values().forEach(this::catchUp));
    return pg.connect();
  }

  /** Tells {@code listener} what the notifications say changed (one listener; set before {@link #start}). */
  public EventHub changes(Changes listener) {
    this.changes = listener;
    return this;
  }

  /**
   * Whether every notification sent from now on will be heard: the listening connection is up
   * and its LISTENs have taken effect. Between a lost connection and the resubscription of its
   * replacement, this is false.
   */
  public boolean listening() {
    Object current = pg == null ? null : pg.actualConnection();
    return current != null && current == listeningOn;
  }

  /** Each channel's resubscription calls this; the second call for the same connection does nothing. */
  private void resynced() {
    Object current = pg.actualConnection();
    if (current != null && current != listeningOn) {
      listeningOn = current;
      changes.resynced();
    }
  }

  public Future<Void> stop() {
    vertx.cancelTimer(sweepTimer);
    return pg == null ? Future.succeededFuture() : pg.close();
  }

  /**
   * Subscribes to a tenant's live events; completes once the hub knows where the tenant's stream
   * stands, after which every event committed later reaches {@code subscriber}. Events up to that
   * point must be replayed from the table by the subscriber itself (it drops duplicates by id).
   */
  public Future<Void> subscribe(String tenantId, Subscriber subscriber) {
    Feed feed = feeds.get(tenantId);
    if (feed == null || feed.ready.failed()) {
      feed = new Feed(tenantId);
      feeds.put(tenantId, feed);
    }
    feed.subscribers.add(subscriber);
    return feed.ready;
  }

  public void unsubscribe(String tenantId, Subscriber subscriber) {
    Feed feed = feeds.get(tenantId);
    if (feed != null) {
      feed.subscribers.remove(subscriber);
      if (feed.subscribers.isEmpty()) {
        feeds.remove(tenantId);
      }
    }
  }

  public int subscriberCount() {
    return feeds.values().stream().mapToInt(f -> f.subscribers.size()).sum();
  }

  /** Payload {@code tenantId:lastId}. */
  private void notified(String payload) {
    int colon = payload.lastIndexOf(':');
    if (colon < 0) {
      return;
    }
    String tenantId = payload.substring(0, colon);
    changes.tenantChanged(tenantId);
    Feed feed = feeds.get(tenantId);
    if (feed == null) {
      return;
    }
    try {
      feed.knownHead = Math.max(feed.knownHead, Long.parseLong(payload.substring(colon + 1)));
    } catch (NumberFormatException e) {
      return;
    }
    catchUp(feed);
  }

  /** Reads and delivers everything after what the feed delivered; one reader per feed at a time. */
  private void catchUp(Feed feed) {
    if (feed.reading || !feed.ready.succeeded()) {
      return;
    }
    feed.reading = true;
    log.after(feed.tenantId, null, feed.deliveredUpTo, PAGE).onComplete(result -> {
      feed.reading = false;
      if (result.failed()) {
        LOG.warn("reading events of tenant {} failed: {}", feed.tenantId, result.cause().getMessage());
        return;
      }
      List<EventLog.Event> events = result.result();
      if (!events.isEmpty()) {
        feed.deliveredUpTo = events.get(events.size() - 1).id();
        for (Subscriber s : new ArrayList<>(feed.subscribers)) {
          s.deliver(events);
        }
      }
      feed.knownHead = Math.max(feed.knownHead, feed.deliveredUpTo);
      if (!events.isEmpty() && (events.size() == PAGE || feed.knownHead > feed.deliveredUpTo)) {
        catchUp(feed);
      }
    });
  }
}
