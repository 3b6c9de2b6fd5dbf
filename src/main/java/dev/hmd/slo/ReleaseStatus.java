package dev.hmd.slo;

import java.util.Arrays;
import java.util.Optional;

/** A release's {@code state} in the API. */
public enum ReleaseStatus {
  RUNNING("running"),
  AWAITING_APPROVAL("awaiting_approval"),
  /** A person paused the soak: its clock stands still, checks go on, a failure still rolls back. */
  PAUSED("paused"),
  SUCCEEDED("succeeded"),
  ROLLED_BACK("rolled_back"),
  CANCELLED("cancelled"),
  FAILED("failed");

  private final String wireName;

  ReleaseStatus(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public boolean isTerminal() {
    return this != RUNNING && this != AWAITING_APPROVAL && this != PAUSED;
  }

  public static Optional<ReleaseStatus> fromWireName(String name) {
    return Arrays.stream(values()).filter(s -> s.wireName.equals(name)).findFirst();
  }

  @Override
  public String toString() {
    return wireName;
  }
}
