/**
 * The entry point: {@link dev.hmd.Main} hands the command line to {@code cli} (and {@code bench}).
 */
package dev.hmd;
