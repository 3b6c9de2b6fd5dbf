package dev.hmd.cloudflare;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A deployment of a Worker script: which versions serve and with what share. {@code message} is
 * the {@code workers/message} annotation, which is how the service recognises its own
 * deployments; {@code message}, {@code source} and {@code authorEmail} may be null.
 */
public record WorkerDeployment(String id, Instant createdOn, List<VersionSplit> versions, String message, String source,
                         String authorEmail) {

  public WorkerDeployment {
    versions = List.copyOf(versions);
  }

  /** The traffic this deployment serves. */
  public TrafficSplit split() {
    return new TrafficSplit(versions);
  }

  /** The share of traffic {@code versionId} receives in this deployment, 0 if it is not part of it. */
  public int percentageOf(String versionId) {
    return split().percentOf(versionId);
  }

  /** The version taking the largest share, the first listed on a tie. */
  public Optional<VersionSplit> dominant() {
    VersionSplit best = null;
    for (VersionSplit v : versions) {
      if (best == null || v.percentage() > best.percentage()) {
        best = v;
      }
    }
    return Optional.ofNullable(best);
  }
}
