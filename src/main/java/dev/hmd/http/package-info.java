/**
 * What every HTTP handler shares: problem+json errors ({@link dev.hmd.http.ApiException},
 * {@link dev.hmd.http.Problems}), request bodies and times ({@link dev.hmd.http.Json}), paging, and the
 * client-side SSE parser. Depends on {@code db} (to tell an outage from a bug) only.
 */
package dev.hmd.http;
