/**
 * The Cloudflare simulator ({@code hmd simulate}): the Workers versions, deployments, telemetry and
 * edge endpoints as Cloudflare serves them, synthetic traffic, and the {@code /sim} control API.
 * Stands alone: depends on nothing of ours, and only {@code cli} and {@code bench} start it.
 */
package dev.hmd.sim;
