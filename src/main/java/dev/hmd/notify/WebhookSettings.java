package dev.hmd.notify;

import dev.hmd.config.Config;
import java.time.Duration;

/**
 * The tunables of notifications: their variables and defaults are in {@link Config}.
 *
 * @param timeout         one attempt, connecting included
 * @param maxAttempts     attempts before a delivery is {@code failed}
 * @param retryBase       the wait after the first failed attempt; it doubles after each
 * @param retryMax        the longest wait between two attempts
 * @param poll            how often the notifier looks for due deliveries when nothing woke it
 * @param allowPrivate    whether webhook URLs may point at loopback, private or link-local addresses
 */
public record WebhookSettings(Duration timeout, int maxAttempts, Duration retryBase, Duration retryMax, Duration poll,
                              boolean allowPrivate) {

  public static WebhookSettings defaults() {
    return from(Config.defaults());
  }

  /** The notifier's share of the service's configuration. */
  public static WebhookSettings from(Config config) {
    return new WebhookSettings(config.webhookTimeout(), config.webhookMaxAttempts(), config.webhookRetryBase(),
      config.webhookRetryMax(), config.webhookPoll(), config.webhookAllowPrivate());
  }

  /** How long a claimed delivery stays with its process: well beyond one attempt, so only a dead process loses it. */
  public Duration lease() {
    return timeout.multipliedBy(3).plusSeconds(30);
  }
}
