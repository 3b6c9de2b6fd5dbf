package dev.hmd.releases;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;

/**
 * What else a change of a release writes in its own transaction, so that a crash can neither lose
 * nor duplicate it: webhook notifications (package {@code notify} implements it). Releases know
 * nothing of who listens.
 */
@FunctionalInterface
public interface SaveHook {

  SaveHook NONE = (tx, before, after) -> Future.succeededFuture();

  /**
   * Called in the transaction of the change, before it commits: {@code before} is the stored row
   * ({@code null} for a new release), {@code after} what is written. Only changes that can matter
   * come here: a new release, one that awaits approval, one that ended, one that is blocked
   * ({@link Releases#batchable} changes do not).
   */
  Future<Void> changing(SqlClient tx, ReleaseRow before, ReleaseRow after);
}
