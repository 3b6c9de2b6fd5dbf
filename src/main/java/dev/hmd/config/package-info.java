/**
 * Every setting of the service, read once from {@code HMD_*} variables ({@link dev.hmd.config.Config},
 * parsed by {@link dev.hmd.config.Environment}). Depends on nothing of ours.
 */
package dev.hmd.config;
