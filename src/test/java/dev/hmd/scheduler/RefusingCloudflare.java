package dev.hmd.scheduler;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A proxy on a free port in front of the simulator's Cloudflare API that can refuse every new
 * deployment ({@code POST .../deployments}) with a 400 and a Cloudflare error, as Cloudflare does
 * with a split it will not take; everything else passes through. Once the simulator can refuse
 * deployments itself ({@code PUT /sim/faults {"refuseDeployments": ...}}), tests should use that.
 */
final class RefusingCloudflare implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final int simPort;
  private final HttpClient client;
  private final HttpServer server;
  private final AtomicInteger refused = new AtomicInteger();
  private volatile JsonObject refusal;

  RefusingCloudflare(int simPort) {
    this.simPort = simPort;
    this.client = vertx.createHttpClient();
    this.server = vertx.createHttpServer().requestHandler(this::handle).listen(0).await();
  }

  /** What the service's HMD_CLOUDFLARE_API_BASE should be. */
  String apiBase() {
    return "http://localhost:" + server.actualPort() + "/client/v4";
  }

  /** From now on, new deployments are refused with a 400 carrying {@code code} and {@code message}. */
  void refuse(int code, String message) {
    refusal = new JsonObject().put("code", code).put("message", message);
  }

  /** From now on, deployments pass through again. */
  void accept() {
    refusal = null;
  }

  /** How many deployments were refused so far. */
  int refused() {
    return refused.get();
  }

  private void handle(HttpServerRequest request) {
    request.body().compose(body -> {
      JsonObject refuse = refusal;
      if (refuse != null && request.method() == HttpMethod.POST && request.path().endsWith("/deployments")) {
        refused.incrementAndGet();
        return request.response().setStatusCode(400).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("success", false).put("errors", new JsonArray().add(refuse))
            .put("messages", new JsonArray()).putNull("result").encode());
      }
      RequestOptions forward = new RequestOptions().setMethod(request.method()).setHost("localhost").setPort(simPort)
        .setURI(request.uri()).setHeaders(withoutFraming(request.headers()));
      return client.request(forward)
        .compose(out -> out.send(body))
        .compose(in -> in.body().compose(answer -> {
          request.response().setStatusCode(in.statusCode()).headers().addAll(withoutFraming(in.headers()));
          return request.response().end(answer);
        }));
    }).onFailure(err -> {
      if (!request.response().ended()) {
        request.response().setStatusCode(502).end();
      }
    });
  }

  /** The headers, less those that describe one connection's framing (each side sets its own). */
  private static MultiMap withoutFraming(MultiMap headers) {
    MultiMap copy = MultiMap.caseInsensitiveMultiMap().addAll(headers);
    copy.remove("Host").remove("Content-Length").remove("Transfer-Encoding").remove("Connection");
    return copy;
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
