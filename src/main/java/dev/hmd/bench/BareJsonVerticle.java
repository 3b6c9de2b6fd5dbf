package dev.hmd.bench;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * The yardstick for the API benchmark: Vert.x Web answering a JSON document of the same shape and
 * size as a release, encoded per request, with no authentication and no database; and the same
 * document encoded once, which is what a cached release view costs to send. The service's
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
    // the same document encoded once: what the API's cached views cost to send, with nothing else
    Buffer encoded = document.toBuffer();
    router.get("/bare-encoded/releases/:id").handler(ctx -> ctx.response()
      .putHeader("Content-Type", "application/json").end(encoded));
    return vertx.createHttpServer().requestHandler(router).listen(0).onSuccess(s -> server = s);
  }

  int port() {
    return server.actualPort();
  }
}
