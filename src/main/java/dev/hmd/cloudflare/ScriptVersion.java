package dev.hmd.cloudflare;

import java.util.Objects;

/** A version of one script: the key telemetry is grouped by. */
public record ScriptVersion(String script, String versionId) {

  public ScriptVersion {
    Objects.requireNonNull(script, "script");
    Objects.requireNonNull(versionId, "versionId");
  }
}
