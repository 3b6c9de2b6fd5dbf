package dev.hmd.slo;

import java.util.Objects;

/**
 * A service level objective on one SLI of the new version. A {@code dryRun} SLO is evaluated and
 * recorded like the others but never counts toward a check's verdict: a way to try a threshold on
 * real traffic before it can roll anything back.
 */
public record Slo(Sli sli, double threshold, SloMode mode, boolean dryRun) {

  public Slo {
    Objects.requireNonNull(sli, "sli");
    Objects.requireNonNull(mode, "mode");
  }

  public Slo(Sli sli, double threshold, SloMode mode) {
    this(sli, threshold, mode, false);
  }

  public static Slo absolute(Sli sli, double threshold) {
    return new Slo(sli, threshold, SloMode.ABSOLUTE);
  }

  public static Slo relative(Sli sli, double factor) {
    return new Slo(sli, factor, SloMode.RELATIVE);
  }

  /** The same SLO, evaluated and recorded but never counted. */
  public Slo asDryRun() {
    return new Slo(sli, threshold, mode, true);
  }
}
