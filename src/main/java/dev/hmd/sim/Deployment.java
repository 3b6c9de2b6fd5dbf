package dev.hmd.sim;

import java.util.List;

/**
 * A deployment: one or two versions with the share of traffic each gets. It serves from
 * {@code effectiveSecond} on, until a later deployment takes over.
 */
record Deployment(String id, long createdOn, String source, List<Split> versions, String message,
                  String triggeredBy, String authorEmail, long effectiveSecond) {

  record Split(String versionId, double percentage) {
  }
}
