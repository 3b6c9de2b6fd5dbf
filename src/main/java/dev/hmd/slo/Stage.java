package dev.hmd.slo;

/**
 * One step of a rollout: route {@code targetPercent} of traffic to the new version and watch it
 * for {@code soakSeconds}. With {@code autoProgress} false a person must approve leaving it.
 * {@code maxSoakSeconds} (null: 4 x soakSeconds) is how long a soak without conclusive evidence
 * keeps collecting before the plan's {@code onInsufficientData} applies.
 */
public record Stage(int targetPercent, int soakSeconds, boolean autoProgress, String description,
                    Integer maxSoakSeconds) {

  /** How much longer than its soak a stage may collect evidence, when the plan does not say. */
  public static final int DEFAULT_MAX_SOAK_FACTOR = 4;

  public Stage(int targetPercent, int soakSeconds, boolean autoProgress, String description) {
    this(targetPercent, soakSeconds, autoProgress, description, null);
  }

  /** The longest the soak may run while it waits for conclusive evidence. */
  public int effectiveMaxSoakSeconds() {
    return maxSoakSeconds != null ? maxSoakSeconds : DEFAULT_MAX_SOAK_FACTOR * soakSeconds;
  }
}
