package dev.hmd.sim;

/** One uploaded version of a Worker. Its profile may change; the change applies from the next second. */
final class SimVersion {

  final String id;
  final int number;
  final long createdOn;
  final String message;
  final String tag;
  final String source;
  final String authorEmail;
  private final TimeLine<Profile> profiles = new TimeLine<>();

  SimVersion(String id, int number, long createdOn, String message, String tag, String source, String authorEmail,
             long fromSecond, Profile profile) {
    this.id = id;
    this.number = number;
    this.createdOn = createdOn;
    this.message = message;
    this.tag = tag;
    this.source = source;
    this.authorEmail = authorEmail;
    profiles.put(fromSecond, profile);
  }

  /** The profile in force during {@code second}; before the version existed, its first one. */
  Profile profileAt(long second) {
    Profile profile = profiles.at(second);
    return profile != null ? profile : profiles.latest();
  }

  Profile profile() {
    return profiles.latest();
  }

  void changeProfile(long fromSecond, Profile profile) {
    profiles.put(fromSecond, profile);
  }
}
