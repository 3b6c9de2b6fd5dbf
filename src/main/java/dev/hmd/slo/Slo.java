package dev.hmd.slo;

import java.util.Objects;

/** A service level objective on one SLI of the new version. */
public record Slo(Sli sli, double threshold, SloMode mode) {

  public Slo {
    Objects.requireNonNull(sli, "sli");
    Objects.requireNonNull(mode, "mode");
  }

  public static Slo absolute(Sli sli, double threshold) {
    return new Slo(sli, threshold, SloMode.ABSOLUTE);
  }

  public static Slo relative(Sli sli, double factor) {
    return new Slo(sli, factor, SloMode.RELATIVE);
  }
}
