/**
 * The pure decision core: plans and their validation, SLO evaluation with confidence bounds, and
 * the release state machine. Values in, verdicts out; no I/O, no clock reads. Depends on the JDK
 * and commons-math's distributions only (ArchitectureTest checks it).
 */
package dev.hmd.slo;
