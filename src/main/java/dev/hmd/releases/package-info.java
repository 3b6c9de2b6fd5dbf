/**
 * Releases as stored and shown: the {@code releases} and {@code checks} tables, the one write path
 * for a release change with its checks and events ({@link dev.hmd.releases.Releases}), the Release
 * JSON and the releases API. The pure state machine is in {@code slo}; the shell that drives it in
 * {@code scheduler}. A change's side effects in other features come through
 * {@link dev.hmd.releases.SaveHook}. Depends on {@code connections}, {@code tenancy}, {@code events},
 * {@code slo} and the infrastructure.
 */
package dev.hmd.releases;
