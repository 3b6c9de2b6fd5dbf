package dev.hmd.notify;

import dev.hmd.slo.ReleaseStatus;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** What a webhook is told about. The wire names are public: receivers switch on them. */
public enum WebhookEvent {
  STARTED("release.started"),
  /** Once per stage that stops for a person (a manual stage, or a soak without conclusive data under {@code pause}). */
  AWAITING_APPROVAL("release.awaiting_approval"),
  SUCCEEDED("release.succeeded"),
  ROLLED_BACK("release.rolled_back"),
  CANCELLED("release.cancelled"),
  FAILED("release.failed"),
  /**
   * Once per release (and stage) that becomes blocked: Cloudflare refuses its deployment with an
   * error that asking again will not change. The service keeps trying.
   */
  BLOCKED("release.blocked"),
  /** Sent on request ({@code POST /v1/webhooks/{id}/test}), whatever the webhook's filter. */
  PING("ping");

  /** The events a webhook can subscribe to (every one but {@link #PING}); the default filter. */
  public static final List<WebhookEvent> RELEASE_EVENTS = List.of(STARTED, AWAITING_APPROVAL, SUCCEEDED, ROLLED_BACK,
    CANCELLED, FAILED, BLOCKED);

  private final String wireName;

  WebhookEvent(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<WebhookEvent> fromWireName(String name) {
    return Arrays.stream(values()).filter(e -> e.wireName.equals(name)).findFirst();
  }

  /** The event of a release that ended in {@code state}; empty for an active state. */
  public static Optional<WebhookEvent> ended(ReleaseStatus state) {
    return switch (state) {
      case SUCCEEDED -> Optional.of(SUCCEEDED);
      case ROLLED_BACK -> Optional.of(ROLLED_BACK);
      case CANCELLED -> Optional.of(CANCELLED);
      case FAILED -> Optional.of(FAILED);
      case RUNNING, AWAITING_APPROVAL, PAUSED -> Optional.empty();
    };
  }
}
