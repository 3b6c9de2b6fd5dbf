package dev.hmd.bus;

import dev.hmd.bus.Messages.DeliveriesDue;
import dev.hmd.bus.Messages.ReleaseKick;
import io.vertx.core.Vertx;

/**
 * Wake-ups for the background verticles of this process, sent by whoever just committed work for
 * them. A kick only saves waiting for the next tick: Postgres holds the work, so a lost kick delays
 * nothing by more than a tick.
 */
public final class Kicks {

  private Kicks() {
  }

  /** The scheduler: a release needs attention now (it was created, approved, cancelled...). */
  public static void scheduler(Vertx vertx, String tenantId, String releaseId) {
    vertx.eventBus().send(Addresses.SCHEDULER_KICK, new ReleaseKick(tenantId, releaseId));
  }

  /** The notifier: webhook deliveries were committed just now. */
  public static void notifier(Vertx vertx, String tenantId) {
    vertx.eventBus().send(Addresses.NOTIFY_KICK, new DeliveriesDue(tenantId));
  }
}
