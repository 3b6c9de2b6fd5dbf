/**
 * The Cloudflare API client: {@link dev.hmd.cloudflare.CloudflareClient} is the transport
 * (timeouts, retries, the per-token budget, metrics), {@link dev.hmd.cloudflare.CloudflareJson} and
 * {@link dev.hmd.cloudflare.ObservabilityQuery} are the pure JSON both ways, and the records are what
 * callers see. The contract it follows is {@code docs/cloudflare-api.md}; the same code talks to
 * {@code api.cloudflare.com} and to the simulator, only the base URL differs.
 */
package dev.hmd.cloudflare;

