package dev.hmd.notify;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A webhook receiver on a free port, in its own Vert.x: records every request, and answers each
 * path with the statuses scripted for it (then 200). A test class holds one in a
 * {@code @RegisterExtension} field, which closes it after the class.
 */
final class Receiver implements AutoCloseable, AfterAllCallback {

  /** One request as it arrived. */
  record Request(String method, String path, MultiMap headers, Buffer body) {
    JsonObject json() {
      return body.toJsonObject();
    }

    String header(String name) {
      return headers.get(name);
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Map<String, Deque<Integer>> scripts = new ConcurrentHashMap<>();
  private final HttpServer server;
  private volatile long delayMillis;
  private final Map<String, Long> pathDelays = new ConcurrentHashMap<>();

  Receiver() {
    server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(request.headers());
      requests.add(new Request(request.method().name(), request.path(), headers, body));
      Deque<Integer> script = scripts.get(request.path());
      Integer status = script == null ? null : script.poll();
      int code = status == null ? 200 : status;
      long delay = pathDelays.getOrDefault(request.path(), delayMillis);
      if (delay > 0) {
        vertx.setTimer(delay, id -> {
          if (!request.response().closed()) {
            request.response().setStatusCode(code).end();
          }
        });
      } else {
        request.response().setStatusCode(code).end(status == null ? "ok" : "scripted");
      }
    })).listen(0).await();
  }

  /** The URL of a fresh path on this receiver. */
  String url(String path) {
    return "http://localhost:" + server.actualPort() + path;
  }

  /** Answers every request this much later (a slow receiver). */
  void delay(long millis) {
    delayMillis = millis;
  }

  /** Answers every request to {@code path} this much later. */
  void delay(String path, long millis) {
    pathDelays.put(path, millis);
  }

  /** The next answers to {@code path}, in order; 200 after them. */
  void script(String path, Integer... statuses) {
    scripts.put(path, new ArrayDeque<>(List.of(statuses)));
  }

  /** Requests to {@code path}, in arrival order. */
  List<Request> to(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
