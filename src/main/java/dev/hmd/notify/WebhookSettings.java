package dev.hmd.notify;

import dev.hmd.config.Config;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The tunables of notifications, read from the same environment as {@link Config} (each a named
 * variable with a default here).
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

  public static final String TIMEOUT_MS = "HMD_WEBHOOK_TIMEOUT_MS";
  public static final String MAX_ATTEMPTS = "HMD_WEBHOOK_MAX_ATTEMPTS";
  public static final String RETRY_BASE_MS = "HMD_WEBHOOK_RETRY_BASE_MS";
  public static final String RETRY_MAX_SECONDS = "HMD_WEBHOOK_RETRY_MAX_SECONDS";
  public static final String POLL_MS = "HMD_WEBHOOK_POLL_MS";
  /**
   * {@code false} (default): webhooks may call public unicast addresses only ({@link PublicAddresses});
   * other URLs are refused at creation and again, after resolving the host, at every attempt.
   * Any tenant admin creates webhooks, so reaching the service's own network (loopback, cloud
   * metadata, private services) must be asked for: {@code true} lets them call any address,
   * for the demo and tests whose receivers run on localhost, or a service trusted with its
   * tenants.
   */
  public static final String ALLOW_PRIVATE = "HMD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES";

  public static final int DEFAULT_TIMEOUT_MS = 10_000;
  public static final int DEFAULT_MAX_ATTEMPTS = 8;
  public static final int DEFAULT_RETRY_BASE_MS = 1_000;
  public static final int DEFAULT_RETRY_MAX_SECONDS = 300;
  public static final int DEFAULT_POLL_MS = 1_000;
  public static final boolean DEFAULT_ALLOW_PRIVATE = false;

  public static WebhookSettings defaults() {
    return from(Map.of());
  }

  public static WebhookSettings from(Config config) {
    return from(config.env());
  }

  public static WebhookSettings from(Map<String, String> env) {
    return new WebhookSettings(
      Duration.ofMillis(positive(env, TIMEOUT_MS, DEFAULT_TIMEOUT_MS)),
      positive(env, MAX_ATTEMPTS, DEFAULT_MAX_ATTEMPTS),
      Duration.ofMillis(positive(env, RETRY_BASE_MS, DEFAULT_RETRY_BASE_MS)),
      Duration.ofSeconds(positive(env, RETRY_MAX_SECONDS, DEFAULT_RETRY_MAX_SECONDS)),
      Duration.ofMillis(positive(env, POLL_MS, DEFAULT_POLL_MS)),
      bool(env, ALLOW_PRIVATE, DEFAULT_ALLOW_PRIVATE));
  }

  /** How long a claimed delivery stays with its process: well beyond one attempt, so only a dead process loses it. */
  public Duration lease() {
    return timeout.multipliedBy(3).plusSeconds(30);
  }

  private static Optional<String> text(Map<String, String> env, String name) {
    return Optional.ofNullable(env.get(name)).map(String::trim).filter(v -> !v.isEmpty());
  }

  private static int positive(Map<String, String> env, String name, int fallback) {
    Optional<String> raw = text(env, name);
    if (raw.isEmpty()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(raw.get());
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // falls through
    }
    throw new Config.ConfigException(name + " must be a positive integer, got '" + raw.get() + "'");
  }

  private static boolean bool(Map<String, String> env, String name, boolean fallback) {
    Optional<String> raw = text(env, name);
    if (raw.isEmpty()) {
      return fallback;
    }
    return switch (raw.get().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new Config.ConfigException(name + " must be true or false, got '" + raw.get() + "'");
    };
  }
}
