/**
 * The deployer verticle: makes Cloudflare serve the split a release wants, level-triggered (read,
 * write only if different, read back), never overwriting someone else's deployment. Talks to the
 * scheduler over the event bus only; depends on {@code bus} and {@code cloudflare}.
 */
package dev.hmd.deploy;
