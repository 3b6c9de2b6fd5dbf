package dev.hmd.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop HTTP load: {@code concurrency} requests always in flight over keep-alive
 * connections, each answered one followed at once by the next; latency per request in an
 * HdrHistogram (microseconds).
 */
final class LoadGenerator {

  /** What one timed run measured. */
  record Result(long requests, long errors, double seconds, Histogram latencyMicros) {

    double throughput() {
      return requests / seconds;
    }

    JsonObject toJson() {
      return new JsonObject().put("requests", requests).put("errors", errors).put("seconds", Report.round(seconds))
        .put("requestsPerSecond", Report.round(throughput()))
        .put("latencyMs",
          new JsonObject().put("p50", ms(50)).put("p90", ms(90)).put("p99", ms(99)).put("p999", ms(99.9))
          .put("max", Report.round(latencyMicros.getMaxValue() / 1000.0)));
    }

    double ms(double percentile) {
      return Report.round(latencyMicros.getValueAtPercentile(percentile) / 1000.0);
    }
  }

  /** A request that has not answered by then counts as an error (and the loop goes on). */
  static final long REQUEST_TIMEOUT_MS = 30_000;

  private final Vertx vertx;

  LoadGenerator(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * GETs the {@code paths} in turn on {@code port} for {@code seconds}, {@code concurrency} at a
   * time, over connections of its own: a run never reuses the idle keep-alive connections of the
   * one before (after which requests were once seen to hang).
   */
  Result run(int port, List<String> paths, String bearer, int concurrency, int seconds) {
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false),
      new PoolOptions().setHttp1MaxSize(concurrency).setMaxWaitQueueSize(-1));
    try {
      return run(http, port, paths, bearer, concurrency, seconds);
    } finally {
      http.close().await();
    }
  }

  private Result run(HttpClient http, int port, List<String> paths, String bearer, int concurrency, int seconds) {
    ConcurrentHistogram latencies = new ConcurrentHistogram(60_000_000L, 3);
    AtomicLong requests = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong next = new AtomicLong();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    CountDownLatch finished = new CountDownLatch(concurrency);
    for (int i = 0; i < concurrency; i++) {
      loop(http, port, paths, bearer, end, next, requests, errors, latencies, finished);
    }
    try {
      if (!finished.await(seconds + 60L, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the load generator did not finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return new Result(requests.get(), errors.get(), (System.nanoTime() - start) / 1e9, latencies);
  }

  private void loop(HttpClient http, int port, List<String> paths, String bearer, long end, AtomicLong next,
    AtomicLong requests,
                    AtomicLong errors, Histogram latencies, CountDownLatch finished) {
    if (System.nanoTime() >= end) {
      finished.countDown();
      return;
    }
    String path = paths.get((int) (next.getAndIncrement() % paths.size()));
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("localhost").setPort(port)
      .setURI(path).setIdleTimeout(REQUEST_TIMEOUT_MS).setConnectTimeout(REQUEST_TIMEOUT_MS);
    if (bearer != null) {
      options.addHeader("Authorization", "Bearer " + bearer);
    }
    long sent = System.nanoTime();
    // the timeout bounds the whole exchange, pool wait included: a request that never completes
    // (seen once in many runs on a loaded machine) costs an error, not the run
    http.request(options).compose(req -> req.send()).compose(res -> res.body().map(body -> res.statusCode()))
      .timeout(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS)
      .onComplete(result -> {
        try {
          latencies.recordValue(
            Math.min(latencies.getHighestTrackableValue(), Math.max(0, (System.nanoTime() - sent) / 1000)));
          requests.incrementAndGet();
          if (result.failed() || result.result() != 200) {
            errors.incrementAndGet();
          }
        } finally {
          // whatever happened to this request, the worker goes on, or the run would never end
          loop(http, port, paths, bearer, end, next, requests, errors, latencies, finished);
        }
      });
  }
}
