package dev.hmd.bench;

import dev.hmd.http.SseParser;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * The SSE benchmark's clients, in a JVM of their own so that the service's heap holds only the
 * server side of each connection (and each process stays under its open-files limit). Opens N
 * streams of {@code GET /v1/events}, notes when each event id arrives on each stream, and, once
 * told when each event committed, answers with the delivery latencies.
 *
 * <p>Protocol on stdin/stdout: prints {@code connected <open> <failed>}; reads
 * {@code commit <id> <epochMicros>} lines and then {@code done}; prints {@code result <json>}.
 */
public final class SseClients {

  private static final int CONNECT_CONCURRENCY = 200;
  private static final long DONE_WAIT_MILLIS = 30_000;

  /** One stream: event ids and arrival times (epoch micros), appended on its event loop. */
  private static final class Stream {
    long[] ids = new long[64];
    long[] times = new long[64];
    int size;
    long chunkMicros;
    volatile boolean ended;

    synchronized void arrived(long id) {
      if (size == ids.length) {
        ids = java.util.Arrays.copyOf(ids, size * 2);
        times = java.util.Arrays.copyOf(times, size * 2);
      }
      ids[size] = id;
      times[size] = chunkMicros;
      size++;
    }
  }

  private SseClients() {
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String key = args[1];
    int clients = Integer.parseInt(args[2]);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setIdleTimeout(0)
      .setConnectTimeout(60_000), new PoolOptions().setHttp1MaxSize(clients + 16).setMaxWaitQueueSize(-1));
    List<Stream> streams = new ArrayList<>();
    Semaphore permits = new Semaphore(CONNECT_CONCURRENCY);
    AtomicInteger failed = new AtomicInteger();
    for (int i = 0; i < clients; i++) {
      permits.acquireUninterruptibly();
      Stream stream = new Stream();
      streams.add(stream);
      open(http, port, key, stream).onComplete(r -> {
        if (r.failed()) {
          failed.incrementAndGet();
          stream.ended = true;
        }
        permits.release();
      });
    }
    permits.acquireUninterruptibly(CONNECT_CONCURRENCY);
    System.out.println("connected " + (clients - failed.get()) + " " + failed.get());
    System.out.flush();

    Map<Long, Long> commits = new HashMap<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null && !line.equals("done"); line = in.readLine()) {
      String[] parts = line.split(" ");
      if (parts[0].equals("commit")) {
        commits.put(Long.parseLong(parts[1]), Long.parseLong(parts[2]));
      }
    }
    long lastId = commits.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
    long deadline = System.currentTimeMillis() + DONE_WAIT_MILLIS;
    while (System.currentTimeMillis() < deadline && !allHave(streams, lastId)) {
      Thread.sleep(100);
    }
    Histogram latencies = new Histogram(3_600_000_000L, 3);
    long received = 0;
    int ended = 0;
    for (Stream stream : streams) {
      synchronized (stream) {
        for (int i = 0; i < stream.size; i++) {
          Long committed = commits.get(stream.ids[i]);
          if (committed != null) {
            latencies.recordValue(Math.max(0, stream.times[i] - committed));
            received++;
          }
        }
      }
      ended += stream.ended ? 1 : 0;
    }
    JsonObject result = new JsonObject().put("clients", clients).put("failedToConnect", failed.get())
      .put("endedEarly", ended - failed.get()).put("events", commits.size())
      .put("expectedDeliveries", (long) commits.size() * (clients - failed.get())).put("deliveries", received)
      .put("latencyMs", new JsonObject()
        .put("p50", latencies.getValueAtPercentile(50) / 1000.0).put("p90", latencies.getValueAtPercentile(90) / 1000.0)
        .put("p99", latencies.getValueAtPercentile(99) / 1000.0)
          .put("p999", latencies.getValueAtPercentile(99.9) / 1000.0)
        .put("max", latencies.getMaxValue() / 1000.0).put("mean", latencies.getMean() / 1000.0));
    System.out.println("result " + result.encode());
    System.out.flush();
    http.close().await();
    vertx.close().await();
  }

  private static boolean allHave(List<Stream> streams, long lastId) {
    for (Stream stream : streams) {
      synchronized (stream) {
        if (!stream.ended && (stream.size == 0 || stream.ids[stream.size - 1] < lastId)) {
          return false;
        }
      }
    }
    return true;
  }

  private static Future<Void> open(HttpClient http, int port, String key, Stream stream) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("localhost").setPort(port)
      .setURI("/v1/events").addHeader("Authorization", "Bearer " + key).addHeader("Accept", "text/event-stream");
    return http.request(options).compose(req -> req.send()).compose(response -> {
      if (response.statusCode() != 200) {
        return Future.failedFuture("GET /v1/events answered " + response.statusCode());
      }
      Handler<Buffer> lines = SseParser.handler(event -> stream.arrived(event.id()));
      response.handler(chunk -> {
        // every line of a chunk arrived at the same moment
        stream.chunkMicros = epochMicros();
        lines.handle(chunk);
      });
      response.endHandler(v -> stream.ended = true);
      response.exceptionHandler(err -> stream.ended = true);
      return Future.<Void>succeededFuture();
    });
  }

  static long epochMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
  }
}
