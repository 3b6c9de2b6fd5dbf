package dev.hmd.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@code postmaster.pid} in a data directory says: the pid of the postmaster that wrote it
 * (first line) and its port (fourth line). Postgres removes the file when it stops cleanly, so a
 * file left behind means a postmaster still runs there, or died without cleaning up.
 */
record PostmasterPidFile(Path file, long pid, Optional<Integer> port) {

  static final String NAME = "postmaster.pid";

  /** The file's content, or empty when there is none (or it is being written and not yet readable). */
  static Optional<PostmasterPidFile> read(Path dataDir) {
    Path file = dataDir.resolve(NAME);
    try {
      List<String> lines = Files.readAllLines(file);
      if (lines.isEmpty() || lines.get(0).isBlank()) {
        return Optional.empty();
      }
      // a standalone backend writes its pid negated
      long pid = Math.abs(Long.parseLong(lines.get(0).trim()));
      Optional<Integer> port = Optional.empty();
      if (lines.size() > 3 && !lines.get(3).isBlank()) {
        port = Optional.of(Integer.parseInt(lines.get(3).trim()));
      }
      return Optional.of(new PostmasterPidFile(file, pid, port));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The live process the file names, whatever it is now (its pid may have been reused). */
  Optional<ProcessHandle> process() {
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
  }

  /** The postmaster serving {@code dataDir}, if the pid still belongs to one. */
  Optional<ProcessHandle> runningPostmaster(Path dataDir) {
    return process().filter(p -> isPostgresOf(p, dataDir));
  }

  /**
   * Whether {@code process} is a Postgres server working on {@code dataDir}: its program is
   * {@code postgres} and, where {@code /proc} exists, its working directory is the data directory
   * (every Postgres process changes into it); elsewhere, its {@code -D} argument names it.
   */
  static boolean isPostgresOf(ProcessHandle process, Path dataDir) {
    ProcessHandle.Info info = process.info();
    boolean postgres = info.command().map(c -> Path.of(c).getFileName().toString())
      .filter(name -> name.equals("postgres") || name.equals("postgres.exe")).isPresent();
    if (!postgres) {
      return false;
    }
    Path cwd = Path.of("/proc", String.valueOf(process.pid()), "cwd");
    try {
      if (Files.exists(Path.of("/proc/self"))) {
        return Files.isSameFile(Files.readSymbolicLink(cwd), dataDir);
      }
      String[] args = info.arguments().orElse(new String[0]);
      for (int i = 0; i + 1 < args.length; i++) {
        if (args[i].equals("-D") && Files.isSameFile(Path.of(args[i + 1]), dataDir)) {
          return true;
        }
      }
      return false;
    } catch (IOException | UnsupportedOperationException e) {
      // not ours to inspect (another user's process, or it just exited): not ours to stop either
      return false;
    }
  }
}
