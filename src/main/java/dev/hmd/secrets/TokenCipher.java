package dev.hmd.secrets;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals Cloudflare API tokens at rest with AES-256-GCM. Each ciphertext names the master key that
 * sealed it (its key id), so a new master key can be introduced while old ciphertexts still
 * open. The associated data binds a ciphertext to its row: a token copied into another tenant's
 * row does not decrypt.
 */
public final class TokenCipher {

  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A sealed secret: which master key, and nonce || ciphertext || tag. */
  public record Sealed(String keyId, byte[] ciphertext) {
  }

  private final String currentKeyId;
  private final Map<String, SecretKeySpec> keys = new LinkedHashMap<>();

  /** The first key seals; every key opens. */
  public TokenCipher(List<byte[]> masterKeys) {
    if (masterKeys.isEmpty()) {
      throw new IllegalArgumentException("at least one master key is needed");
    }
    for (byte[] key : masterKeys) {
      if (key.length != 32) {
        throw new IllegalArgumentException("a master key must be 32 bytes (AES-256), got " + key.length);
      }
      keys.putIfAbsent(keyId(key), new SecretKeySpec(key, "AES"));
    }
    this.currentKeyId = keyId(masterKeys.get(0));
  }

  public String currentKeyId() {
    return currentKeyId;
  }

  public Sealed seal(String plaintext, String associatedData) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentKeyId), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      byte[] body = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      return new Sealed(currentKeyId, ByteBuffer.allocate(NONCE_BYTES + body.length).put(nonce).put(body).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is unavailable", e);
    }
  }

  public String open(Sealed sealed, String associatedData) {
    SecretKeySpec key = keys.get(sealed.keyId());
    if (key == null) {
      throw new IllegalStateException("no master key with id " + sealed.keyId() + " is configured");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed.ciphertext(), 0, NONCE_BYTES));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      byte[] plain = cipher.doFinal(sealed.ciphertext(), NONCE_BYTES, sealed.ciphertext().length - NONCE_BYTES);
      return new String(plain, StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("a sealed token failed authentication (wrong key or tampered row)");
    }
  }

  /** Whether a ciphertext was sealed by an older key and should be sealed again. */
  public boolean isStale(String keyId) {
    return !currentKeyId.equals(keyId);
  }

  /** A short public name for a key: the first 8 bytes of its SHA-256, in hex. */
  static String keyId(byte[] key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key);
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
