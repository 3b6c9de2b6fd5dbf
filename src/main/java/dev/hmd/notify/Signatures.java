package dev.hmd.notify;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook signing secrets and signatures. The signature is the hex HMAC-SHA256, keyed with the
 * whole secret string as shown ({@code whsec_...}, UTF-8), of {@code "<timestamp>.<body>"}: the
 * timestamp (Unix seconds, also in {@code X-HMD-Timestamp}) is signed so that a captured request
 * cannot be replayed later by someone who can only copy it.
 */
public final class Signatures {

  public static final String SECRET_PREFIX = "whsec_";
  /** {@code X-HMD-Signature: sha256=<hex>}. */
  public static final String SCHEME = "sha256=";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Signatures() {
  }

  /** {@code whsec_} and 256 random bits, base64url without padding. */
  public static String newSecret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The header value: {@code sha256=} and the hex HMAC-SHA256 of {@code "<timestamp>.<body>"}. */
  public static String sign(String secret, long timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return SCHEME + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  /** What a receiver does: recompute and compare in constant time. */
  public static boolean verify(String secret, String timestampHeader, byte[] body, String signatureHeader) {
    if (secret == null || timestampHeader == null || signatureHeader == null) {
      return false;
    }
    long timestamp;
    try {
      timestamp = Long.parseLong(timestampHeader);
    } catch (NumberFormatException e) {
      return false;
    }
    return MessageDigest.isEqual(sign(secret, timestamp, body).getBytes(StandardCharsets.US_ASCII),
      signatureHeader.getBytes(StandardCharsets.US_ASCII));
  }
}
