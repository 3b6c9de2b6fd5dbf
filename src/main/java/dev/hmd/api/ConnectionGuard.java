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
import java.util.IdentityHashMap;
import java.util.Map;

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

  /** One connection: its client, its one timer, and the requests it has in flight. */
  private static final class State {
    final String address;
    long timer = -1;
    int inFlight;
    /** Whether a request came: after one, a quiet connection is an idle keep-alive, not a slow request. */
    boolean served;

    State(String address) {
      this.address = address;
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
    awaitHead(connection, state, readTimeoutMillis);
  }

  /** Wraps the router: a request's head has arrived; its body must follow in time. */
  Handler<HttpServerRequest> requests(Handler<HttpServerRequest> next) {
    return request -> {
      HttpConnection connection = request.connection();
      State state = connections.get(connection);
      if (state != null) {
        state.inFlight++;
        state.served = true;
        cancel(state);
        long timer = vertx.setTimer(readTimeoutMillis, id -> {
          state.timer = -1;
          timedOut.increment();
          connection.close();
        });
        state.timer = timer;
        request.end().onComplete(done -> {
          if (state.timer == timer) {
            cancel(state);
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
        awaitHead(connection, state, idleTimeoutMillis);
      }
    });
    ctx.next();
  }

  private void awaitHead(HttpConnection connection, State state, long millis) {
    cancel(state);
    state.timer = vertx.setTimer(millis, id -> {
      state.timer = -1;
      if (state.inFlight == 0) {
        if (!state.served) {
          timedOut.increment();
        }
        connection.close();
      }
    });
  }

  private void cancel(State state) {
    if (state.timer >= 0) {
      vertx.cancelTimer(state.timer);
      state.timer = -1;
    }
  }

  private void closed(HttpConnection connection) {
    State state = connections.remove(connection);
    if (state == null) {
      return;
    }
    cancel(state);
    perAddress.computeIfPresent(state.address, (address, n) -> n > 1 ? n - 1 : null);
  }
}
