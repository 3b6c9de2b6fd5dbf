package dev.hmd.cloudflare;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real HTTP server on a free port that answers the way Cloudflare does, with answers each test
 * scripts per route, and a record of every request it received (with its arrival time) so tests
 * can check bodies, attempts and timing from the server's side.
 */
final class StubCloudflare implements AutoCloseable {

  static final String PREFIX = "/client/v4";

  /** A request as the server saw it; {@code attempt} counts requests to the same method and path, from 1. */
  record Received(HttpMethod method, String path, Map<String, String> query, String authorization, JsonObject body,
                  long arrivedNanos, int attempt) {
  }

  /** What to answer; {@code hang} answers nothing at all. */
  record Reply(int status, Map<String, String> headers, String body, boolean hang) {

    static Reply json(int status, JsonObject body) {
      return new Reply(status, Map.of(), body.encode(), false);
    }

    static Reply silence() {
      return new Reply(0, Map.of(), null, true);
    }

    Reply withHeader(String name, String value) {
      Map<String, String> all = new java.util.HashMap<>(headers);
      all.put(name, value);
      return new Reply(status, Map.copyOf(all), body, hang);
    }
  }

  private final HttpServer server;
  private final Map<String, Function<Received, Reply>> routes = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();

  private StubCloudflare(Vertx vertx) {
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create());
    router.route().handler(this::answer);
    this.server = vertx.createHttpServer().requestHandler(router).listen(0).await();
  }

  static StubCloudflare start(Vertx vertx) {
    return new StubCloudflare(vertx);
  }

  String baseUrl() {
    return "http://localhost:" + server.actualPort() + PREFIX;
  }

  /** Answers {@code method path} (path under {@code /client/v4}) with {@code responder}, replacing any previous one. */
  void on(HttpMethod method, String path, Function<Received, Reply> responder) {
    routes.put(method.name() + " " + PREFIX + path, responder);
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  List<Received> received(HttpMethod method, String path) {
    return received.stream().filter(r -> r.method().equals(method) && r.path().equals(PREFIX + path)).toList();
  }

  void reset() {
    routes.clear();
    attempts.clear();
    received.clear();
  }

  @Override
  public void close() {
    server.close().await();
  }

  private void answer(RoutingContext ctx) {
    long arrived = System.nanoTime();
    String key = ctx.request().method().name() + " " + ctx.request().path();
    Map<String, String> query = new java.util.HashMap<>();
    ctx.queryParams().forEach(e -> query.put(e.getKey(), e.getValue()));
    JsonObject body = ctx.body().length() > 0 ? ctx.body().asJsonObject() : null;
    int attempt = attempts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    Received request = new Received(ctx.request().method(), ctx.request().path(), Map.copyOf(query),
      ctx.request().getHeader("Authorization"), body, arrived, attempt);
    received.add(request);
    Function<Received, Reply> responder = routes.get(key);
    Reply reply = responder == null
      ? Reply.json(404, failure(7003, "No route for that URI"))
      : responder.apply(request);
    if (reply.hang()) {
      return;
    }
    var response = ctx.response().setStatusCode(reply.status()).putHeader("Content-Type", "application/json");
    reply.headers().forEach(response::putHeader);
    response.end(reply.body() == null ? "" : reply.body());
  }

  // ---- Cloudflare's shapes

  static JsonObject success(Object result) {
    return new JsonObject().put("success", true).put("errors", new JsonArray()).put("messages", new JsonArray())
      .put("result", result);
  }

  static JsonObject success(Object result, JsonObject resultInfo) {
    return success(result).put("result_info", resultInfo);
  }

  static JsonObject failure(int code, String message) {
    return new JsonObject().put("success", false)
      .put("errors", new JsonArray().add(new JsonObject().put("code", code).put("message", message)))
      .put("messages", new JsonArray()).putNull("result");
  }

  static JsonObject version(String id, int number, String createdOn, String message) {
    return new JsonObject()
      .put("id", id)
      .put("number", number)
      .put("metadata", new JsonObject().put("author_email", "dev@example.com").put("author_id", "a1")
        .put("created_on", createdOn).put("modified_on", createdOn).put("source", "wrangler").put("hasPreview", false))
      .put("annotations", new JsonObject().put("workers/message", message).put("workers/tag", "v" + number)
        .put("workers/triggered_by", "upload"));
  }

  static JsonObject deployment(String id, String createdOn, String message, Object... versionAndPercentage) {
    JsonArray versions = new JsonArray();
    for (int i = 0; i < versionAndPercentage.length; i += 2) {
      versions.add(new JsonObject().put("version_id", versionAndPercentage[i])
        .put("percentage", versionAndPercentage[i + 1]));
    }
    JsonObject deployment = new JsonObject().put("id", id).put("created_on", createdOn).put("source", "api")
      .put("strategy", "percentage").put("versions", versions).put("author_email", "ops@example.com");
    if (message != null) {
      deployment.put("annotations", new JsonObject().put("workers/message", message)
        .put("workers/triggered_by", "deployment"));
    }
    return deployment;
  }
}
