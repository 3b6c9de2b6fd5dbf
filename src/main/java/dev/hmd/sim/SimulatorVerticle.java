package dev.hmd.sim;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * A faithful Cloudflare API simulator: Workers versions, deployments and telemetry under
 * {@code /client/v4}, the controls that shape them under {@code /sim}, and the Workers themselves
 * under {@code /sim/edge}. See docs/simulator.md.
 */
public final class SimulatorVerticle extends VerticleBase {

  private final int port;
  private final SimOptions options;
  private HttpServer server;
  private long tickTimer = -1;

  public SimulatorVerticle(int port) {
    this(port, SimOptions.defaults());
  }

  public SimulatorVerticle(int port, SimOptions options) {
    this.port = port;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    SimWorld world = new SimWorld(options);
    Router router = Router.router(vertx);
    router.route("/client/v4/*").subRouter(new CloudflareApi(vertx, world).router());
    // Before /sim/*: the Workers themselves, with no control semantics (any method, any path).
    router.route("/sim/edge/*").subRouter(new EdgeApi(vertx, world).router());
    router.route("/sim/*").subRouter(new ControlApi(vertx, world).router());
    router.route().handler(ctx -> ctx.response().setStatusCode(404).putHeader("content-type", "application/json")
      .end(new JsonObject().put("error", "not found: use /client/v4 or /sim").encode()));
    // Traffic is generated ahead of queries so that a query mostly reads finished minutes.
    tickTimer = vertx.setPeriodic(options.tickInterval().toMillis(),
      id -> vertx.executeBlocking(() -> {
        world.tick();
        return null;
      }, true));
    return vertx.createHttpServer()
      .requestHandler(router)
      .listen(port)
      .onSuccess(listening -> server = listening);
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(tickTimer);
    return server == null ? Future.succeededFuture() : server.close();
  }

  public int actualPort() {
    return server.actualPort();
  }
}
