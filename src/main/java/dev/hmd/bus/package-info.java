/**
 * The event bus contract between verticles: every address ({@link dev.hmd.bus.Addresses}), the
 * immutable records sent to them ({@link dev.hmd.bus.Messages}, passed by a local codec) and the
 * wake-ups ({@link dev.hmd.bus.Kicks}). Depends on {@code cloudflare}'s records only.
 */
package dev.hmd.bus;
