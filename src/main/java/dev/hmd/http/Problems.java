package dev.hmd.http;

import dev.hmd.db.DatabaseFailures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one failure policy of the HTTP API: every 4xx/5xx leaves as problem+json. A database that
 * cannot be reached is a 503 with {@code Retry-After} (it comes back by itself), logged with its
 * cause and counted; other unexpected exceptions are logged once here and answered with a 500
 * that reveals nothing.
 */
public final class Problems {

  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
  public static final String CONTENT_TYPE = "application/problem+json";
  public static final String TYPE_BASE = "https://workers-hmd.dev/problems/";
  /** Every status the router or Vert.x itself may answer without a handler: each leaves as problem+json too. */
  public static final int[] ROUTER_STATUSES = {400, 401, 403, 404, 405, 406, 408, 411, 413, 414, 415, 417, 431, 500,
    501,
    502, 503, 505};

  private Problems() {
  }

  /** Seconds a client is asked to wait while the database is away. */
  public static final int UNAVAILABLE_RETRY_SECONDS = 5;

  /** The router-wide failure handler, counting database outages in {@code registry}. */
  public static Handler<RoutingContext> handler(MeterRegistry registry) {
    Counter unavailable = Counter.builder("hmd.database.unavailable")
      .description("API requests answered 503 because the database could not be reached").register(registry);
    return ctx -> {
      ApiException problem = toApiException(ctx);
      if (problem.status() == 503 && ctx.failure() != null && !(ctx.failure() instanceof ApiException)) {
        unavailable.increment();
      }
      write(ctx, problem);
    };
  }

  /** For 4xx answers made by the router itself (404, 405, 413...). */
  public static void handle(RoutingContext ctx) {
    write(ctx, toApiException(ctx));
  }

  public static void write(RoutingContext ctx, ApiException problem) {
    HttpServerResponse response = ctx.response();
    if (response.headWritten()) {
      response.reset();
      return;
    }
    response.setStatusCode(problem.status()).putHeader("Content-Type", CONTENT_TYPE);
    if (problem.retryAfterSeconds() != null) {
      response.putHeader("Retry-After", String.valueOf(problem.retryAfterSeconds()));
    }
    response.end(problem.toJson().encode());
  }

  /**
   * {@code HttpServer#invalidRequestHandler}: a request the HTTP decoder refused (request line too
   * long: 414; headers too large: 431; anything else malformed: 400), as problem+json, then the
   * connection is closed (after a malformed request the stream cannot be trusted to be in step).
   */
  public static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult() == null ? null : request.decoderResult().cause();
    ApiException problem;
    if (cause instanceof TooLongHttpLineException) {
      problem = forStatus(414, null);
    } else if (cause instanceof TooLongHttpHeaderException) {
      problem = forStatus(431, null);
    } else {
      problem = ApiException.badRequest("the request is not valid HTTP");
    }
    HttpServerResponse response = request.response();
    response.setStatusCode(problem.status()).putHeader("Content-Type", CONTENT_TYPE).putHeader("Connection", "close");
    SecurityHeaders.put(response);
    response.end(problem.toJson().encode()).onComplete(done -> request.connection().close());
  }

  static ApiException toApiException(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof ApiException api) {
      return api;
    }
    if (failure instanceof DecodeException) {
      return ApiException.badRequest("the body is not valid JSON");
    }
    if (failure instanceof HttpException http) {
      return forStatus(http.getStatusCode(), http.getPayload());
    }
    if (failure != null && DatabaseFailures.isUnavailable(failure)) {
      LOG.warn("{} {}: the database cannot be reached; answered 503", ctx.request().method(), ctx.normalizedPath(),
        failure);
      return new ApiException(503, "Service Unavailable", "the database cannot be reached; try again shortly",
        List.of(), UNAVAILABLE_RETRY_SECONDS);
    }
    if (failure != null) {
      LOG.error("unexpected failure on {} {}", ctx.request().method(), ctx.normalizedPath(), failure);
      return new ApiException(500, "Internal Server Error", "the server failed; it has been logged", List.of(), null);
    }
    return forStatus(ctx.statusCode(), null);
  }

  static ApiException forStatus(int status, String payload) {
    return switch (status) {
      case 400 -> ApiException.badRequest(payload == null ? "the request is malformed" : payload);
      case 401 -> ApiException.unauthorized("missing or invalid credentials");
      case 403 -> ApiException.forbidden("not allowed");
      case 404 -> ApiException.notFound("no such resource");
      case 405 ->
        new ApiException(405, "Method Not Allowed", "this resource does not support that method", List.of(), null);
      case 413 -> new ApiException(413, "Payload Too Large", "the body is larger than the limit", List.of(), null);
      case 414 ->
        new ApiException(414, "URI Too Long", "the request line is longer than the server reads", List.of(), null);
      case 415 -> new ApiException(415, "Unsupported Media Type", "send the body as application/json", List.of(), null);
      case 431 ->
        new ApiException(431, "Request Header Fields Too Large", "the headers are larger than the server reads",
        List.of(), null);
      case 501 -> new ApiException(501, "Not Implemented", "the server does not support this request", List.of(), null);
      case 503 ->
        new ApiException(503, "Service Unavailable", "the service cannot answer now; retry later", List.of(), null);
      default -> status >= 400 && status < 500
        ? new ApiException(status, "Client Error", payload == null ? "the request was refused" : payload, List.of(),
          null)
        : new ApiException(500, "Internal Server Error", "the server failed; it has been logged", List.of(), null);
    };
  }
}
