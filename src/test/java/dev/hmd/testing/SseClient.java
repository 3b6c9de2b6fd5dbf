package dev.hmd.testing;

import dev.hmd.http.SseParser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real SSE client over a socket: parses {@code id/event/data} frames and comments as they arrive. */
public final class SseClient implements AutoCloseable {

  /** One received event. */
  public record Event(long id, String type, JsonObject data) {
  }

  private final HttpClient client;
  private final HttpClientResponse response;
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final List<String> comments = new CopyOnWriteArrayList<>();
  private final List<String> retries = new CopyOnWriteArrayList<>();
  private volatile boolean ended;
  private volatile io.vertx.core.Future<Buffer> refusal;

  private SseClient(HttpClient client, HttpClientResponse response) {
    this.client = client;
    this.response = response;
  }

  /** Opens a stream; blocks until the response head arrives. */
  public static SseClient open(Vertx vertx, int port, String path, Map<String, String> headers) {
    HttpClient client = vertx.createHttpClient();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("localhost").setPort(port)
      .setURI(path);
    headers.forEach(options::addHeader);
    SseClient[] holder = new SseClient[1];
    // the handlers go on the response before the request is sent, so no chunk can come first: a
    // listener attached to send()'s future may come after the head, if this thread is slow
    client.request(options).compose(req -> {
      Future<HttpClientResponse> answered = req.response().onSuccess(response -> install(client, response, holder));
      return req.end().compose(v -> answered);
    }).await();
    return holder[0];
  }

  private static void install(HttpClient client, HttpClientResponse response, SseClient[] holder) {
    SseClient sse = new SseClient(client, response);
    holder[0] = sse;
    if (response.statusCode() != 200) {
      // read now: the answer may end before anyone asks for it
      sse.refusal = response.body();
      return;
    }
    response.handler(SseParser.handler(new SseParser.Listener() {
      @Override
      public void event(SseParser.Event event) {
        sse.events.add(new Event(event.id(), event.type(), new JsonObject(event.data())));
      }

      @Override
      public void comment(String text) {
        sse.comments.add(":" + (text.isEmpty() ? "" : " " + text));
      }

      @Override
      public void retry(long millis) {
        sse.retries.add(String.valueOf(millis));
      }
    }));
    response.endHandler(v -> sse.ended = true);
    response.exceptionHandler(err -> sse.ended = true);
  }

  public int status() {
    return response.statusCode();
  }

  public String header(String name) {
    return response.getHeader(name);
  }

  public List<Event> events() {
    return List.copyOf(events);
  }

  public List<String> comments() {
    return List.copyOf(comments);
  }

  public List<String> retries() {
    return List.copyOf(retries);
  }

  public boolean ended() {
    return ended;
  }

  public long lastId() {
    return events.isEmpty() ? 0 : events.get(events.size() - 1).id();
  }

  @Override
  public void close() {
    client.close();
  }

  /** The body of a non-200 answer (problem+json), read whole. */
  public Buffer body() {
    if (refusal == null) {
      throw new IllegalStateException("the stream was accepted (" + response.statusCode()
        + "): it has no refusal body");
    }
    return refusal.await();
  }
}
