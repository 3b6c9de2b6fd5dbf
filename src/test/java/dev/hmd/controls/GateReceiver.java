package dev.hmd.controls;

import dev.hmd.notify.Signatures;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A gate on a free port, in its own Vert.x: records every request with when it came and what it
 * was answered, and answers with the statuses scripted (then {@code otherwise}).
 */
final class GateReceiver implements AutoCloseable {

  /** One request as it arrived, and the status it got. */
  record Call(Instant at, MultiMap headers, Buffer body, int status) {
    JsonObject json() {
      return body.toJsonObject();
    }

    boolean signedWith(String secret) {
      return Signatures.verify(secret, headers.get("X-HMD-Timestamp"), body.getBytes(), headers.get("X-HMD-Signature"));
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final Deque<Integer> script = new java.util.concurrent.ConcurrentLinkedDeque<>();
  private volatile int otherwise = 200;
  private final HttpServer server;

  GateReceiver() {
    server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      Integer scripted = script.poll();
      int status = scripted == null ? otherwise : scripted;
      calls.add(new Call(Instant.now(), MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body, status));
      request.response().setStatusCode(status).end();
    })).listen(0).await();
  }

  String url(String path) {
    return "http://localhost:" + server.actualPort() + path;
  }

  /** The next answers, in order; {@code then} after them. */
  void answer(int then, Integer... first) {
    script.clear();
    script.addAll(new ArrayDeque<>(List.of(first)));
    otherwise = then;
  }

  List<Call> calls() {
    return List.copyOf(calls);
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
