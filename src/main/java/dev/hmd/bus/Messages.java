package dev.hmd.bus;

/** The records sent over the event bus, one per address of {@link Addresses}. */
public final class Messages {

  private Messages() {
  }

  public record ReleaseKick(String tenantId, String releaseId) {
  }

  public record EventsCommitted(String tenantId, long lastEventId) {
  }

}
