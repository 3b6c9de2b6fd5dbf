package dev.hmd.slo;

import java.util.Arrays;
import java.util.Optional;

/** How an SLO's threshold is read: as a limit, or as a factor of the old version's value. */
public enum SloMode {
  /** The new version's value must be <= threshold. */
  ABSOLUTE("absolute"),
  /** The new version's value must be <= the old version's value x threshold. */
  RELATIVE("relative");

  private final String wireName;

  SloMode(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<SloMode> fromWireName(String name) {
    return Arrays.stream(values()).filter(m -> m.wireName.equals(name)).findFirst();
  }

  @Override
  public String toString() {
    return wireName;
  }
}
