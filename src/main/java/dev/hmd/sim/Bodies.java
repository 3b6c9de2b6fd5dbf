package dev.hmd.sim;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RequestBody;
import io.vertx.ext.web.RoutingContext;

/** Reads a request body as a JSON object without ever letting bad input become a 500. */
final class Bodies {

  private Bodies() {
  }

  /**
   * The body as a JSON object; null when it is not one (malformed, an array, a bare value), or
   * when it is empty and {@code emptyIsObject} is false.
   */
  static JsonObject object(RoutingContext ctx, boolean emptyIsObject) {
    RequestBody body = ctx.body();
    if (body == null || body.isEmpty() || body.asString().isBlank()) {
      return emptyIsObject ? new JsonObject() : null;
    }
    try {
      return body.asJsonObject();
    } catch (DecodeException | ClassCastException | IllegalStateException e) {
      return null;
    }
  }
}
