package dev.hmd.db;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the schema in {@code sql/} (packaged as {@code db/migration}) with Flyway. Flyway takes
 * an advisory lock, so several processes starting together migrate once.
 */
public final class Migrations {

  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
  public static final String LOCATION = "classpath:db/migration";

  private Migrations() {
  }

  /** Migrates and returns the schema version now applied. */
  public static String apply(DatabaseUrl url) {
    Flyway flyway = Flyway.configure()
      .dataSource(url.jdbcUrl(), url.user(), url.password())
      .locations(LOCATION)
      .connectRetries(3)
      .load();
    MigrateResult result = flyway.migrate();
    MigrationInfo current = flyway.info().current();
    String version = current == null ? "none" : current.getVersion().getVersion();
    LOG.info("schema at version {} ({} migration(s) applied now)", version, result.migrationsExecuted);
    return version;
  }
}
