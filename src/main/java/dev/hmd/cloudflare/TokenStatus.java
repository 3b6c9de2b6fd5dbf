package dev.hmd.cloudflare;

/**
 * What {@code tokens/verify} says about a token: its id and {@code active}, {@code disabled} or
 * {@code expired}. An active token may still lack a permission; only a real call proves that.
 */
public record TokenStatus(String id, String status) {

  public boolean active() {
    return "active".equals(status);
  }
}
