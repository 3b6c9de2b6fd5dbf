package dev.hmd.db;

import java.security.SecureRandom;

/** Opaque ids with a type prefix ({@code t_}, {@code k_}, {@code c_}, {@code r_}): 120 random bits, URL-safe. */
public final class Ids {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final int LENGTH = 24;

  private Ids() {
  }

  public static String newId(String prefix) {
    StringBuilder id = new StringBuilder(prefix.length() + 1 + LENGTH).append(prefix).append('_');
    for (int i = 0; i < LENGTH; i++) {
      id.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
    }
    return id.toString();
  }
}
