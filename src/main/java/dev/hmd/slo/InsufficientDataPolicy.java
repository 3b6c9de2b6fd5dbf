package dev.hmd.slo;

import java.util.Arrays;
import java.util.Optional;

/** What a stage does when its soak ends without a single conclusive passing check. */
public enum InsufficientDataPolicy {
  /** Wait for a person: approve proceeds, deny rolls back. */
  PAUSE("pause"),
  /** Roll back with outcome insufficient_data. */
  ROLLBACK("rollback"),
  /** Carry on as if the stage had passed. */
  PROCEED("proceed");

  private final String wireName;

  InsufficientDataPolicy(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<InsufficientDataPolicy> fromWireName(String name) {
    return Arrays.stream(values()).filter(p -> p.wireName.equals(name)).findFirst();
  }

  @Override
  public String toString() {
    return wireName;
  }
}
