/**
 * A tenant's Cloudflare connections (account, Worker, sealed token), their plans and their API:
 * the {@code connections} and {@code plans} tables, {@link dev.hmd.connections.PlanJson} (plans as
 * JSON, validated by {@code slo}) and the opened tokens the engine uses
 * ({@link dev.hmd.connections.ConnectionTokens}). Depends on {@code tenancy}, {@code http},
 * {@code slo}, {@code secrets}, {@code cloudflare} and {@code db}.
 */
package dev.hmd.connections;
