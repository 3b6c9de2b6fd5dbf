/**
 * What every HTTP handler shares: problem+json errors ({@link dev.hmd.http.ApiException},
 * {@link dev.hmd.http.Problems}), request bodies and times ({@link dev.hmd.http.Json}), paging, the
 * client-side SSE parser, and the rules for calling out ({@link dev.hmd.http.OutboundUrls},
 * {@link dev.hmd.http.PublicAddresses}: which URLs and addresses, connecting to the address
 * judged). Depends on {@code db} (to tell an outage from a bug) only.
 */
package dev.hmd.http;
