package dev.hmd.api;

import dev.hmd.db.Database;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.sqlclient.Pool;

/** The HTTP face of the service: REST, SSE, the dashboard, health and metrics. */
public final class ApiVerticle extends VerticleBase {

  private final int port;
  private final Pool pool;
  private final PrometheusMeterRegistry registry;
  private final String schemaVersion;
  private HttpServer server;

  public ApiVerticle(int port, Pool pool, PrometheusMeterRegistry registry, String schemaVersion) {
    this.port = port;
    this.pool = pool;
    this.registry = registry;
    this.schemaVersion = schemaVersion;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/health/live").handler(this::live);
    router.get("/health/ready").handler(this::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    router.get("/*").handler(StaticHandler.create("webroot"));

    router.route().failureHandler(Problems::handle);
    for (int status : new int[] {400, 401, 403, 404, 405, 413, 415}) {
      router.errorHandler(status, Problems::handle);
    }
    return vertx.createHttpServer()
      .requestHandler(router)
      .listen(port)
      .onSuccess(s -> server = s);
  }

  /** The port actually bound (useful when configured with 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private void live(RoutingContext ctx) {
    ctx.json(new JsonObject().put("status", "up"));
  }

  private void ready(RoutingContext ctx) {
    Database.ready(pool, schemaVersion)
      .recover(err -> Future.succeededFuture(false))
      .onSuccess(ok -> ctx.response()
        .setStatusCode(ok ? 200 : 503)
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject()
          .put("status", ok ? "ready" : "not ready")
          .put("database", ok ? "up" : "down or schema behind")
          .put("schemaVersion", schemaVersion).encode()));
  }
}
