package dev.hmd.testing;

import dev.hmd.db.DatabaseUrl;
import dev.hmd.db.EmbeddedDatabase;
import io.vertx.pgclient.SslMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one Postgres server of a test JVM, and a fresh database on it for each test class. A
 * Testcontainers Postgres where a Docker engine is reachable, else the embedded one: this class
 * alone decides.
 */
public final class TestDatabase {

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static volatile DatabaseUrl server;

  private TestDatabase() {
  }

  /** A new, empty database (no schema) on the shared server. */
  public static DatabaseUrl fresh() {
    DatabaseUrl admin = server();
    String name = "hmd_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    try (Connection c = DriverManager.getConnection(admin.jdbcUrl(), admin.user(), admin.password());
         Statement st = c.createStatement()) {
      st.execute("create database " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create test database " + name, e);
    }
    return new DatabaseUrl(admin.host(), admin.port(), name, admin.user(), admin.password(), SslMode.DISABLE);
  }

  /** The server's admin database. */
  public static synchronized DatabaseUrl server() {
    if (server == null) {
      server = dockerAvailable() ? Containers.start() : embedded();
    }
    return server;
  }

  private static DatabaseUrl embedded() {
    EmbeddedDatabase db = EmbeddedDatabase.start(null);
    Runtime.getRuntime().addShutdownHook(new Thread(db::close));
    return db.url();
  }

  private static boolean dockerAvailable() {
    if (System.getenv("DOCKER_HOST") == null && !Files.exists(Path.of("/var/run/docker.sock"))) {
      return false;
    }
    try {
      return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** Kept apart so the Testcontainers classes load only where Docker exists. */
  private static final class Containers {
    static DatabaseUrl start() {
      var container = new org.testcontainers.containers.PostgreSQLContainer<>("postgres:16-alpine")
        .withCommand("postgres", "-c", "max_connections=300", "-c", "fsync=off");
      container.start();
      return new DatabaseUrl(container.getHost(), container.getFirstMappedPort(), container.getDatabaseName(),
        container.getUsername(), container.getPassword(), SslMode.DISABLE);
    }
  }
}
