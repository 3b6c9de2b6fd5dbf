/**
 * The benchmarks ({@code hmd bench scale|rollback|sse|api}): each starts its own embedded Postgres,
 * simulator and service and drives them over real sockets. Depends on {@code app}, {@code sim} and
 * the infrastructure; nothing depends on it.
 */
package dev.hmd.bench;
