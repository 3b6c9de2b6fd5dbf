package dev.hmd.slo;

import java.util.Objects;

/** How a release ended, for people: a code from the contract and a sentence. */
public record Outcome(OutcomeCode code, String message) {

  public Outcome {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }
}
