package dev.hmd.slo;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * An outside system that must agree before the release goes on: the service POSTs the release to
 * {@code url} (signed like a webhook) at {@code when} and goes on only on a 2xx. Other answers and
 * no answer are tried again until {@code timeoutSeconds} have passed; then the release rolls back
 * with outcome {@code gate_failed}.
 */
public record Gate(String name, String url, When when, int timeoutSeconds) {

  public static final int DEFAULT_TIMEOUT_SECONDS = 300;

  public Gate {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(when, "when");
  }

  /** Where in a release a gate is asked. */
  public enum When {
    /** Once, before anything is deployed (before the smoke test). */
    BEFORE_START("before_start"),
    /** Before each stage's split is asked for, the first included. */
    BEFORE_EACH_STAGE("before_each_stage"),
    /** Before the stage that sends 100% of traffic to the new version. */
    BEFORE_PROMOTION("before_promotion");

    private final String wireName;

    When(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }

    public static Optional<When> fromWireName(String name) {
      return Arrays.stream(values()).filter(w -> w.wireName.equals(name)).findFirst();
    }

    public static String wireNames() {
      return "before_start, before_each_stage, before_promotion";
    }

    @Override
    public String toString() {
      return wireName;
    }
  }
}
