package dev.hmd.tenancy;

import java.util.Locale;
import java.util.Optional;

/** What a key may do; each role includes the ones before it. */
public enum Role {
  /** Read and stream. */
  VIEWER,
  /** Also plans and releases. */
  OPERATOR,
  /** Also connections and keys. */
  ADMIN;

  public boolean includes(Role needed) {
    return compareTo(needed) >= 0;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> parse(String value) {
    for (Role role : values()) {
      if (role.wireName().equals(value)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
