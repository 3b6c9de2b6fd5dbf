package dev.hmd.slo;

import java.util.Arrays;
import java.util.Optional;

/** The verdict of one SLO in one check, or of the whole check. */
public enum Verdict {
  /** Enough requests, and the observed value is within the SLO. */
  PASS("pass"),
  /** Strong evidence that the new version breaks the SLO: a confidence bound is beyond it. */
  FAIL("fail"),
  /** Neither: too few requests, no baseline, or a value too close to call. */
  INCONCLUSIVE("inconclusive"),
  /** The check could not be made: the telemetry query failed or returned nonsense. */
  ERROR("error");

  private final String wireName;

  Verdict(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<Verdict> fromWireName(String name) {
    return Arrays.stream(values()).filter(v -> v.wireName.equals(name)).findFirst();
  }

  @Override
  public String toString() {
    return wireName;
  }
}
