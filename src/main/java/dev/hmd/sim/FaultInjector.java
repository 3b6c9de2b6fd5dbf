package dev.hmd.sim;

import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.Random;

/** Applies the faults set with {@code PUT /sim/faults} to every Cloudflare call, before anything else. */
final class FaultInjector {

  private final SimWorld world;
  private final Vertx vertx;
  private final Random random;

  FaultInjector(SimWorld world, Vertx vertx) {
    this.world = world;
    this.vertx = vertx;
    this.random = new Random(world.options().seed());
  }

  void delay(RoutingContext ctx) {
    long latency = world.faults().latencyMs();
    if (latency <= 0) {
      ctx.next();
    } else {
      vertx.setTimer(latency, id -> ctx.next());
    }
  }

  void inject(RoutingContext ctx) {
    Faults faults = world.faults();
    if (faults.errorRate() > 0 && random.nextDouble() < faults.errorRate()) {
      throw new CfException(faults.errorStatus(), CfException.INTERNAL, "An unknown error has occurred (simulated)");
    }
    if (faults.rateLimitRate() > 0 && random.nextDouble() < faults.rateLimitRate()) {
      throw CfException.rateLimited(faults.retryAfterSeconds());
    }
    ctx.next();
  }
}
