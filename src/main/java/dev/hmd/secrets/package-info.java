/**
 * Secrets at rest: the master keys that seal Cloudflare tokens (AES-256-GCM) and sign sessions, and
 * their rotation. Depends on {@code config} only.
 */
package dev.hmd.secrets;
