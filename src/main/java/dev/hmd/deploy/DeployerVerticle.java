package dev.hmd.deploy;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/** Makes Cloudflare serve the split a release wants: read, write when different, read back. */
public final class DeployerVerticle extends VerticleBase {

  @Override
  public Future<?> start() {
    return Future.succeededFuture();
  }
}
