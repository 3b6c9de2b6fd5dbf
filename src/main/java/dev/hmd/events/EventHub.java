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

  private final Vertx vertx;
  private final EventLog log;
  private final PgConnectOptions connectOptions;
  private final Map<String, Feed> feeds = new HashMap<>();
  private PgSubscriber pg;
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
      .subscribeHandler(v -> feeds.values().forEach(this::catchUp));
    sweepTimer = vertx.setPeriodic(SWEEP_MILLIS, id -> feeds.values().forEach(this::catchUp));
    return pg.connect();
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
    Feed feed = feeds.get(payload.substring(0, colon));
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
