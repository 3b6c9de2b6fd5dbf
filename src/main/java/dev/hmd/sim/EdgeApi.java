package dev.hmd.sim;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The simulated Workers themselves, under {@code /sim/edge/{accountId}/{script}/{path...}}: what a
 * smoke test reaches with {@code Cloudflare-Workers-Version-Overrides}. Any method and path is
 * served alike; no token is needed (a Worker is public), and the faults of the Cloudflare API do
 * not apply (they are faults of the API, not of the Worker). Each request is one invocation in the
 * telemetry.
 */
final class EdgeApi {

  static final String OVERRIDES_HEADER = "Cloudflare-Workers-Version-Overrides";
  /** Simulator-only, so that tests can see which version answered; Cloudflare sends nothing like it. */
  static final String VERSION_HEADER = "x-sim-version";
  /** [U] what a simulated failing Worker says in its body. */
  private static final String EXCEPTION_MESSAGE = "simulated exception";
  private static final String SERVER_ERROR_MESSAGE = "simulated server error";
  private static final long MAX_BODY_BYTES = 1024 * 1024;

  private final Vertx vertx;
  private final SimWorld world;

  EdgeApi(Vertx vertx, SimWorld world) {
    this.vertx = vertx;
    this.world = world;
  }

  Router router() {
    Router router = Router.router(vertx);
    // Read (and bound) whatever body comes, so that answering never races an unread upload.
    router.route().handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));

    router.route("/:accountId/:script").handler(this::invoke);
    router.route("/:accountId/:script/*").handler(this::invoke);

    router.route().handler(ctx -> {
      throw ControlException.notFound("no Worker at " + ctx.request().path()
        + ": use /sim/edge/{accountId}/{script}/...");
    });
    router.route().failureHandler(ControlApi::failure);
    return router;
  }

  private void invoke(RoutingContext ctx) {
    String accountId = ctx.pathParam("accountId");
    String script = ctx.pathParam("script");
    SimWorker worker = world.worker(accountId, script)
      .orElseThrow(() -> ControlException.notFound("no Worker " + script + " in account " + accountId));
    String override = VersionOverrides.parse(ctx.request().headers().getAll(OVERRIDES_HEADER)).get(script);
    SimWorker.EdgeAnswer answer = worker.serveEdge(override, world.now(), world.faults().overridePropagationSeconds());
    JsonObject body = new JsonObject().put("versionId", answer.version().id);
    switch (answer.outcome()) {
      case EXCEPTION -> body.put("error", EXCEPTION_MESSAGE);
      case SERVER_ERROR -> body.put("error", SERVER_ERROR_MESSAGE);
      case OK -> { }
    }
    ctx.response()
      .setStatusCode(answer.outcome().status)
      .putHeader("content-type", "application/json")
      .putHeader(VERSION_HEADER, answer.version().id)
      .end(body.encode());
  }
}
