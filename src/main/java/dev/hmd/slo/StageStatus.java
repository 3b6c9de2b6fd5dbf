package dev.hmd.slo;

import java.util.Arrays;
import java.util.Optional;

/** A stage's {@code state} in the API. */
public enum StageStatus {
  PENDING("pending"),
  SOAKING("soaking"),
  AWAITING_APPROVAL("awaiting_approval"),
  PASSED("passed"),
  FAILED("failed"),
  CANCELLED("cancelled"),
  /** Never started: a person promoted the release past it ({@code promote} with {@code full}). */
  SKIPPED("skipped");

  private final String wireName;

  StageStatus(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<StageStatus> fromWireName(String name) {
    return Arrays.stream(values()).filter(s -> s.wireName.equals(name)).findFirst();
  }

  @Override
  public String toString() {
    return wireName;
  }
}
