package dev.hmd.controls;

import dev.hmd.config.Config;
import java.time.Duration;

/**
 * The tunables of the calls the release controls make to addresses people give (gates, smoke
 * tests): they follow the webhooks' ({@code HMD_WEBHOOK_TIMEOUT_MS},
 * {@code HMD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES}), being the same kind of outbound call.
 *
 * @param timeout      one gate attempt, or one smoke request, connecting included
 * @param allowPrivate whether those addresses may resolve to loopback, private or link-local addresses
 */
public record ControlSettings(Duration timeout, boolean allowPrivate) {

  public static ControlSettings from(Config config) {
    return new ControlSettings(config.webhookTimeout(), config.webhookAllowPrivate());
  }
}
