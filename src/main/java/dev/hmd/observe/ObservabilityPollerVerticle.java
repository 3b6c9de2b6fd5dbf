package dev.hmd.observe;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/** Answers check requests with per-version telemetry, one Cloudflare query per account and cycle. */
public final class ObservabilityPollerVerticle extends VerticleBase {

  @Override
  public Future<?> start() {
    return Future.succeededFuture();
  }
}
