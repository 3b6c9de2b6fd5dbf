package dev.hmd.slo;

import java.util.List;
import java.util.Objects;

/**
 * Where a release stands, as the engine persists it. {@code outcome} is null while the release
 * is active and set once it is terminal.
 */
public record ReleaseState(
  ReleaseStatus status,
  int currentStageIndex,
  List<StageState> stages,
  int consecutiveErrors,
  Outcome outcome) {

  public ReleaseState {
    Objects.requireNonNull(status, "status");
    stages = List.copyOf(stages);
    if (currentStageIndex < 0 || currentStageIndex >= stages.size()) {
      throw new IllegalArgumentException("currentStageIndex " + currentStageIndex + " outside " + stages.size() + " stages");
    }
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
