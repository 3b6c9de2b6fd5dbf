package dev.hmd.cli;

import dev.hmd.http.SseParser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The service's public API as a pipeline uses it: a few REST calls and a release's event stream.
 * Blocking, for a CLI's main thread. The API key goes only into the Authorization header; no
 * message of this class contains it.
 */
final class HmdClient implements AutoCloseable {

  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** The service sends a comment at least every 15 s; a stream silent for this long is dead. */
  static final Duration STREAM_IDLE_TIMEOUT = Duration.ofSeconds(45);

  private final Vertx vertx;
  private final WebClient web;
  private final HttpClient http;
  private final String base;
  private final String apiKey;

  private HmdClient(String base, String apiKey) {
    this.vertx = Vertx.vertx();
    this.web = WebClient.create(vertx);
    this.http = vertx.createHttpClient();
    this.base = base;
    this.apiKey = apiKey;
  }

  /** A client for the service at {@code url} (scheme, host, optional port and path prefix). */
  static HmdClient open(String url, String apiKey) {
    return new HmdClient(baseUrl(url), apiKey);
  }

  static String baseUrl(String url) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new Failure("the service URL '" + url + "' is not a URL: " + e.getReason());
    }
    if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
      throw new Failure("the service URL must look like https://hmd.example.com, got '" + url + "'");
    }
    if (uri.getUserInfo() != null || uri.getQuery() != null) {
      throw new Failure("the service URL must not carry credentials or a query; pass the key as HMD_API_KEY");
    }
    String text = uri.toString();
    return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
  }

  /** One path segment, escaped (ids come from the command line). */
  static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  JsonObject get(String path) {
    return send(HttpMethod.GET, path, null);
  }

  JsonObject post(String path, JsonObject body) {
    return send(HttpMethod.POST, path, body);
  }

  private JsonObject send(HttpMethod method, String path, JsonObject body) {
    HttpRequest<Buffer> request = web.requestAbs(method, base + path)
      .timeout(REQUEST_TIMEOUT.toMillis())
      .putHeader("Authorization", "Bearer " + apiKey)
      .putHeader("Accept", "application/json");
    HttpResponse<Buffer> response;
    try {
      response = (body == null ? request.send() : request.sendJsonObject(body)).await();
    } catch (Exception e) {
      throw unreachable(e);
    }
    String text = response.bodyAsString();
    if (response.statusCode() / 100 != 2) {
      throw Failure.problem(response.statusCode(), response.statusMessage(), text);
    }
    if (text == null || text.isBlank()) {
      return new JsonObject();
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException e) {
      throw new Failure(method + " " + path + " answered " + response.statusCode() + " with a body that is not JSON");
    }
  }

  /**
   * Opens {@code GET path} as {@code text/event-stream}, resuming after {@code lastEventId} when
   * it is positive. Blocks until the response head arrives; fails with {@link Failure} on a
   * non-200 answer or an unreachable service.
   */
  EventStream events(String path, long lastEventId) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(base + path)
      .setConnectTimeout(CONNECT_TIMEOUT.toMillis())
      .setIdleTimeout(STREAM_IDLE_TIMEOUT.toMillis())
      .putHeader("Authorization", "Bearer " + apiKey)
      .putHeader("Accept", "text/event-stream");
    if (lastEventId > 0) {
      options.putHeader("Last-Event-ID", String.valueOf(lastEventId));
    }
    EventStream stream = new EventStream();
    // the handlers go on as the head arrives, on the event loop, before any chunk of the body
    // the stream takes the response before the request is sent, so no chunk can come before its handler
    Future<Void> head = http.request(options).compose(request -> {
      Future<HttpClientResponse> answered = request.response().onSuccess(response -> {
        if (response.statusCode() == 200) {
          stream.attach(response);
        }
      });
      return request.end().compose(v -> answered);
    }).compose(response -> response.statusCode() == 200 ? Future.<Void>succeededFuture()
      : response.body().transform(body -> Future.failedFuture(Failure.problem(response.statusCode(),
        response.statusMessage(), body.succeeded() ? body.result().toString() : null))));
    try {
      head.await();
    } catch (Failure e) {
      throw e;
    } catch (Exception e) {
      throw unreachable(e);
    }
    return stream;
  }

  private Failure unreachable(Throwable e) {
    String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new Failure("cannot reach the service at " + base + ": " + reason, 0);
  }

  @Override
  public void close() {
    vertx.close().await();
  }

  /** One item read from an event stream. */
  sealed interface Item permits Event, Retry, Closed {
  }

  /** An SSE event: {@code id:}, {@code event:} and the JSON of {@code data:}. */
  record Event(long id, String type, JsonObject data) implements Item {
  }

  /** The server's {@code retry:} hint, in milliseconds. */
  record Retry(long millis) implements Item {
  }

  /** The stream ended or broke. */
  record Closed(String reason) implements Item {
  }

  /** A {@code text/event-stream} response, parsed as it arrives; read with {@link #next}. */
  static final class EventStream implements AutoCloseable {
    private final BlockingQueue<Item> items = new LinkedBlockingQueue<>();
    private HttpClientResponse response;

    private void attach(HttpClientResponse response) {
      this.response = response;
      response.handler(SseParser.handler(new SseParser.Listener() {
        @Override
        public void event(SseParser.Event event) {
          try {
            items.add(new Event(event.id(), event.type(), new JsonObject(event.data())));
          } catch (DecodeException e) {
            // not an event of this API; skip it rather than stop following the release
          }
        }

        @Override
        public void retry(long millis) {
          items.add(new Retry(millis));
        }
      }));
      response.endHandler(v -> items.add(new Closed("the service ended the stream")));
      response.exceptionHandler(err -> items.add(new Closed(err.getMessage() == null
        ? err.getClass().getSimpleName() : err.getMessage())));
    }

    /** The next item, or null when none came within {@code wait}. */
    Item next(Duration wait) {
      try {
        // an unbounded wait arrives as a very long Duration; its millis would overflow
        long millis = wait.compareTo(Duration.ofDays(365)) > 0 ? Long.MAX_VALUE : Math.max(0, wait.toMillis());
        return items.poll(millis, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Closed("interrupted");
      }
    }

    @Override
    public void close() {
      if (response != null) {
        response.request().reset();
      }
    }
  }

  /**
   * A request the service refused, or could not be sent; the message is one line for a person.
   * {@code status} is the HTTP status, 0 when the service was not reached.
   */
  static final class Failure extends RuntimeException {
    private final int status;

    Failure(String message) {
      this(message, -1);
    }

    Failure(String message, int status) {
      super(message, null, false, false);
      this.status = status;
    }

    /** Worth another try: not reached, timed out, rate limited or a server-side failure. */
    boolean retryable() {
      return status == 0 || status == 408 || status == 429 || status >= 500;
    }

    /** A problem+json answer as one line: {@code 409 Conflict: detail (field: message; ...)}. */
    static Failure problem(int status, String reason, String body) {
      StringBuilder line = new StringBuilder().append(status);
      JsonObject problem = null;
      try {
        problem = body == null || body.isBlank() ? null : new JsonObject(body);
      } catch (DecodeException e) {
        // not problem+json (a proxy's page, say): the status line alone
      }
      String title = problem == null ? null : problem.getString("title");
      line.append(' ').append(title != null ? title : reason == null ? "" : reason);
      String detail = problem == null ? null : problem.getString("detail");
      if (detail != null && !detail.isBlank()) {
        line.append(": ").append(detail);
      }
      JsonArray errors = problem == null ? null : problem.getJsonArray("errors");
      if (errors != null && errors.size() > 1) {
        line.append(" (");
        for (int i = 0; i < errors.size(); i++) {
          JsonObject e = errors.getJsonObject(i);
          line.append(i > 0 ? "; " : "").append(e.getString("field")).append(": ").append(e.getString("message"));
        }
        line.append(')');
      }
      if (status == 401) {
        line.append(" (check HMD_API_KEY)");
      } else if (status == 403) {
        line.append(" (starting and deciding releases needs an operator or admin key)");
      } else if (status == 503) {
        line.insert(0, "the service is unavailable, try again later: ");
      }
      return new Failure(line.toString().replace('\n', ' '), status);
    }
  }
}
