package dev.hmd.slo;

import java.util.Arrays;
import java.util.Optional;

/** Why a release ended: {@code outcome.code} in the API. */
public enum OutcomeCode {
  COMPLETED("completed"),
  SLO_VIOLATION("slo_violation"),
  APPROVAL_DENIED("approval_denied"),
  APPROVAL_TIMEOUT("approval_timeout"),
  CANCELLED("cancelled"),
  INSUFFICIENT_DATA("insufficient_data"),
  EXTERNAL_DEPLOYMENT("external_deployment"),
  ERROR("error"),
  /** The new version failed its smoke test at 0%; it never served real traffic. */
  SMOKE_TEST_FAILED("smoke_test_failed"),
  /** A gate did not answer 2xx within its timeout. */
  GATE_FAILED("gate_failed");

  private final String wireName;

  OutcomeCode(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<OutcomeCode> fromWireName(String name) {
    return Arrays.stream(values()).filter(c -> c.wireName.equals(name)).findFirst();
  }

  @Override
  public String toString() {
    return wireName;
  }
}
