/**
 * Tenants, API keys, dashboard sessions, the audit log, and who is calling
 * ({@link dev.hmd.tenancy.Authenticator} resolves every request to a {@link dev.hmd.tenancy.Principal}).
 * Depends on {@code http}, {@code events}, {@code db} and {@code config}.
 */
package dev.hmd.tenancy;
