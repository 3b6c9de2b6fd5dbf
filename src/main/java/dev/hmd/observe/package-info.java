/**
 * The observability poller verticle: answers the scheduler's checks with per-version telemetry,
 * folding the checks of one account that are due together into one Workers Observability query.
 * Depends on {@code bus} and {@code cloudflare}.
 */
package dev.hmd.observe;
