package dev.hmd.slo;

/**
 * One step of a rollout: route {@code targetPercent} of traffic to the new version and watch it
 * for {@code soakSeconds}. With {@code autoProgress} false a person must approve leaving it.
 */
public record Stage(int targetPercent, int soakSeconds, boolean autoProgress, String description) {
}
