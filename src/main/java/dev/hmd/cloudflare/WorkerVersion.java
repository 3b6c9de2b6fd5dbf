package dev.hmd.cloudflare;

import java.time.Instant;

/**
 * One uploaded version of a Worker script. {@code message} and {@code tag} are the
 * {@code workers/message} and {@code workers/tag} annotations; any of the text fields may be null
 * because Cloudflare omits what was never set.
 */
public record WorkerVersion(String id, int number, Instant createdOn, String message, String source, String tag) {
}
