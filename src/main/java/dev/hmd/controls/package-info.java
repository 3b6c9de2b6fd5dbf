/**
 * Release controls that reach outside the service: the controls verticle asks a release's gates
 * (signed POSTs of the release) and runs its smoke test (requests to the new version at 0% with a
 * version override, confirmed through telemetry), each on request of the scheduler over the event
 * bus; and the per-connection secret gate requests are signed with. Depends on {@code bus},
 * {@code cloudflare}, {@code notify} (signatures), {@code connections},
 * {@code tenancy} and the infrastructure.
 */
package dev.hmd.controls;
