package dev.hmd.slo;

import java.util.List;
import java.util.Objects;

/**
 * Where a release stands, as the engine persists it. {@code outcome} is null while the release
 * is active and set once it is terminal. {@code controls} is what the release controls add (a
 * pause, the gates or smoke test it waits for); {@link ControlState#NONE} when none apply.
 */
public record ReleaseState(
  ReleaseStatus status,
  int currentStageIndex,
  List<StageState> stages,
  int consecutiveErrors,
  Outcome outcome,
  ControlState controls) {

  public ReleaseState {
    Objects.requireNonNull(status, "status");
    controls = controls == null ? ControlState.NONE : controls;
    stages = List.copyOf(stages);
    if (currentStageIndex < 0 || currentStageIndex >= stages.size()) {
      throw new IllegalArgumentException("currentStageIndex " + currentStageIndex + " outside " + stages.size()
        + " stages");
    }
  }

  /** A state without release controls in force. */
  public ReleaseState(ReleaseStatus status, int currentStageIndex, List<StageState> stages, int consecutiveErrors,
                      Outcome outcome) {
    this(status, currentStageIndex, stages, consecutiveErrors, outcome, ControlState.NONE);
  }

  public ReleaseState withControls(ControlState next) {
    return new ReleaseState(status, currentStageIndex, stages, consecutiveErrors, outcome, next);
  }

  /** The gates or smoke test the release waits for before a stage starts; null when none. */
  public ControlState.Waiting waiting() {
    return controls.waiting();
  }

  public StageState currentStage() {
    return stages.get(currentStageIndex);
  }

  public boolean isTerminal() {
    return status.isTerminal();
  }

  /** Before {@link ReleaseInput.Start}: nothing has been asked of Cloudflare yet. */
  public boolean isStarted() {
    return stages.get(0).startedAt() != null;
  }
}
