package dev.hmd.scheduler;

import dev.hmd.releases.Releases;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Saves a tenant's steps one transaction at a time, and the ones that queued meanwhile together
 * in the next (group commit). Each save appends events, which locks the tenant's event counter
 * until it commits, so a tenant's saves cannot overlap anyway; started together (a tenant's
 * releases are due on the same grid instant) each would hold a pooled connection while it
 * waited, and one tenant's burst would take the whole pool. Queued here, a tenant uses one
 * connection at a time, and a hundred releases due together cost a few transactions, not a
 * hundred. Used from the scheduler's event loop only.
 */
final class SaveQueue {

  /** A save waiting for its tenant's turn. */
  private record QueuedSave(Releases.Save save, Promise<Void> done) {
  }

  /** A tenant's saves: the ones waiting, and whether a transaction of the tenant is under way. */
  private static final class TenantSaves {
    final List<QueuedSave> waiting = new ArrayList<>();
    boolean writing;
  }

  private final Releases releases;
  private final int batchMax;
  /** The saves of each tenant with saves under way. */
  private final Map<String, TenantSaves> tenants = new HashMap<>();

  /** {@code batchMax}: most releases of one tenant saved in one transaction. */
  SaveQueue(Releases releases, int batchMax) {
    this.releases = releases;
    this.batchMax = batchMax;
  }

  /**
   * Saves in the tenant's turn; fails with {@link Releases.ConcurrentChange} when the row moved
   * since it was read (the others of its batch still save).
   */
  Future<Void> save(Releases.Save save) {
    String tenantId = save.next().tenantId();
    TenantSaves tenant = tenants.computeIfAbsent(tenantId, id -> new TenantSaves());
    Promise<Void> done = Promise.promise();
    tenant.waiting.add(new QueuedSave(save, done));
    if (!tenant.writing) {
      writeNext(tenantId, tenant);
    }
    return done.future();
  }

  private void writeNext(String tenantId, TenantSaves tenant) {
    if (tenant.waiting.isEmpty()) {
      tenants.remove(tenantId);
      return;
    }
    tenant.writing = true;
    List<QueuedSave> batch = new ArrayList<>();
    List<QueuedSave> alone = new ArrayList<>();
    for (QueuedSave queued : tenant.waiting) {
      (Releases.batchable(queued.save().next()) && batch.size() < batchMax ? batch : alone).add(queued);
    }
    tenant.waiting.clear();
    // those that did not fit the batch wait for the next turn, as do the rare ones that notify
    QueuedSave single = alone.stream().filter(q -> !Releases.batchable(q.save().next())).findFirst().orElse(null);
    alone.stream().filter(q -> q != single).forEach(tenant.waiting::add);
    // composed, so that even a save that throws completes its promises and frees the tenant's turn
    Future<Void> written = batch.isEmpty() ? Future.succeededFuture() : Future.succeededFuture()
      .compose(v -> releases.saveAll(tenantId, batch.stream().map(QueuedSave::save).toList()))
      .andThen(result -> {
        for (int i = 0; i < batch.size(); i++) {
          Promise<Void> promise = batch.get(i).done();
          if (result.failed()) {
            promise.fail(result.cause());
          } else if (result.result().get(i).isEmpty()) {
            promise.fail(new Releases.ConcurrentChange(batch.get(i).save().next().id()));
          } else {
            promise.complete();
          }
        }
      }).mapEmpty();
    if (single != null) {
      Releases.Save save = single.save();
      written = written.transform(ignored -> Future.succeededFuture()
        .compose(v -> releases.save(save.next(), save.checks(), save.events(), save.releaseChanged()))
        .andThen(result -> {
          if (result.failed()) {
            single.done().fail(result.cause());
          } else {
            single.done().complete();
          }
        })).mapEmpty();
    }
    // every promise of this turn is completed above, whatever happened: the failures reach the steps
    written.onComplete(ignored -> {
      tenant.writing = false;
      writeNext(tenantId, tenant);
    });
  }
}
