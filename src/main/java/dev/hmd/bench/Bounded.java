package dev.hmd.bench;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Runs an asynchronous call per item with at most {@code concurrency} in flight; blocks the calling (non event-loop)
 * thread.
 */
final class Bounded {

  private Bounded() {
  }

  static <T, R> List<R> map(List<T> items, int concurrency, Function<T, Future<R>> call) {
    Semaphore permits = new Semaphore(concurrency);
    List<R> results = new ArrayList<>(Collections.nCopies(items.size(), null));
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < items.size() && failure.get() == null; i++) {
      permits.acquireUninterruptibly();
      int index = i;
      Future<R> future;
      try {
        future = call.apply(items.get(i));
      } catch (RuntimeException e) {
        future = Future.failedFuture(e);
      }
      future.onComplete(result -> {
        if (result.succeeded()) {
          synchronized (results) {
            results.set(index, result.result());
          }
        } else {
          failure.compareAndSet(null, result.cause());
        }
        permits.release();
      });
    }
    permits.acquireUninterruptibly(concurrency);
    if (failure.get() != null) {
      throw new IllegalStateException("benchmark set-up failed: " + failure.get().getMessage(), failure.get());
    }
    synchronized (results) {
      return new ArrayList<>(results);
    }
  }
}
