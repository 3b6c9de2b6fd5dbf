package dev.hmd.db;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * The Postgres programs (initdb, pg_ctl, postgres) bundled in the jar, unpacked once per machine
 * under {@code java.io.tmpdir/embedded-pg}. The archive comes from zonky's binaries artifact; we
 * unpack it ourselves because zonky's {@code EmbeddedPostgres} only hands them out with a server it
 * starts and stops on its own (from a JVM shutdown hook that races the service's orderly stop).
 */
final class PostgresBinaries {

  private static Path located;

  private PostgresBinaries() {
  }

  /** The directory holding {@code bin/}, {@code lib/} and {@code share/}, unpacked if needed. */
  static synchronized Path locate() throws IOException {
    if (located != null && Files.isExecutable(located.resolve("bin/postgres"))) {
      return located;
    }
    byte[] archive;
    try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system(), architecture())) {
      archive = in.readAllBytes();
    }
    Path root = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg"));
    // named by content, so another build's binaries never mix with these
    Path dir = root.resolve("hmd-" + HexFormat.of().formatHex(sha256(archive)).substring(0, 20));
    if (!Files.isExecutable(dir.resolve("bin/postgres"))) {
      // unpacked aside and renamed into place, so a process killed half-way leaves no partial tree
      // behind and processes unpacking at the same time do not collide
      Path scratch = Files.createTempDirectory(root, "unpacking-");
      try {
        unpack(archive, scratch);
        Files.move(scratch, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        // fine if another process got there first with the same content
        if (!Files.isExecutable(dir.resolve("bin/postgres"))) {
          throw e;
        }
      } finally {
        deleteTree(scratch);
      }
    }
    located = dir;
    return dir;
  }

  private static void unpack(byte[] archive, Path target) throws IOException {
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(new ByteArrayInputStream(archive)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path path = target.resolve(entry.getName()).normalize();
        if (!path.startsWith(target)) {
          throw new IOException("unexpected entry in the Postgres archive: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(path);
          continue;
        }
        Files.createDirectories(path.getParent());
        if (entry.isSymbolicLink()) {
          Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
          Files.createLink(path, target.resolve(entry.getLinkName()).normalize());
        } else {
          Files.copy(tar, path);
          permissions(path, entry.getMode());
        }
      }
    }
  }

  private static void permissions(Path path, int mode) throws IOException {
    Set<PosixFilePermission> set = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    if ((mode & 0100) != 0) {
      set.add(PosixFilePermission.OWNER_EXECUTE);
    }
    try {
      Files.setPosixFilePermissions(path, set);
    } catch (UnsupportedOperationException e) {
      path.toFile().setExecutable((mode & 0100) != 0);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The names zonky's binaries artifacts use. */
  private static String system() {
    String os = System.getProperty("os.name").toLowerCase();
    return os.contains("mac") ? "Darwin" : os.contains("win") ? "Windows" : "Linux";
  }

  private static String architecture() {
    String arch = System.getProperty("os.arch");
    return arch.equals("amd64") ? "x86_64" : arch;
  }
}
