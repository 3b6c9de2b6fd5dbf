package dev.hmd.slo;

/**
 * One validation problem: a field path such as {@code stages[2].targetPercent} and why. Kept
 * here rather than borrowed from the HTTP layer so this package depends on nothing above it; the
 * API maps it one to one onto its problem+json {@code errors} entries.
 */
public record FieldError(String field, String message) {
}
