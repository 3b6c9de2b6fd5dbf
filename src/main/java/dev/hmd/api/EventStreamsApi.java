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
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-sent events from the events table: {@code GET /v1/events} (every release of the tenant)
 * and {@code GET /v1/releases/{id}/events}. A stream first replays from the table what comes
 * after {@code Last-Event-ID} (header or {@code lastEventId} query parameter), then continues
 * live from the {@link EventHub}; live events that arrive during the replay are held and sent
 * after it, skipping what the replay already sent, so there is no gap and no duplicate. Without
 * {@code Last-Event-ID} a release stream replays the release's whole history (it is short and
 * makes a watcher complete); the tenant stream starts with what happens next.
 *
 * <p>A key may hold {@code HMD_SSE_MAX_STREAMS_PER_KEY} streams and a tenant
 * {@code HMD_SSE_MAX_STREAMS_PER_TENANT} on this process; more are a 429. A stream remembers the
 * key (and session) it was opened with, and ends when that key is revoked or that session signed
 * out, on whichever process it runs.
 */
public final class EventStreamsApi {

  private static final Logger LOG = LoggerFactory.getLogger(EventStreamsApi.class);

  /** Sent first: how long a browser waits before reconnecting. */
  public static final long RETRY_MILLIS = 2_000;
  /** The reconnect hint sent as a stream is closed on shutdown: soon, to another replica. */
  public static final long SHUTDOWN_RETRY_MILLIS = 500;
  /** Bytes queued for a client before it counts as too slow and is disconnected (it resumes with Last-Event-ID). */
  public static final int MAX_QUEUED_BYTES = 256 * 1024;
  /** Live events held while a stream replays; beyond this the stream is closed and resumes later. */
  public static final int MAX_HELD_EVENTS = 10_000;
  /** What a stream refused for a limit is told to wait: streams end when their clients go. */
  public static final int LIMIT_RETRY_AFTER_SECONDS = 10;
  /**
   * How often every stream's key is checked again, besides the notifications that end a revoked
   * key's streams at once: the bound for a stream that opened while its key was being revoked.
   */
  public static final long RECHECK_MILLIS = 30_000;

  private final Vertx vertx;
  private final long heartbeatMillis;
  private final EventLog log;
  private final EventHub hub;
  private final ReleaseRepository releases;
  private final Set<Stream> streams = new HashSet<>();
  private final Limits limits;
  /**
   * Of some key ids, the active ones with their generation of sessions: what a stream's credentials must still match.
   */
  private final Function<Collection<String>, Future<Map<String, Integer>>> activeKeys;
  private final long recheckTimer;
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

  /** Open streams per key and per tenant, counted for the whole process (every API instance shares one). */
  public static final class Limits {
    private final int maxPerKey;
    private final int maxPerTenant;
    private final Map<String, Integer> perKey = new HashMap<>();
    private final Map<String, Integer> perTenant = new HashMap<>();

    public Limits(int maxPerKey, int maxPerTenant) {
      this.maxPerKey = maxPerKey;
      this.maxPerTenant = maxPerTenant;
    }

    /** Counts a stream in, or says why not. */
    synchronized ApiException tryOpen(String tenantId, String keyId) {
      if (perKey.getOrDefault(keyId, 0) >= maxPerKey) {
        return ApiException.tooManyRequests(LIMIT_RETRY_AFTER_SECONDS, "this API key has " + maxPerKey
          + " event streams open, the most it may have here; close one first");
      }
      if (perTenant.getOrDefault(tenantId, 0) >= maxPerTenant) {
        return ApiException.tooManyRequests(LIMIT_RETRY_AFTER_SECONDS, "the tenant has " + maxPerTenant
          + " event streams open, the most it may have here; close one first");
      }
      perKey.merge(keyId, 1, Integer::sum);
      perTenant.merge(tenantId, 1, Integer::sum);
      return null;
    }

    synchronized void closed(String tenantId, String keyId) {
      perKey.computeIfPresent(keyId, (k, n) -> n > 1 ? n - 1 : null);
      perTenant.computeIfPresent(tenantId, (t, n) -> n > 1 ? n - 1 : null);
    }
  }

  public EventStreamsApi(Vertx vertx, Duration heartbeat, EventLog log, EventHub hub, ReleaseRepository releases,
                         Meters meters, Limits limits, Function<Collection<String>, Future<Map<String,
                           Integer>>> activeKeys) {
    this.vertx = vertx;
    this.activeKeys = activeKeys;
    this.limits = limits;
    this.heartbeatMillis = heartbeat.toMillis();
    this.log = log;
    this.hub = hub;
    this.releases = releases;
    this.clients = meters.clients();
    this.sent = meters.sent();
    this.dropped = meters.dropped();
    this.recheckTimer = vertx.setPeriodic(RECHECK_MILLIS, id -> recheckAll());
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

  /**
   * A key was revoked, or its sessions ended (a notification on {@code hmd_keys}, heard by every
   * process): its streams that no longer hold end now. Streams opened with the key itself end
   * when it is revoked; streams opened with one of its sessions also when that session ends.
   */
  public void keyChanged(String keyId) {
    if (streams.stream().anyMatch(s -> s.keyId.equals(keyId))) {
      recheck(Set.of(keyId));
    }
  }

  /** Checks every stream's key again (after the listening connection was down, and every {@link #RECHECK_MILLIS}). */
  public void recheckAll() {
    Set<String> keyIds = new HashSet<>();
    streams.forEach(s -> keyIds.add(s.keyId));
    if (!keyIds.isEmpty()) {
      recheck(keyIds);
    }
  }

  private void recheck(Set<String> keyIds) {
    activeKeys.apply(keyIds)
      .onSuccess(active -> new ArrayList<>(streams).forEach(s -> {
        if (!keyIds.contains(s.keyId)) {
          return;
        }
        Integer generation = active.get(s.keyId);
        if (generation == null || (s.sessionGeneration != Principal.NO_SESSION && s.sessionGeneration != generation)) {
          s.close(false);
        }
      }))
      .onFailure(err -> LOG.warn("checking the keys of {} event stream(s) failed", keyIds.size(), err));
  }

  /** Ends every stream with a last retry hint (on shutdown: clients reconnect to another process). */
  public void closeAll() {
    vertx.cancelTimer(recheckTimer);
    new ArrayList<>(streams).forEach(s -> {
      s.write("retry: " + SHUTDOWN_RETRY_MILLIS + "\n\n");
      s.close(false);
    });
  }

  private void open(RoutingContext ctx, String tenantId, String releaseId, Long after) {
    Principal principal = Principal.of(ctx);
    String keyId = principal.keyId();
    ApiException refused = limits.tryOpen(tenantId, keyId);
    if (refused != null) {
      ctx.fail(refused);
      return;
    }
    HttpServerResponse response = ctx.response()
      .setChunked(true)
      .setWriteQueueMaxSize(MAX_QUEUED_BYTES)
      .putHeader("Content-Type", "text/event-stream; charset=utf-8")
      .putHeader("Cache-Control", "no-cache, no-transform")
      .putHeader("X-Accel-Buffering", "no");
    Stream stream = new Stream(response, tenantId, keyId, principal.sessionGeneration(), releaseId);
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
    final String keyId;
    /** The generation of the session it was opened with, or {@link Principal#NO_SESSION}. */
    final int sessionGeneration;
    final String releaseId;
    final List<EventLog.Event> held = new ArrayList<>();
    long lastSent;
    boolean live;
    boolean closed;
    long heartbeat = -1;

    Stream(HttpServerResponse response, String tenantId, String keyId, int sessionGeneration, String releaseId) {
      this.response = response;
      this.tenantId = tenantId;
      this.keyId = keyId;
      this.sessionGeneration = sessionGeneration;
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
      limits.closed(tenantId, keyId);
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
