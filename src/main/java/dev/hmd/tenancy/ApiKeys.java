package dev.hmd.tenancy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * API keys: {@code hmd_} followed by 256 random bits (base64url), shown once, stored as their
 * SHA-256. With that much entropy a fast hash is enough: nobody can guess a preimage, so a
 * slow password hash would only slow every request down.
 */
public final class ApiKeys {

  public static final String PREFIX = "hmd_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeys() {
  }

  public static String newKey() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static byte[] hash(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether a string could be a key at all; anything else is refused before touching the database. */
  public static boolean looksLikeKey(String value) {
    return value != null && value.startsWith(PREFIX) && value.length() == PREFIX.length() + 43;
  }
}
