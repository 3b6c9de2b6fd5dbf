/**
 * The one backoff formula of the service ({@link dev.hmd.retry.Backoff}). Depends on nothing.
 */
package dev.hmd.retry;
