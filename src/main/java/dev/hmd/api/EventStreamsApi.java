package dev.hmd.api;

import dev.hmd.events.EventHub;
import dev.hmd.events.EventLog;
import dev.hmd.http.ApiException;
import dev.hmd.releases.ReleaseRepository;
import dev.hmd.tenancy.Principal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Server-sent events from the events table: {@code GET /v1/events} (every release of the tenant)
 * and {@code GET /v1/releases/{id}/events}. A stream first replays from the table what comes
 * after {@code Last-Event-ID} (header or {@code lastEventId} query parameter), then continues
 * live from the {@link EventHub}; live events that arrive during the replay are held and sent
 * after it, skipping what the replay already sent, so there is no gap and no duplicate. Without
 * {@code Last-Event-ID} a release stream replays the release's whole history (it is short and
 * makes a watcher complete); the tenant stream starts with what happens next.
 */
public final class EventStreamsApi {

  /** Sent first: how long a browser waits before reconnecting. */
  public static final long RETRY_MILLIS = 2_000;
  /** The reconnect hint sent as a stream is closed on shutdown: soon, to another replica. */
  public static final long SHUTDOWN_RETRY_MILLIS = 500;
  /** Bytes queued for a client before it counts as too slow and is disconnected (it resumes with Last-Event-ID). */
  public static final int MAX_QUEUED_BYTES = 256 * 1024;
  /** Live events held while a stream replays; beyond this the stream is closed and resumes later. */
  public static final int MAX_HELD_EVENTS = 10_000;

  private final Vertx vertx;
  private final long heartbeatMillis;
  private final EventLog log;
  private final EventHub hub;
  private final ReleaseRepository releases;
  private final Set<Stream> streams = new HashSet<>();
  private final AtomicInteger clients;
  private final Counter sent;
  private final Counter dropped;
  private List<EventLog.Event> lastFramed;
  private Buffer lastFrame;

  /** The streams' meters, one set per process for all API instances. */
  public record Meters(AtomicInteger clients, Counter sent, Counter dropped) {
    public static Meters register(MeterRegistry registry) {
      AtomicInteger clients = new AtomicInteger();
      Gauge.builder("hmd.sse.clients", clients, AtomicInteger::get).description("open SSE streams").register(registry);
      return new Meters(clients,
        Counter.builder("hmd.sse.events.sent").description("events written to SSE streams").register(registry),
        Counter.builder("hmd.sse.connections.dropped")
          .description("SSE streams closed because the client read too slowly").register(registry));
    }
  }

  public EventStreamsApi(Vertx vertx, Duration heartbeat, EventLog log, EventHub hub, ReleaseRepository releases,
                         Meters meters) {
    this.vertx = vertx;
    this.heartbeatMillis = heartbeat.toMillis();
    this.log = log;
    this.hub = hub;
    this.releases = releases;
    this.clients = meters.clients();
    this.sent = meters.sent();
    this.dropped = meters.dropped();
  }

  /** {@code GET /v1/events}. */
  public void tenantStream(RoutingContext ctx) {
    open(ctx, Principal.of(ctx).tenantId(), null, lastEventId(ctx));
  }

  /** {@code GET /v1/releases/{id}/events}: 404 for an unknown release or another tenant's. */
  public void releaseStream(RoutingContext ctx) {
    String tenantId = Principal.of(ctx).tenantId();
    String releaseId = ctx.pathParam("id");
    Long after = lastEventId(ctx);
    releases.get(tenantId, releaseId)
      .onSuccess(found -> {
        if (found.isEmpty()) {
          ctx.fail(ApiException.notFound("no release " + releaseId));
        } else {
          open(ctx, tenantId, releaseId, after == null ? 0L : after);
        }
      })
      .onFailure(ctx::fail);
  }

  /** Ends every stream with a last retry hint (on shutdown: clients reconnect to another process). */
  public void closeAll() {
    new ArrayList<>(streams).forEach(s -> {
      s.write("retry: " + SHUTDOWN_RETRY_MILLIS + "\n\n");
      s.close(false);
    });
  }

  private void open(RoutingContext ctx, String tenantId, String releaseId, Long after) {
    HttpServerResponse response = ctx.response()
      .setChunked(true)
      .setWriteQueueMaxSize(MAX_QUEUED_BYTES)
      .putHeader("Content-Type", "text/event-stream; charset=utf-8")
      .putHeader("Cache-Control", "no-cache, no-transform")
      .putHeader("X-Accel-Buffering", "no");
    Stream stream = new Stream(response, tenantId, releaseId);
    streams.add(stream);
    clients.incrementAndGet();
    response.closeHandler(v -> stream.close(false));
    response.write("retry: " + RETRY_MILLIS + "\n\n");
    stream.heartbeat = vertx.setPeriodic(heartbeatMillis, id -> stream.write(": keep-alive\n\n"));
    hub.subscribe(tenantId, stream)
      .compose(v -> after != null ? Future.succeededFuture(after) : log.lastId(tenantId))
      .onSuccess(start -> {
        stream.lastSent = start;
        stream.replay();
      })
      .onFailure(err -> stream.close(false));
  }

  /**
   * The events as SSE frames in one buffer, encoded once for all the streams they go to: the hub
   * hands the same list to every stream of the tenant in turn, so remembering the last one
   * encoded is enough. (Encoding per stream was most of the fan-out's CPU at thousands of
   * streams.) A written Buffer is sliced, so one instance can go to many responses.
   */
  private Buffer frames(List<EventLog.Event> events) {
    if (events != lastFramed) {
      lastFramed = events;
      lastFrame = Buffer.buffer();
      events.forEach(event -> appendFrame(lastFrame, event));
    }
    return lastFrame;
  }

  private static Buffer appendFrame(Buffer buffer, EventLog.Event event) {
    return buffer.appendString("id: " + event.id() + "\nevent: " + event.type() + "\ndata: " + event.data().encode()
      + "\n\n");
  }

  private static Long lastEventId(RoutingContext ctx) {
    String raw = ctx.request().getHeader("Last-Event-ID");
    String field = "Last-Event-ID";
    if (raw == null || raw.isBlank()) {
      raw = ctx.queryParams().get("lastEventId");
      field = "lastEventId";
    }
    if (raw == null || raw.isBlank()) {
      return null;
    }
    try {
      long id = Long.parseLong(raw.trim());
      if (id >= 0) {
        return id;
      }
    } catch (NumberFormatException ignored) {
      // the 400 below
    }
    throw ApiException.invalid(field, "must be an event id this stream sent (a non-negative integer)");
  }

  private final class Stream implements EventHub.Subscriber {
    final HttpServerResponse response;
    final String tenantId;
    final String releaseId;
    final List<EventLog.Event> held = new ArrayList<>();
    long lastSent;
    boolean live;
    boolean closed;
    long heartbeat = -1;

    Stream(HttpServerResponse response, String tenantId, String releaseId) {
      this.response = response;
      this.tenantId = tenantId;
      this.releaseId = releaseId;
    }

    @Override
    public void deliver(List<EventLog.Event> events) {
      if (closed) {
        return;
      }
      if (!live) {
        held.addAll(events);
        if (held.size() > MAX_HELD_EVENTS) {
          drop();
        }
        return;
      }
      send(events, true);
      if (response.writeQueueFull()) {
        drop();
      }
    }

    /** Pages through the table after {@code lastSent}, pausing while the client's queue is full. */
    void replay() {
      if (closed) {
        return;
      }
      log.after(tenantId, releaseId, lastSent, EventHub.PAGE).onComplete(result -> {
        if (result.failed()) {
          close(false);
          return;
        }
        send(result.result(), false);
        if (result.result().size() == EventHub.PAGE) {
          if (response.writeQueueFull()) {
            response.drainHandler(v -> replay());
          } else {
            replay();
          }
          return;
        }
        live = true;
        send(held, false);
        held.clear();
      });
    }

    /**
     * Writes the events this stream has not sent and wants, in one write: when that is all of a
     * list the hub hands every stream ({@code shared}), the encoding made once for all of them,
     * else its own.
     */
    void send(List<EventLog.Event> events, boolean shared) {
      if (closed || events.isEmpty() || events.get(events.size() - 1).id() <= lastSent) {
        return;
      }
      int wanted = 0;
      boolean all = events.get(0).id() > lastSent;
      for (EventLog.Event event : events) {
        if (event.id() > lastSent && (releaseId == null || releaseId.equals(event.releaseId()))) {
          wanted++;
        } else {
          all = false;
        }
      }
      Buffer buffer;
      if (all && shared) {
        buffer = frames(events);
      } else {
        buffer = Buffer.buffer();
        for (EventLog.Event event : events) {
          if (event.id() > lastSent && (releaseId == null || releaseId.equals(event.releaseId()))) {
            appendFrame(buffer, event);
          }
        }
      }
      lastSent = events.get(events.size() - 1).id();
      if (wanted > 0) {
        response.write(buffer);
        sent.increment(wanted);
      }
    }

    void write(String frame) {
      if (!closed) {
        response.write(Buffer.buffer(frame));
      }
    }

    void drop() {
      dropped.increment();
      close(true);
    }

    void close(boolean reset) {
      if (closed) {
        return;
      }
      closed = true;
      streams.remove(this);
      clients.decrementAndGet();
      vertx.cancelTimer(heartbeat);
      hub.unsubscribe(tenantId, this);
      if (reset) {
        response.reset();
      } else if (!response.ended() && !response.closed()) {
        response.end();
      }
    }
  }
}
