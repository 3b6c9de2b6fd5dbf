package dev.hmd.bench;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * The yardstick for the API benchmark: Vert.x Web answering a JSON document of the same shape and
 * size as a release, encoded per request, with no authentication and no database. The service's
 * {@code GET /v1/releases/{id}} does the same plus an API-key lookup and a release read.
 */
final class BareJsonVerticle extends VerticleBase {

  private final JsonObject document;
  private HttpServer server;

  BareJsonVerticle(JsonObject document) {
    this.document = document;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/bare/releases/:id").handler(ctx -> ctx.json(document.copy().put("id", ctx.pathParam("id"))));
    return vertx.createHttpServer().requestHandler(router).listen(0).onSuccess(s -> server = s);
  }

  int port() {
    return server.actualPort();
  }
}
