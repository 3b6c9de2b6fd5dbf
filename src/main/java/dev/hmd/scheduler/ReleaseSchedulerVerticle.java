package dev.hmd.scheduler;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;

/** The release state machine: claims due releases from Postgres and moves them on. */
public final class ReleaseSchedulerVerticle extends VerticleBase {

  private final Pool pool;

  public ReleaseSchedulerVerticle(Pool pool) {
    this.pool = pool;
  }

  @Override
  public Future<?> start() {
    return Future.succeededFuture();
  }
}
