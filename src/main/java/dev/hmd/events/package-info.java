/**
 * The event log and its live side: the per-tenant {@code events} table ({@link dev.hmd.events.EventLog}),
 * the process's one LISTEN connection ({@link dev.hmd.events.ChangeFeed}), the per-instance SSE
 * fan-out ({@link dev.hmd.events.EventHub}) and the caches the notifications keep true
 * ({@link dev.hmd.events.NotifiedCache}). Depends on {@code retry} only.
 */
package dev.hmd.events;
