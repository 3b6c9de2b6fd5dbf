package dev.hmd.sim;

import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;

/** {@code POST /accounts/{account_id}/workers/observability/telemetry/query}. */
final class TelemetryApi {

  private final Vertx vertx;
  private final SimWorld world;

  TelemetryApi(Vertx vertx, SimWorld world) {
    this.vertx = vertx;
    this.world = world;
  }

  /** Validates on the event loop; evaluates on a worker thread, since a query may read every Worker. */
  void query(RoutingContext ctx) {
    TelemetryQuery query = TelemetryQuery.parse(Bodies.object(ctx, false));
    String accountId = ctx.pathParam("accountId");
    long now = world.now();
    long lag = world.faults().telemetryLagSeconds();
    vertx.executeBlocking(() -> TelemetryEngine.run(query, accountId, world.workers(accountId), now, lag,
        world.retainFromSecond(now)), false)
      .onSuccess(result -> CfResponses.observabilityOk(ctx, result))
      .onFailure(ctx::fail);
  }
}
