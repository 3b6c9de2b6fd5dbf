/**
 * The release scheduler verticle: claims due releases with leases and steps each through the
 * pure machine of {@code slo}, asking the deployer and the poller over the event bus. Depends on
 * {@code releases}, {@code connections}, {@code slo}, {@code bus}, {@code events} and {@code retry}.
 */
package dev.hmd.scheduler;
