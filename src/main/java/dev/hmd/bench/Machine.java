package dev.hmd.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the benchmarks read from the JVM and the operating system: heap after a full GC, CPU time
 * of this process and of the embedded Postgres (a separate process tree), open-file limits, the
 * machine's size and load.
 */
final class Machine {

  /** Linux reports process CPU times in clock ticks of 1/100 s (USER_HZ). */
  private static final long TICKS_PER_SECOND = 100;

  private Machine() {
  }

  /** Heap in use after two full collections, in bytes. */
  static long heapAfterGc() {
    for (int i = 0; i < 2; i++) {
      System.gc();
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** CPU time this JVM used so far, in nanoseconds (every thread: service, simulator, load generator). */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
      .getProcessCpuTime();
  }

  /** User and system CPU time of this process so far, in nanoseconds ({0, 0} when unknown). */
  static long[] processUserSystemNanos() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new long[] {Long.parseLong(f[11]) * 1_000_000_000L / TICKS_PER_SECOND,
        Long.parseLong(f[12]) * 1_000_000_000L / TICKS_PER_SECOND};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  /**
   * CPU time of the Postgres listening on {@code port}: the postmaster, its live children (one
   * backend per pooled connection, the writer, the WAL writer...) and the children it reaped.
   * -1 when it cannot be read (not Linux).
   */
  static long postgresCpuNanos(int port) {
    try {
      long postmaster = postmasterPid(port);
      if (postmaster < 0) {
        return -1;
      }
      long ticks = 0;
      for (long[] stat : processStats()) {
        if (stat[0] == postmaster) {
          ticks += stat[2] + stat[3] + stat[4] + stat[5];
        } else if (stat[1] == postmaster) {
          ticks += stat[2] + stat[3];
        }
      }
      return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static long postmasterPid(int port) throws IOException {
    String portArgument = String.valueOf(port);
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
        try {
          String[] args = new String(Files.readAllBytes(proc.resolve("cmdline"))).split("\0");
          if (args.length == 0 || !args[0].endsWith("postgres")) {
            continue;
          }
          for (int i = 0; i < args.length; i++) {
            if ((i > 0 && args[i].equals(portArgument) && args[i - 1].equals("-p")) || args[i].equals("port=" + port)) {
              return Long.parseLong(proc.getFileName().toString());
            }
          }
        } catch (IOException ignored) {
          // the process ended meanwhile
        }
      }
    }
    return -1;
  }

  /** Per process: pid, ppid, utime, stime, cutime, cstime (ticks). */
  private static List<long[]> processStats() throws IOException {
    List<long[]> stats = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
        try {
          String stat = Files.readString(proc.resolve("stat"));
          // the command name is in parentheses and may hold spaces; the fields after it are plain
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          stats.add(new long[] {Long.parseLong(proc.getFileName().toString()), Long.parseLong(f[1]),
            Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])});
        } catch (IOException | RuntimeException ignored) {
          // the process ended meanwhile
        }
      }
    }
    return stats;
  }

  /** The soft limit on open files of this process ({@code ulimit -n}); -1 when unknown. */
  static long openFilesLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String[] parts = line.substring("Max open files".length()).trim().split("\\s+");
          return parts[0].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(parts[0]);
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // not Linux
    }
    return -1;
  }

  /** Open file descriptors of this process now; -1 when unknown. */
  static long openFiles() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The machine and JVM the figures were measured on. */
  static JsonObject describe() {
    JsonObject json = new JsonObject()
      .put("cores", Runtime.getRuntime().availableProcessors())
      .put("maxHeapMiB", Runtime.getRuntime().maxMemory() / (1024 * 1024))
      .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"))
      .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"))
      .put("openFilesLimit", openFilesLimit());
    try {
      json.put("cpu", Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
        .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown"));
      json.put("memoryGiB", Math.round(Files.readAllLines(Path.of("/proc/meminfo")).stream()
        .filter(l -> l.startsWith("MemTotal")).mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst()
        .orElse(0) / (1024.0 * 1024.0)));
      json.put("loadAverageAtStart", Files.readString(Path.of("/proc/loadavg")).trim());
    } catch (IOException | RuntimeException ignored) {
      // not Linux
    }
    return json;
  }

  static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }
}
