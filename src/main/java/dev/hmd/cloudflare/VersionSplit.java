package dev.hmd.cloudflare;

import java.util.Objects;

/** One version of a deployment and the share of traffic it receives, 0..100. */
public record VersionSplit(String versionId, int percentage) {

  public VersionSplit {
    Objects.requireNonNull(versionId, "versionId");
    if (percentage < 0 || percentage > 100) {
      throw new IllegalArgumentException("percentage must be within 0..100, was " + percentage);
    }
  }
}
