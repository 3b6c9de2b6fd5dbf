package dev.hmd.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** The Cloudflare v4 envelope, for both the classic endpoints and the observability ones. */
final class CfResponses {

  private CfResponses() {
  }

  static void ok(RoutingContext ctx, Object result) {
    send(ctx, 200, envelope(result).put("success", true));
  }

  static void ok(RoutingContext ctx, Object result, JsonObject resultInfo) {
    send(ctx, 200, envelope(result).put("result_info", resultInfo));
  }

  static void fail(RoutingContext ctx, CfException error) {
    if (error.retryAfterSeconds > 0) {
      ctx.response().putHeader("retry-after", String.valueOf(error.retryAfterSeconds));
    }
    send(ctx, error.status, new JsonObject()
      .put("success", false)
      .put("errors", new JsonArray().add(error.toErrorItem()))
      .put("messages", new JsonArray())
      .put("result", null));
  }

  static void observabilityOk(RoutingContext ctx, JsonObject result) {
    send(ctx, 200, new JsonObject()
      .put("success", true)
      .put("errors", new JsonArray())
      .put("messages", new JsonArray().add(new JsonObject().put("message", "Successful request")))
      .put("result", result));
  }

  static void observabilityFail(RoutingContext ctx, ObservabilityException error) {
    send(ctx, error.status, new JsonObject()
      .put("success", false)
      .put("errors",
        new JsonArray().add(new JsonObject().put("message", "Bad Request").put("detail", error.getMessage())))
      .put("messages", new JsonArray()));
  }

  private static JsonObject envelope(Object result) {
    return new JsonObject()
      .put("success", true)
      .put("errors", new JsonArray())
      .put("messages", new JsonArray())
      .put("result", result);
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().headWritten()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
