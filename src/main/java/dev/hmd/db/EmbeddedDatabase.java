package dev.hmd.db;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Postgres run from the binaries inside the jar, for a machine with no database configured.
 * Its data directory persists, so a restart finds its releases again.
 *
 * <p>The server is supervised by the process that uses it. Started through {@code pg_ctl}, it runs
 * in a session of its own (a Ctrl+C of the terminal does not stop it under the service), so a JVM
 * killed with SIGKILL leaves it running; the next start finds it through {@code postmaster.pid},
 * stops it and lets Postgres's crash recovery run. While the service runs, {@link #supervise}
 * restarts a server that died on the same data directory and port, and {@link #close} stops it
 * only after the service has let go of its connections.
 */
public final class EmbeddedDatabase implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private static final String MAX_CONNECTIONS = "300";
  /**
   * How long a start may take. It ends as soon as the server accepts connections: only crash
   * recovery after an unclean stop (the WAL since the last checkpoint is replayed) takes long.
   */
  static final Duration STARTUP_WAIT = Duration.ofSeconds(120);
  private static final Duration STOP_WAIT = Duration.ofSeconds(30);
  private static final Duration CHECK_EVERY = Duration.ofSeconds(1);
  private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(30);
  /** Postgres's own output, kept in the data directory so that it outlives a crash of this process. */
  static final String LOG_FILE = "postgres.log";

  private final Path binaries;
  private final Path dataDir;
  private final boolean temporary;
  private final int port;
  private final List<String> settings;
  private final FileChannel lock;
  private volatile ProcessHandle postmaster;
  private volatile boolean closing;
  private ScheduledExecutorService supervisor;
  private Counter restarts;
  private int failedRestarts;
  private Instant nextRestart = Instant.MIN;

  private EmbeddedDatabase(Path binaries, Path dataDir, boolean temporary, int port, List<String> settings,
    FileChannel lock) {
    this.binaries = binaries;
    this.dataDir = dataDir;
    this.temporary = temporary;
    this.port = port;
    this.settings = List.copyOf(settings);
    this.lock = lock;
  }

  /**
   * Starts Postgres keeping its data under {@code dataDir}; {@code null} for a throw-away one
   * (fsync off, deleted on {@link #close}). A server left running there by a process that died is
   * stopped first; the port is the one of the previous run when it is still free.
   */
  public static EmbeddedDatabase start(Path dataDir) {
    boolean temporary = dataDir == null;
    FileChannel lock = null;
    Path dir = null;
    try {
      Path binaries = PostgresBinaries.locate();
      if (temporary) {
        dir = Files.createTempDirectory("hmd-pg-").toAbsolutePath();
      } else {
        dir = dataDir.toAbsolutePath().normalize();
        Files.createDirectories(dir.getParent());
        lock = lock(dir);
      }
      // read before an orphan is stopped: its postmaster.pid may be all that remembers the port
      Optional<Integer> previousPort = temporary ? Optional.empty() : previousPort(dir);
      if (!temporary) {
        clearLeftovers(binaries, dir);
      }
      initdb(binaries, dir, temporary);
      int port = temporary ? freePort() : choosePort(previousPort);
      if (!temporary) {
        Files.writeString(portFile(dir), port + "\n");
      }
      List<String> settings = List.of("max_connections=" + MAX_CONNECTIONS, "timezone=UTC",
        "fsync=" + (temporary ? "off" : "on"), "synchronous_commit=" + (temporary ? "off" : "on"));
      EmbeddedDatabase db = new EmbeddedDatabase(binaries, dir, temporary, port, settings, lock);
      db.launch();
      LOG.info("embedded Postgres listening on 127.0.0.1:{} ({}; pid {})", port,
        temporary ? "temporary data" : "data in " + dir, db.postmaster.pid());
      return db;
    } catch (IOException | RuntimeException e) {
      closeQuietly(lock);
      if (temporary && dir != null) {
        deleteTree(dir);
      }
      throw new UncheckedIOException("could not start the embedded Postgres"
        + (temporary ? "" : " in " + dataDir.toAbsolutePath()) + ": " + e.getMessage(),
        e instanceof IOException io ? io : new IOException(e));
    }
  }

  /**
   * Watches the server from a thread of its own (off the event loops) every second and restarts
   * it on the same data directory and port when it has died, counting restarts in
   * {@code hmd_embedded_postgres_restarts_total}. Until it is back, queries fail, so
   * {@code /health/ready} answers 503; the pool and the LISTEN connections reconnect by themselves.
   */
  public synchronized EmbeddedDatabase supervise(MeterRegistry registry) {
    if (supervisor != null || closing) {
      return this;
    }
    restarts = Counter.builder("hmd.embedded.postgres.restarts")
      .description("restarts of the embedded Postgres after it died under the service").register(registry);
    supervisor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "hmd-embedded-postgres-supervisor");
      t.setDaemon(true);
      return t;
    });
    supervisor.scheduleWithFixedDelay(this::check, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(),
      TimeUnit.MILLISECONDS);
    return this;
  }

  public DatabaseUrl url(String database) {
    return new DatabaseUrl("localhost", port, database, "postgres", "", io.vertx.pgclient.SslMode.DISABLE);
  }

  public DatabaseUrl url() {
    return url("postgres");
  }

  public int port() {
    return port;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** The postmaster's pid of the server started last. */
  public long pid() {
    return postmaster.pid();
  }

  /** Stops watching, then stops the server (fast shutdown: the sessions still open are ended). */
  @Override
  public void close() {
    ScheduledExecutorService watching;
    synchronized (this) {
      if (closing) {
        return;
      }
      closing = true;
      watching = supervisor;
    }
    if (watching != null) {
      // interrupts a restart under way; the server it may have started is stopped below
      watching.shutdownNow();
      try {
        watching.awaitTermination(STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      PostmasterPidFile.read(dataDir).flatMap(f -> f.runningPostmaster(dataDir))
        .or(() -> Optional.ofNullable(postmaster).filter(ProcessHandle::isAlive))
        .ifPresent(p -> stop(binaries, dataDir, p));
      LOG.info("embedded Postgres stopped ({})", temporary ? "temporary data" : "data in " + dataDir);
    } finally {
      closeQuietly(lock);
      if (temporary) {
        deleteTree(dataDir);
      }
    }
  }

  /** One look from the supervisor: nothing to do while the postmaster lives. */
  private void check() {
    try {
      if (closing || postmaster.isAlive() || Instant.now().isBefore(nextRestart)) {
        return;
      }
      if (failedRestarts == 0) {
        LOG.error("embedded Postgres (pid {}, port {}) died under the service: {}; restarting it on {}",
          postmaster.pid(), port, lastWords(), dataDir);
      }
      long began = System.nanoTime();
      clearLeftovers(binaries, dataDir);
      launch();
      failedRestarts = 0;
      restarts.increment();
      LOG.warn("embedded Postgres restarted on port {} (pid {}) in {} ms, crash recovery included",
        port, postmaster.pid(), Duration.ofNanos(System.nanoTime() - began).toMillis());
    } catch (InterruptedIOException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (closing) {
        return;
      }
      failedRestarts++;
      Duration delay = Duration.ofSeconds(Math.min(MAX_RETRY_DELAY.toSeconds(), 1L << Math.min(failedRestarts, 5)));
      nextRestart = Instant.now().plus(delay);
      LOG.error("embedded Postgres could not be restarted (attempt {}): {}; trying again in {} s",
        failedRestarts, e.getMessage(), delay.toSeconds());
    }
  }

  /** Starts the postmaster with {@code pg_ctl} and waits until it accepts connections. */
  private void launch() throws IOException {
    StringBuilder options = new StringBuilder("-p ").append(port);
    settings.forEach(s -> options.append(" -c ").append(s));
    Run run = run(STARTUP_WAIT.plusSeconds(10), pgCtl(binaries), "start", "-D", dataDir.toString(), "-w",
      "-t", String.valueOf(STARTUP_WAIT.toSeconds()), "-l", dataDir.resolve(LOG_FILE).toString(), "-o",
        options.toString());
    Optional<ProcessHandle> started = PostmasterPidFile.read(dataDir).flatMap(f -> f.runningPostmaster(dataDir));
    if (run.exitCode() != 0 || started.isEmpty()) {
      started.ifPresent(p -> stop(binaries, dataDir, p));
      throw new IOException("pg_ctl start failed (" + run.output().strip() + "); " + lastWords());
    }
    postmaster = started.get();
  }

  /**
   * Makes the data directory startable after a process died without stopping its server. A
   * postmaster still running there is stopped (Postgres then recovers from its WAL on the next
   * start); a {@code postmaster.pid} whose pid now belongs to some other live process is removed,
   * since Postgres would refuse to start while that process lives; one naming a dead pid is left
   * to Postgres, which checks it against the shared memory of old server processes.
   */
  static Leftover clearLeftovers(Path binaries, Path dataDir) {
    Optional<PostmasterPidFile> file = PostmasterPidFile.read(dataDir);
    if (file.isEmpty()) {
      return Leftover.NONE;
    }
    long pid = file.get().pid();
    Optional<ProcessHandle> orphan = file.get().runningPostmaster(dataDir);
    if (orphan.isPresent()) {
      LOG.warn("a Postgres (pid {}) is still running on {}, left by a process that died without stopping it; "
        + "stopping it before starting again", pid, dataDir);
      stop(binaries, dataDir, orphan.get());
      return Leftover.ORPHAN_STOPPED;
    }
    if (file.get().process().isPresent()) {
      LOG.warn("{} names pid {}, which is now another process: removing the stale file", file.get().file(), pid);
      try {
        Files.deleteIfExists(file.get().file());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot remove the stale " + file.get().file() + ": " + e.getMessage(), e);
      }
      return Leftover.STALE_FILE_REMOVED;
    }
    return Leftover.STALE_FILE_KEPT;
  }

  /** What {@link #clearLeftovers} found. */
  enum Leftover { NONE, ORPHAN_STOPPED, STALE_FILE_REMOVED, STALE_FILE_KEPT }

  /**
   * Stops a postmaster: a fast shutdown (sessions ended, a checkpoint written), then an immediate
   * one, and SIGKILL of it and its children if it still does not go.
   */
  static void stop(Path binaries, Path dataDir, ProcessHandle postmaster) {
    List<ProcessHandle> children = postmaster.descendants().toList();
    for (String mode : List.of("fast", "immediate")) {
      try {
        run(STOP_WAIT.plusSeconds(5), pgCtl(binaries), "stop", "-D", dataDir.toString(), "-m", mode, "-w",
          "-t", String.valueOf(STOP_WAIT.toSeconds()));
      } catch (IOException e) {
        LOG.warn("pg_ctl stop -m {} failed on {}", mode, dataDir, e);
      }
      if (exited(postmaster, Duration.ofSeconds(5))) {
        exited(children, Duration.ofSeconds(5));
        return;
      }
    }
    LOG.warn("Postgres (pid {}) on {} ignored pg_ctl stop: killing it", postmaster.pid(), dataDir);
    postmaster.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    exited(postmaster, Duration.ofSeconds(10));
    exited(children, Duration.ofSeconds(10));
  }

  /**
   * Waits for a process to be gone, reaped by its parent (init: pg_ctl's postmaster is no child of
   * ours). Not before: Postgres's lock-file check counts an unreaped process as a live postmaster.
   */
  private static boolean exited(ProcessHandle process, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (process.isAlive()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return !process.isAlive();
      }
    }
    return true;
  }

  private static void exited(List<ProcessHandle> processes, Duration wait) {
    processes.forEach(p -> exited(p, wait));
  }

  /**
   * Creates the cluster if the directory holds none: in a sibling directory renamed into place,
   * so that an initdb cut short leaves nothing that looks like a data directory.
   */
  private static void initdb(Path binaries, Path dir, boolean temporary) throws IOException {
    if (Files.exists(dir.resolve("PG_VERSION"))) {
      return;
    }
    if (Files.isDirectory(dir)) {
      try (Stream<Path> entries = Files.list(dir)) {
        if (entries.findAny().isPresent()) {
          throw new IOException(dir + " is neither empty nor a Postgres data directory; move it away to start afresh");
        }
      }
    }
    Path scratch = dir.resolveSibling(dir.getFileName() + ".initdb");
    deleteTree(scratch);
    List<String> command = new ArrayList<>(List.of(binaries.resolve("bin/initdb").toString(),
      "-A", "trust", "-U", "postgres", "-E", "UTF-8", "-D", scratch.toString()));
    if (temporary) {
      command.add("--no-sync");
    }
    Run run = run(Duration.ofMinutes(2), command.toArray(String[]::new));
    if (run.exitCode() != 0) {
      deleteTree(scratch);
      throw new IOException("initdb failed: " + run.output().strip());
    }
    Files.deleteIfExists(dir);
    Files.move(scratch, dir);
    LOG.info("created a Postgres cluster in {}", dir);
  }

  /**
   * The port of the previous run (so a restart keeps the database URL), unless something else
   * took it meanwhile.
   */
  private static int choosePort(Optional<Integer> remembered) {
    if (remembered.filter(EmbeddedDatabase::free).isPresent()) {
      return remembered.get();
    }
    int port = freePort();
    remembered.ifPresent(p -> LOG.warn("port {} of the embedded Postgres's previous run is taken; using {}", p, port));
    return port;
  }

  private static Optional<Integer> previousPort(Path dir) {
    try {
      return Optional.of(Integer.parseInt(Files.readString(portFile(dir)).strip()));
    } catch (IOException | NumberFormatException e) {
      return PostmasterPidFile.read(dir).flatMap(PostmasterPidFile::port);
    }
  }

  private static boolean free(int port) {
    if (port <= 0 || port > 65535) {
      return false;
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path portFile(Path dataDir) {
    return dataDir.resolveSibling(dataDir.getFileName() + ".port");
  }

  static Path lockFile(Path dataDir) {
    return dataDir.resolveSibling(dataDir.getFileName() + ".lock");
  }

  /**
   * One process at a time runs a data directory's server: the lock is held while this process
   * lives and released by the kernel when it dies, however it dies. A postmaster found running
   * there while we hold the lock therefore belongs to no living service.
   */
  private static FileChannel lock(Path dir) throws IOException {
    FileChannel channel = FileChannel.open(lockFile(dir), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock held;
    try {
      held = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      held = null;
    }
    if (held == null) {
      channel.close();
      throw new IOException("another hmd process is using the embedded Postgres in " + dir
        + "; stop it first, or give this one another HMD_DATA_DIR");
    }
    return channel;
  }

  /** The last lines Postgres wrote, for the log of a failed start or of a death. */
  private String lastWords() {
    try {
      List<String> lines = Files.readAllLines(dataDir.resolve(LOG_FILE), StandardCharsets.UTF_8);
      List<String> tail = lines.subList(Math.max(0, lines.size() - 3), lines.size());
      return tail.isEmpty() ? "no output in " + LOG_FILE : "last output in " + LOG_FILE + ": "
        + String.join(" | ", tail);
    } catch (IOException e) {
      return "no " + LOG_FILE;
    }
  }

  private static String pgCtl(Path binaries) {
    return binaries.resolve("bin/pg_ctl").toString();
  }

  private record Run(int exitCode, String output) {
  }

  /**
   * Runs a Postgres program to its end; its output is short (pg_ctl and initdb only report). As
   * root, inside a user namespace of its own, where it is not root: Postgres refuses to run as
   * root, and containers often run as nothing else (zonky does the same).
   */
  private static Run run(Duration limit, String... program) throws IOException {
    List<String> command = new ArrayList<>(unprivileged());
    command.addAll(List.of(program));
    Path output = Files.createTempFile("hmd-pg-ctl-", ".out");
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(nullFile())).redirectOutput(output.toFile()).start();
      try {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          throw new IOException(Path.of(program[0]).getFileName() + " did not finish within " + limit.toSeconds()
            + " s");
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new InterruptedIOException(Path.of(program[0]).getFileName() + " interrupted");
      }
      return new Run(process.exitValue(), Files.readString(output));
    } finally {
      Files.deleteIfExists(output);
    }
  }

  private static List<String> unprivilegedPrefix;

  /** {@code unshare -U} when this process is root and the kernel allows user namespaces, else nothing. */
  private static synchronized List<String> unprivileged() {
    if (unprivilegedPrefix == null) {
      unprivilegedPrefix = List.of();
      try {
        if (Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
          Process probe = new ProcessBuilder("unshare", "-U", "id", "-u").redirectErrorStream(true).start();
          String uid = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
          if (probe.waitFor() == 0 && !uid.equals("0")) {
            unprivilegedPrefix = List.of("unshare", "-U");
          }
        }
      } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
        // no /proc or no unshare: run the programs as they are
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return unprivilegedPrefix;
  }

  private static java.io.File nullFile() {
    return new java.io.File(System.getProperty("os.name").toLowerCase().contains("win") ? "NUL" : "/dev/null");
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // released by the kernel with the process at the latest
      }
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.warn("could not delete {}", dir, e);
    }
  }
}
