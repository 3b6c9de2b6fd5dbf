package dev.hmd.api;

import dev.hmd.http.ClientAddress;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keeps connections from holding the server without sending requests (Vert.x's idle timeout only
 * notices silence; a client that trickles a byte at a time is never silent):
 * <ul>
 *   <li>a request's head must arrive in full within the read timeout of the connection opening
 *   (or within the idle timeout of the previous response: the keep-alive wait), and its body
 *   within the read timeout of the head, else the connection is closed;</li>
 *   <li>at most {@code maxPerAddress} connections from one client address; more are closed as
 *   they open.</li>
 * </ul>
 * A response that takes long (an event stream) is no request being read: nothing here times it;
 * its heartbeat keeps it clear of the idle timeout.
 *
 * <p>One per API instance, on its event loop; only the counts per address are shared by all instances.
 */
final class ConnectionGuard {

  private final Vertx vertx;
  private final long readTimeoutMillis;
  private final long idleTimeoutMillis;
  private final int maxPerAddress;
  private final Map<HttpConnection, State> connections = new IdentityHashMap<>();
  /** Open connections per client address, shared by the API instances of the process (a concurrent map). */
  private final Map<String, Integer> perAddress;
  private final Counter refused;
  private final Counter timedOut;

  /** What a connection's deadline waits for. */
  private enum Wait { NOTHING, HEAD, BODY, NEXT_REQUEST }

  /** One connection: its client, what it waits for and until when, and the requests it has in flight. */
  private static final class State {
    final String address;
    Wait wait = Wait.NOTHING;
    /** {@link System#nanoTime} by which the awaited part must have come. */
    long deadline;
    int inFlight;
    /** Requests that came on the connection, the last one's number is whose body a BODY wait is for. */
    long requests;
    /** Whether a request came: after one, a quiet connection is an idle keep-alive, not a slow request. */
    boolean served;

    State(String address) {
      this.address = address;
    }

    void await(Wait what, long millis) {
      wait = what;
      deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }
  }

  ConnectionGuard(Vertx vertx, Duration readTimeout, Duration idleTimeout, int maxPerAddress,
                  Map<String, Integer> perAddress, MeterRegistry registry) {
    this.vertx = vertx;
    this.perAddress = perAddress;
    this.readTimeoutMillis = readTimeout.toMillis();
    this.idleTimeoutMillis = idleTimeout.toMillis();
    this.maxPerAddress = maxPerAddress;
    this.refused = Counter.builder("hmd.http.connections.refused")
      .description("connections closed as they opened: their client address had the most it may have")
      .register(registry);
    this.timedOut = Counter.builder("hmd.http.requests.timed.out")
      .description("connections closed because a request's head or body did not arrive in time (idle keep-alive "
        + "connections closed after the idle timeout are not counted)").register(registry);
  }

  /**
   * Starts the sweep that closes the connections past their deadline, on the calling verticle's
   * event loop (and stopped with it). Deadlines are kept as numbers and swept, a tenth of the
   * shorter timeout apart (50 ms to 1 s), instead of a timer set and cancelled per request: a
   * timeout fires up to one sweep late.
   */
  void start() {
    long period = Math.max(50, Math.min(1000, Math.min(readTimeoutMillis, idleTimeoutMillis) / 10));
    vertx.setPeriodic(period, id -> sweep());
  }

  /** {@code HttpServer#connectionHandler}. */
  void connected(HttpConnection connection) {
    State state = new State(ClientAddress.of(connection.remoteAddress()));
    connections.put(connection, state);
    int open = perAddress.merge(state.address, 1, Integer::sum);
    connection.closeHandler(v -> closed(connection));
    if (maxPerAddress > 0 && open > maxPerAddress) {
      refused.increment();
      connection.close();
      return;
    }
    state.await(Wait.HEAD, readTimeoutMillis);
  }

  /** Wraps the router: a request's head has arrived; its body must follow in time. */
  Handler<HttpServerRequest> requests(Handler<HttpServerRequest> next) {
    return request -> {
      State state = connections.get(request.connection());
      if (state != null) {
        state.inFlight++;
        state.served = true;
        long number = ++state.requests;
        state.await(Wait.BODY, readTimeoutMillis);
        request.end().onComplete(done -> {
          if (state.wait == Wait.BODY && state.requests == number) {
            // the response may take as long as it takes (an event stream): nothing times it
            state.wait = Wait.NOTHING;
          }
        });
      }
      next.handle(request);
    };
  }

  /** The router's first route: when the response ends, the next request has the idle timeout to come. */
  void route(RoutingContext ctx) {
    HttpConnection connection = ctx.request().connection();
    ctx.addEndHandler(done -> {
      State state = connections.get(connection);
      if (state != null && --state.inFlight == 0) {
        state.await(Wait.NEXT_REQUEST, idleTimeoutMillis);
      }
    });
    ctx.next();
  }

  private void sweep() {
    long now = System.nanoTime();
    List<HttpConnection> late = null;
    for (Map.Entry<HttpConnection, State> e : connections.entrySet()) {
      State state = e.getValue();
      if (state.wait == Wait.NOTHING || now - state.deadline < 0) {
        continue;
      }
      if (state.wait == Wait.NEXT_REQUEST && state.inFlight > 0) {
        continue;
      }
      if (state.wait != Wait.NEXT_REQUEST || !state.served) {
        timedOut.increment();
      }
      state.wait = Wait.NOTHING;
      if (late == null) {
        late = new ArrayList<>();
      }
      late.add(e.getKey());
    }
    if (late != null) {
      // closing runs close handlers that change the map: not while iterating it
      late.forEach(HttpConnection::close);
    }
  }

  private void closed(HttpConnection connection) {
    State state = connections.remove(connection);
    if (state == null) {
      return;
    }
    perAddress.computeIfPresent(state.address, (address, n) -> n > 1 ? n - 1 : null);
  }
}
