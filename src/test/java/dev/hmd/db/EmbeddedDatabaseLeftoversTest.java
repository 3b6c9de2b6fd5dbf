package dev.hmd.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a start does with the {@code postmaster.pid} a dead process may have left in the data directory. */
class EmbeddedDatabaseLeftoversTest {

  @TempDir
  Path dir;

  /**
   * A pid file as Postgres writes it: pid, data directory, start time, port, socket directory, address, shared memory,
   * status.
   */
  static void pidFile(Path dataDir, long pid) throws Exception {
    Files.createDirectories(dataDir);
    Files.writeString(dataDir.resolve(PostmasterPidFile.NAME),
      pid + "\n" + dataDir + "\n1764855097\n54321\n/tmp\nlocalhost\n"
      + "  1234567         8\nready   \n");
  }

  static long exitedPid() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    return gone.pid();
  }

  @Test
  @DisplayName("no postmaster.pid: nothing to clear")
  void noFile() {
    assertThat(EmbeddedDatabase.clearLeftovers(dir.resolve("bin"), dir)).isEqualTo(EmbeddedDatabase.Leftover.NONE);
  }

  @Test
  @DisplayName("a postmaster.pid naming a dead pid is left for Postgres, which checks it against old shared memory")
  void deadPid() throws Exception {
    Path data = dir.resolve("pg");
    pidFile(data, exitedPid());
    PostmasterPidFile file = PostmasterPidFile.read(data).orElseThrow();
    assertThat(file.port()).contains(54321);
    assertThat(file.process()).isEmpty();
    assertThat(EmbeddedDatabase.clearLeftovers(dir.resolve("bin"), data))
      .isEqualTo(EmbeddedDatabase.Leftover.STALE_FILE_KEPT);
    assertThat(data.resolve(PostmasterPidFile.NAME)).exists();
  }

  @Test
  @DisplayName(
    "a postmaster.pid whose pid is now another live process (this JVM) is removed, and that process is left alone")
  void reusedPid() throws Exception {
    Path data = dir.resolve("pg");
    ProcessHandle self = ProcessHandle.current();
    pidFile(data, self.pid());
    assertThat(PostmasterPidFile.isPostgresOf(self, data)).isFalse();
    assertThat(EmbeddedDatabase.clearLeftovers(dir.resolve("bin"), data))
      .isEqualTo(EmbeddedDatabase.Leftover.STALE_FILE_REMOVED);
    assertThat(data.resolve(PostmasterPidFile.NAME)).doesNotExist();
    assertThat(self.isAlive()).isTrue();
  }

  @Test
  @DisplayName(
    "a data directory whose postmaster.pid names a live non-Postgres process starts, on the port of its previous "
    + "run; a second process is refused")
  void startsDespiteReusedPid() throws Exception {
    Path data = dir.resolve("pg");
    int port;
    try (EmbeddedDatabase first = EmbeddedDatabase.start(data)) {
      port = first.port();
    }
    assertThat(data.resolve(PostmasterPidFile.NAME)).doesNotExist();
    // what Postgres alone refuses: "lock file already exists ... Is another postmaster (PID n) running"
    pidFile(data, ProcessHandle.current().pid());
    try (EmbeddedDatabase again = EmbeddedDatabase.start(data)) {
      assertThat(again.port()).isEqualTo(port);
      assertThat(PostmasterPidFile.isPostgresOf(ProcessHandle.of(again.pid()).orElseThrow(), data)).isTrue();
      DatabaseUrl url = again.url();
      try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
           ResultSet rs = c.createStatement().executeQuery("select 1")) {
        assertThat(rs.next()).isTrue();
      }
      assertThatThrownBy(() -> EmbeddedDatabase.start(data))
        .hasMessageContaining("another hmd process is using the embedded Postgres");
      assertThat(ProcessHandle.of(again.pid())).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
    }
    assertThat(ProcessHandle.current().isAlive()).isTrue();
    assertThat(data.resolve(PostmasterPidFile.NAME)).doesNotExist();
  }
}
