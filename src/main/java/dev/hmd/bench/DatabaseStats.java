package dev.hmd.bench;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.Map;
import java.util.TreeMap;

/**
 * Postgres' own counters (pg_stat_database, pg_stat_user_tables): commits and rows written per
 * table, to see what one check costs the database. Read twice and subtracted; Postgres publishes
 * them with a delay of up to a second, which a minute's window absorbs.
 */
final class DatabaseStats {

  private static final String DATABASE = "select xact_commit, xact_rollback from pg_stat_database where datname = "
    + "current_database()";
  private static final String TABLES = "select relname, n_tup_ins, n_tup_upd, n_tup_hot_upd from pg_stat_user_tables";

  private final Map<String, Long> counters;

  private DatabaseStats(Map<String, Long> counters) {
    this.counters = counters;
  }

  static DatabaseStats take(Pool pool) {
    Map<String, Long> counters = new TreeMap<>();
    Row db = pool.query(DATABASE).execute().await().iterator().next();
    counters.put("commits", db.getLong(0));
    counters.put("rollbacks", db.getLong(1));
    for (Row row : pool.query(TABLES).execute().await()) {
      counters.put(row.getString(0) + ".inserted", row.getLong(1));
      counters.put(row.getString(0) + ".updated", row.getLong(2));
      counters.put(row.getString(0) + ".hotUpdated", row.getLong(3));
    }
    return new DatabaseStats(counters);
  }

  /** Per second between {@code before} and this reading; zero counters left out. */
  JsonObject perSecondSince(DatabaseStats before, double seconds) {
    JsonObject json = new JsonObject();
    counters.forEach((k, v) -> {
      long delta = v - before.counters.getOrDefault(k, 0L);
      if (delta != 0) {
        json.put(k, Report.round(delta / seconds));
      }
    });
    return json;
  }
}
