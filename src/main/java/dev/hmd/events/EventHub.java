package dev.hmd.events;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans committed events out to the live streams of one API instance. Postgres NOTIFY (sent in the
 * transaction that appended the events, so on commit, and heard through the process's
 * {@link ChangeFeed}) says "tenant T has events up to N"; the hub reads them from the table once
 * per tenant and hands them to every subscriber of that tenant, in id order. The table is the truth: a missed
 * notification is repaired by the next one,
 * by the resubscription after a reconnect, and by a periodic sweep.
 *
 * <p>Not thread-safe: create and use it on one event loop (its API instance's).
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
  private final ChangeFeed changes;
  private final Map<String, Feed> feeds = new HashMap<>();
  private Runnable unlisten = () -> { };
  private Runnable unresync = () -> { };
  private long sweepTimer = -1;

  public EventHub(Vertx vertx, EventLog log, ChangeFeed changes) {
    this.vertx = vertx;
    this.log = log;
    this.changes = changes;
  }

  /** Starts hearing the process's notifications, on the caller's event loop. */
  public Future<Void> start() {
    Context context = vertx.getOrCreateContext();
    unlisten = changes.listen(EventLog.CHANNEL, payload -> context.runOnContext(v -> notified(payload)));
    unresync = changes.onResync(() -> context.runOnContext(v -> feeds.values().forEach(this::catchUp)));
    sweepTimer = vertx.setPeriodic(SWEEP_MILLIS, id -> feeds.values().forEach(this::catchUp));
    return Future.succeededFuture();
  }

  public Future<Void> stop() {
    vertx.cancelTimer(sweepTimer);
    unlisten.run();
    unresync.run();
    return Future.succeededFuture();
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
        LOG.warn("reading events of tenant {} failed; the next notification or sweep reads them", feed.tenantId,
          result.cause());
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
