package dev.hmd.slo;

import java.util.List;
import java.util.Objects;

/**
 * The result of applying an input: the next state and what to do about it, or a rejection
 * (the input does not apply to the state; the API answers 409) with the state unchanged.
 */
public record Transition(ReleaseState next, List<Effect> effects, String rejection) {

  public Transition {
    Objects.requireNonNull(next, "next");
    effects = List.copyOf(effects);
    if (rejection != null && !effects.isEmpty()) {
      throw new IllegalArgumentException("a rejected input has no effects");
    }
  }

  static Transition to(ReleaseState next, List<Effect> effects) {
    return new Transition(next, effects, null);
  }

  static Transition rejected(ReleaseState unchanged, String reason) {
    return new Transition(unchanged, List.of(), Objects.requireNonNull(reason, "reason"));
  }

  public boolean isRejected() {
    return rejection != null;
  }
}
