package dev.hmd.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Postgres started from the binaries inside the jar, for a machine with no database
 * configured. Its data directory persists, so a restart finds its releases again.
 */
public final class EmbeddedDatabase implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private static final String MAX_CONNECTIONS = "300";

  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /** Starts Postgres keeping its data under {@code dataDir}; {@code null} for a throw-away one. */
  public static EmbeddedDatabase start(Path dataDir) {
    try {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setServerConfig("max_connections", MAX_CONNECTIONS)
        .setServerConfig("fsync", dataDir == null ? "off" : "on")
        .setServerConfig("synchronous_commit", dataDir == null ? "off" : "on");
      if (dataDir != null) {
        Files.createDirectories(dataDir);
        builder.setDataDirectory(dataDir).setCleanDataDirectory(false);
      }
      EmbeddedPostgres pg = builder.start();
      LOG.info("embedded Postgres listening on 127.0.0.1:{} ({})", pg.getPort(),
        dataDir == null ? "temporary data" : "data in " + dataDir.toAbsolutePath());
      return new EmbeddedDatabase(pg);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded Postgres"
        + (dataDir == null ? "" : " in " + dataDir.toAbsolutePath()) + ": " + e.getMessage(), e);
    }
  }

  public DatabaseUrl url(String database) {
    return new DatabaseUrl("localhost", postgres.getPort(), database, "postgres", "", io.vertx.pgclient.SslMode.DISABLE);
  }

  public DatabaseUrl url() {
    return url("postgres");
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      LOG.warn("embedded Postgres did not stop cleanly: {}", e.getMessage());
    }
  }
}
