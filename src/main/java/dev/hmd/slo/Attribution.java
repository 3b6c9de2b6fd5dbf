package dev.hmd.slo;

/**
 * Which stage a check window belongs to ({@link ReleaseMachine#attribute}). {@code counted}: the
 * window was served under that stage's split alone, and is part of its evidence;
 * {@code servedPercent} is then the new version's share throughout it. Otherwise the stage is the
 * one whose split was asked for when the window ended, only a fail counts, {@code servedPercent}
 * is null (the split changed within the window) and {@code reason} says why.
 */
public record Attribution(int stageIndex, boolean counted, Integer servedPercent, String reason) {
}
