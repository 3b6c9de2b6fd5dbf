package dev.hmd.secrets;

import dev.hmd.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's own secrets: master keys for tokens at rest and the session signing secret. From
 * the environment in production; generated once and kept beside the embedded data otherwise,
 * with a warning, so a demo survives restarts without configuration.
 */
public record Secrets(List<byte[]> masterKeys, String jwtSecret) {

  private static final Logger LOG = LoggerFactory.getLogger(Secrets.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  public static Secrets load(Config config) {
    List<byte[]> keys = new ArrayList<>();
    if (config.masterKey().isPresent()) {
      keys.add(decodeKey(Config.MASTER_KEY, config.masterKey().get()));
    } else {
      Path file = config.dataDir().resolve("master.key");
      LOG.warn("{} is not set: using a generated master key kept in {}; set it in production", Config.MASTER_KEY, file);
      keys.add(decodeKey(file.toString(), readOrCreate(file)));
    }
    for (String previous : config.previousMasterKeys()) {
      keys.add(decodeKey(Config.MASTER_KEY_PREVIOUS, previous));
    }
    String jwt;
    if (config.jwtSecret().isPresent()) {
      jwt = config.jwtSecret().get();
      if (jwt.length() < 32) {
        throw new Config.ConfigException(Config.JWT_SECRET + " must be at least 32 characters");
      }
    } else {
      Path file = config.dataDir().resolve("jwt.secret");
      LOG.warn("{} is not set: using a generated session secret kept in {}", Config.JWT_SECRET, file);
      jwt = readOrCreate(file);
    }
    return new Secrets(List.copyOf(keys), jwt);
  }

  /** Base64 of 32 random bytes. */
  public static String newKey() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return Base64.getEncoder().encodeToString(key);
  }

  private static byte[] decodeKey(String source, String base64) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new Config.ConfigException(source + " must be base64");
    }
    if (key.length != 32) {
      throw new Config.ConfigException(source + " must decode to 32 bytes, got " + key.length);
    }
    return key;
  }

  private static String readOrCreate(Path file) {
    try {
      if (Files.exists(file)) {
        return Files.readString(file).trim();
      }
      Files.createDirectories(file.getParent());
      String value = newKey();
      Files.writeString(file, value);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system; the directory's permissions have to do
      }
      return value;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create " + file + ": " + e.getMessage(), e);
    }
  }

  public TokenCipher cipher() {
    return new TokenCipher(masterKeys);
  }
}
