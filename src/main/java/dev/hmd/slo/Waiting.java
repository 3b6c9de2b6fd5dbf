package dev.hmd.slo;

import java.util.Arrays;
import java.util.Optional;

/** What a stage whose soak time is up still waits for before it is decided. */
public enum Waiting {
  /** Nothing: the soak time is not up, or the stage was decided. */
  NONE("none"),
  /** Conclusive evidence: the pooled evidence is not a pass yet; it keeps collecting until maxSoakSeconds. */
  EVIDENCE("evidence"),
  /**
   * Telemetry: every window up to the soak's end (the last stage) or up to its longest soak (no
   * conclusive evidence) must be checked first; telemetry arrives late and checks come once an
   * interval.
   */
  TELEMETRY("telemetry");

  private final String wireName;

  Waiting(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<Waiting> fromWireName(String name) {
    return Arrays.stream(values()).filter(w -> w.wireName.equals(name)).findFirst();
  }
}
