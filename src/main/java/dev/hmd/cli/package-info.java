/**
 * The command line: {@code serve}, {@code simulate}, {@code demo} and the pipeline client
 * {@code release ...}. Depends on {@code app}, {@code sim} and {@code http}; only the root
 * {@code Main} depends on it.
 */
package dev.hmd.cli;
