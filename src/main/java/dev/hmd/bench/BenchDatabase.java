package dev.hmd.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The benchmarks' Postgres: the embedded one the service uses without HMD_DATABASE_URL (same
 * binaries, same max_connections; fsync and synchronous commit off for throw-away data, on with
 * {@code --durable-db}), plus pg_stat_statements, so that a run can say which statements the
 * database spends its time on.
 */
final class BenchDatabase implements AutoCloseable {

  private final EmbeddedPostgres postgres;

  private BenchDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  static BenchDatabase start(Path dataDir, boolean durable) {
    try {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setServerConfig("max_connections", "300")
        .setServerConfig("fsync", durable ? "on" : "off")
        .setServerConfig("synchronous_commit", durable ? "on" : "off")
        .setServerConfig("shared_preload_libraries", "pg_stat_statements")
        .setServerConfig("pg_stat_statements.track", "all");
      if (durable) {
        builder.setDataDirectory(dataDir).setCleanDataDirectory(true);
      }
      EmbeddedPostgres pg = builder.start();
      try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
        st.execute("create extension if not exists pg_stat_statements");
      }
      return new BenchDatabase(pg);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded Postgres: " + e.getMessage(), e);
    } catch (SQLException e) {
      throw new IllegalStateException("could not enable pg_stat_statements: " + e.getMessage(), e);
    }
  }

  int port() {
    return postgres.getPort();
  }

  /** The service's HMD_DATABASE_URL. */
  String url() {
    return "postgresql://postgres@localhost:" + postgres.getPort() + "/postgres";
  }

  /** Forgets the statement statistics so far: call it where the measurement starts. */
  static void resetStatements(Pool pool) {
    pool.query("select pg_stat_statements_reset()").execute().await();
  }

  /** The statements that took the most execution time since the reset, with calls/s and mean time. */
  static JsonArray topStatements(Pool pool, double seconds, int limit) {
    JsonArray top = new JsonArray();
    double total = pool.query("select coalesce(sum(total_exec_time), 0) from pg_stat_statements").execute().await()
      .iterator().next().getDouble(0);
    for (Row row : pool.query("select calls, total_exec_time, rows, regexp_replace(query, '\\s+', ' ', 'g') "
      + "from pg_stat_statements order by total_exec_time desc limit " + limit).execute().await()) {
      String query = row.getString(3);
      top.add(new JsonObject().put("callsPerSecond", Report.round(row.getLong(0) / seconds))
        .put("meanMs", Report.round(row.getDouble(1) / Math.max(1, row.getLong(0))))
        .put("execShare", Report.round(total == 0 ? 0 : row.getDouble(1) / total))
        .put("execCoresUsed", Report.round(row.getDouble(1) / 1000 / seconds))
        .put("query", query.length() > 120 ? query.substring(0, 120) + "..." : query));
    }
    return top;
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException ignored) {
      // a throw-away database
    }
  }
}
