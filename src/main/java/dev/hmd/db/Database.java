package dev.hmd.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** The one reactive pool of a process, and the readiness probe that uses it. */
public final class Database {

  private Database() {
  }

  public static Pool pool(Vertx vertx, DatabaseUrl url, int maxSize) {
    return PgBuilder.pool()
      .with(new PoolOptions().setMaxSize(maxSize).setName("hmd").setShared(false))
      .connectingTo(url.connectOptions())
      .using(vertx)
      .build();
  }

  /**
   * Ready when the database answers and its schema is at least the version this build migrated
   * to (a newer process may have migrated further; the schema only grows compatibly).
   */
  public static Future<Boolean> ready(Pool pool, String version) {
    return pool.query("select version from flyway_schema_history where success and version is not null")
      .execute()
      .map(rows -> {
        for (var row : rows) {
          if (Integer.parseInt(row.getString(0)) >= Integer.parseInt(version)) {
            return true;
          }
        }
        return false;
      });
  }
}
