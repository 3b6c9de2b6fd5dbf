package dev.hmd.testing;

import static org.awaitility.Awaitility.await;

import dev.hmd.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** {@code hmd serve} in a child JVM, so a test can kill it with SIGKILL mid-release. */
public final class ChildService implements AutoCloseable {

  private final Process process;
  private final int port;
  private final Path log;

  private ChildService(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts a child on the same database and secrets as {@code config}, and waits until it is ready. */
  public static ChildService start(Config config, String instanceId, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(config.toEnv());
    env.remove(Config.LOG_FORMAT);
    env.putAll(extra);
    return launch(env, instanceId, Duration.ofSeconds(60));
  }

  /**
   * Starts a child with no database URL, so it runs its own embedded Postgres under
   * {@code dataDir}/pg (its secrets are generated there too, and found again by the next child
   * on the same directory), and waits up to {@code readyWithin} until it is ready.
   */
  public static ChildService startEmbedded(Path dataDir, String instanceId, Map<String, String> extra,
    Duration readyWithin) {
    Map<String, String> env = new HashMap<>(Map.of(Config.DATA_DIR, dataDir.toAbsolutePath().toString(),
      Config.ADMIN_TOKEN, TestService.ADMIN_TOKEN));
    env.putAll(extra);
    return launch(env, instanceId, readyWithin);
  }

  private static ChildService launch(Map<String, String> env, String instanceId, Duration readyWithin) {
    int port = freePort();
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
      "dev.hmd.Main", "serve");
    // only what the test gives: a database URL in this JVM's environment must not leak in
    builder.environment().keySet().removeIf(name -> name.startsWith("HMD_"));
    builder.environment().putAll(env);
    builder.environment().put(Config.HTTP_PORT, String.valueOf(port));
    builder.environment().put(Config.INSTANCE_ID, instanceId);
    builder.environment().putIfAbsent(Config.LOG_FORMAT, "plain");
    try {
      Path dir = Files.createDirectories(Path.of("target", "child-logs"));
      Path log = dir.resolve(instanceId + ".log");
      builder.redirectErrorStream(true).redirectOutput(log.toFile());
      ChildService child = new ChildService(builder.start(), port, log);
      await().atMost(readyWithin).pollInterval(Duration.ofMillis(200)).until(child::ready);
      return child;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  public Path log() {
    return log;
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook, no lease given back. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM: a graceful stop. */
  public void terminate() {
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean ready() {
    if (!process.isAlive()) {
      throw new IllegalStateException("child service died; see " + log.toAbsolutePath());
    }
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://localhost:" + port + "/health/ready").toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(1000);
      return c.getResponseCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }
}
