package dev.hmd.slo;

import dev.hmd.slo.Effect.AwaitApproval;
import dev.hmd.slo.Effect.Finished;
import dev.hmd.slo.Effect.ScheduleCheck;
import dev.hmd.slo.Effect.ScheduleSoakEnd;
import dev.hmd.slo.Effect.SetSplit;
import dev.hmd.slo.ReleaseInput.ApprovalTimedOut;
import dev.hmd.slo.ReleaseInput.Approve;
import dev.hmd.slo.ReleaseInput.Cancel;
import dev.hmd.slo.ReleaseInput.CheckCompleted;
import dev.hmd.slo.ReleaseInput.Deny;
import dev.hmd.slo.ReleaseInput.ExternalDeployment;
import dev.hmd.slo.ReleaseInput.SoakElapsed;
import dev.hmd.slo.ReleaseInput.SplitApplied;
import dev.hmd.slo.ReleaseInput.Start;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The stage transitions of one release under one plan, as a pure function: (state, input) ->
 * (next state, effects), or a rejection when the input does not apply. No clock, no I/O: the
 * shell persists the state, performs the effects and feeds back what happened.
 *
 * <p>The rules where the contract leaves room (docs/slo-evaluation.md has the reasoning):
 * <ul>
 *   <li>A stage's soak clock starts when its split is confirmed applied ({@link SplitApplied}),
 *   not when it is asked for: Cloudflare may take a while, or be failing, and a soak that
 *   measured the previous split would pass a stage nobody watched.</li>
 *   <li>Checks are taken while the release is running (soaking) and while it awaits approval:
 *   the new version serves traffic all that time, and a regression found while a person is at
 *   lunch must still roll back. Passes only matter to a soak that has not ended.</li>
 *   <li>A fail counts whenever it arrives, even before the stage's split is applied or from a
 *   window that began in the previous stage: it is evidence against the version, whichever
 *   split it was seen under. A pass or inconclusive check counts only when its window began
 *   after the soak clock started.</li>
 *   <li>A check processed after soakEndsAt but before {@link SoakElapsed} still counts: its
 *   window measured this stage's split.</li>
 *   <li>A soak is clean with at least one conclusive pass; failed checks below
 *   failureThreshold are tolerated, as the plan asked.</li>
 *   <li>{@value #MAX_CONSECUTIVE_ERRORS} consecutive error checks end the release as
 *   {@code failed} with outcome {@code error}, rolled back: the service, not the version,
 *   failed, and a version we cannot watch must not keep serving.</li>
 *   <li>Cancel, deny and an approval timeout are {@code cancelled}/{@code rolled_back} with the
 *   split back to 0% new. An external deployment is {@code cancelled} with outcome
 *   {@code external_deployment} and no split: a person took over, and what they deployed is
 *   left alone.</li>
 *   <li>When a release ends, stages never started become {@code cancelled}, so no stage of a
 *   finished release reads as still to come.</li>
 * </ul>
 */
public final class ReleaseMachine {

  public static final int MAX_CONSECUTIVE_ERRORS = 5;

  private final Plan plan;

  public ReleaseMachine(Plan plan) {
    this.plan = Objects.requireNonNull(plan, "plan");
  }

  public Plan plan() {
    return plan;
  }

  /** A release created but not yet started: every stage pending. */
  public ReleaseState initialState() {
    List<StageState> stages = new ArrayList<>();
    for (int i = 0; i < plan.stageCount(); i++) {
      stages.add(StageState.pending(i));
    }
    return new ReleaseState(ReleaseStatus.RUNNING, 0, stages, 0, null);
  }

  /** The initial state with {@link Start} applied. */
  public Transition start(Instant now) {
    return apply(initialState(), new Start(now));
  }

  /**
   * The split the release wants serving, as the new version's percentage: the current stage's
   * target while active, 100 once succeeded, 0 after any other ending; null when it wants
   * nothing: not started (a release cancelled before it started never touched the Worker), or
   * ended by an external deployment that must be left alone.
   */
  public Integer wantedNewPercent(ReleaseState state) {
    if (!state.isStarted()) {
      return null;
    }
    if (state.status() == ReleaseStatus.SUCCEEDED) {
      return 100;
    }
    if (state.isTerminal()) {
      return state.outcome().code() == OutcomeCode.EXTERNAL_DEPLOYMENT ? null : 0;
    }
    return target(state.currentStageIndex());
  }

  /** Whether a {@link CheckCompleted} would be taken: checks are due in this state. */
  public boolean acceptsChecks(ReleaseState state) {
    return state.status() == ReleaseStatus.AWAITING_APPROVAL
      || state.status() == ReleaseStatus.RUNNING && state.currentStage().status() == StageStatus.SOAKING;
  }

  public Transition apply(ReleaseState state, ReleaseInput input) {
    Objects.requireNonNull(input.now(), "now");
    if (state.stages().size() != plan.stageCount()) {
      throw new IllegalArgumentException("the state has " + state.stages().size() + " stages, the plan "
        + plan.stageCount());
    }
    if (state.isTerminal()) {
      return Transition.rejected(state, "the release has already ended (" + state.status().wireName() + ")");
    }
    if (input instanceof Start start) {
      return onStart(state, start);
    }
    if (!state.isStarted()) {
      if (input instanceof Cancel cancel) {
        return end(state, cancel.now(), ReleaseStatus.CANCELLED, StageStatus.CANCELLED,
          new Outcome(OutcomeCode.CANCELLED, withNote("cancelled before it started", cancel.note())), false);
      }
      return Transition.rejected(state, "the release has not started");
    }
    if (input instanceof SplitApplied applied) {
      return onSplitApplied(state, applied);
    }
    if (input instanceof CheckCompleted check) {
      return onCheck(state, check);
    }
    if (input instanceof SoakElapsed elapsed) {
      return onSoakElapsed(state, elapsed);
    }
    if (input instanceof Approve approve) {
      return onApprove(state, approve);
    }
    if (input instanceof Deny deny) {
      return onDeny(state, deny);
    }
    if (input instanceof Cancel cancel) {
      return end(state, cancel.now(), ReleaseStatus.CANCELLED, StageStatus.CANCELLED,
        new Outcome(OutcomeCode.CANCELLED, withNote("cancelled at " + label(state.currentStageIndex()), cancel.note())),
        true);
    }
    if (input instanceof ApprovalTimedOut timedOut) {
      return onApprovalTimedOut(state, timedOut);
    }
    if (input instanceof ExternalDeployment external) {
      String detail = external.detail() == null || external.detail().isBlank() ? "" : ": " + external.detail();
      return end(state, external.now(), ReleaseStatus.CANCELLED, StageStatus.CANCELLED,
        new Outcome(OutcomeCode.EXTERNAL_DEPLOYMENT, "someone else deployed to the Worker at "
          + label(state.currentStageIndex()) + "; their deployment is left as it is" + detail), false);
    }
    throw new IllegalArgumentException("unknown input " + input);
  }

  private Transition onStart(ReleaseState state, Start start) {
    if (state.isStarted()) {
      return Transition.rejected(state, "the release has already started");
    }
    ReleaseState next = withStage(state, 0, state.stages().get(0).started(start.now()), state.consecutiveErrors());
    return Transition.to(next, List.of(new SetSplit(target(0))));
  }

  private Transition onSplitApplied(ReleaseState state, SplitApplied applied) {
    int index = state.currentStageIndex();
    StageState stage = state.currentStage();
    if (applied.newPercent() != target(index)) {
      return Transition.rejected(state, "the split applied (" + applied.newPercent() + "% new) is not "
        + label(index) + "'s target");
    }
    if (stage.status() != StageStatus.SOAKING || stage.soakClockStarted()) {
      // the deployer confirms again after a restart or a re-check; the soak is already running
      return Transition.to(state, List.of());
    }
    Instant endsAt = applied.now().plus(Duration.ofSeconds(plan.stage(index).soakSeconds()));
    ReleaseState next = withStage(state, index, stage.soakClockStarted(applied.now(), endsAt), state.consecutiveErrors());
    return Transition.to(next, List.of(new ScheduleSoakEnd(endsAt), nextCheck(applied.now())));
  }

  private Transition onCheck(ReleaseState state, CheckCompleted check) {
    if (!acceptsChecks(state)) {
      return Transition.rejected(state, "no checks are due: " + label(state.currentStageIndex()) + " is "
        + state.currentStage().status().wireName());
    }
    int index = state.currentStageIndex();
    StageState stage = state.currentStage();
    Instant now = check.now();

    if (check.verdict() == Verdict.ERROR) {
      int errors = state.consecutiveErrors() + 1;
      ReleaseState next = withStage(state, index, stage, errors);
      if (errors >= MAX_CONSECUTIVE_ERRORS) {
        return end(next, now, ReleaseStatus.FAILED, StageStatus.FAILED, new Outcome(OutcomeCode.ERROR,
          errors + " checks in a row could not be made at " + label(index) + "; rolled back because the new "
            + "version cannot be watched"), true);
      }
      return Transition.to(next, List.of(nextCheck(now)));
    }

    boolean counts = check.verdict() == Verdict.FAIL || stage.measuredThisSoak(check.windowStart());
    StageState counted = counts ? stage.counted(check.verdict()) : stage;
    ReleaseState next = withStage(state, index, counted, 0);
    if (counted.failedChecks() >= plan.failureThreshold()) {
      return end(next, now, ReleaseStatus.ROLLED_BACK, StageStatus.FAILED, new Outcome(OutcomeCode.SLO_VIOLATION,
        counted.failedChecks() + " failed check" + (counted.failedChecks() == 1 ? "" : "s") + " at " + label(index)
          + " (failureThreshold " + plan.failureThreshold() + ")"), true);
    }
    return Transition.to(next, List.of(nextCheck(now)));
  }

  private Transition onSoakElapsed(ReleaseState state, SoakElapsed elapsed) {
    int index = state.currentStageIndex();
    StageState stage = state.currentStage();
    if (state.status() != ReleaseStatus.RUNNING || stage.status() != StageStatus.SOAKING) {
      return Transition.rejected(state, label(index) + " is not soaking");
    }
    if (!stage.soakClockStarted()) {
      return Transition.rejected(state, label(index) + "'s split is not applied yet, so its soak has not begun");
    }
    if (elapsed.now().isBefore(stage.soakEndsAt())) {
      return Transition.rejected(state, label(index) + "'s soak ends at " + stage.soakEndsAt());
    }
    if (stage.hadConclusivePass()) {
      return stagePassed(state, elapsed.now());
    }
    return switch (plan.onInsufficientData()) {
      case PROCEED -> stagePassed(state, elapsed.now());
      case PAUSE -> awaitApproval(state, elapsed.now());
      case ROLLBACK -> end(state, elapsed.now(), ReleaseStatus.ROLLED_BACK, StageStatus.FAILED,
        new Outcome(OutcomeCode.INSUFFICIENT_DATA, label(index) + " soaked without a conclusive passing check ("
          + stage.inconclusiveChecks() + " inconclusive)"), true);
    };
  }

  /** The soak is done: move on by itself, or wait for a person when the stage asks for one. */
  private Transition stagePassed(ReleaseState state, Instant now) {
    if (!plan.stage(state.currentStageIndex()).autoProgress()) {
      return awaitApproval(state, now);
    }
    return advance(state, now);
  }

  private Transition awaitApproval(ReleaseState state, Instant now) {
    Instant deadline = plan.approvalTimeoutSeconds() == null
      ? null
      : now.plus(Duration.ofSeconds(plan.approvalTimeoutSeconds()));
    int index = state.currentStageIndex();
    ReleaseState waiting = withStage(state, index, state.currentStage().awaitingApproval(deadline),
      state.consecutiveErrors());
    ReleaseState next = new ReleaseState(ReleaseStatus.AWAITING_APPROVAL, index, waiting.stages(),
      waiting.consecutiveErrors(), null);
    return Transition.to(next, List.of(new AwaitApproval(deadline)));
  }

  /** The current stage passed: start the next one, or complete the release after the last. */
  private Transition advance(ReleaseState state, Instant now) {
    int index = state.currentStageIndex();
    ReleaseState passed = withStage(state, index, state.currentStage().completed(StageStatus.PASSED, now),
      state.consecutiveErrors());
    if (index == plan.stageCount() - 1) {
      Outcome outcome = new Outcome(OutcomeCode.COMPLETED, "all " + plan.stageCount() + " stage"
        + (plan.stageCount() == 1 ? "" : "s") + " passed; the new version serves 100%");
      ReleaseState done = new ReleaseState(ReleaseStatus.SUCCEEDED, index, passed.stages(), passed.consecutiveErrors(),
        outcome);
      // the last stage is at 100% already: nothing to deploy
      return Transition.to(done, List.of(new Finished(ReleaseStatus.SUCCEEDED, outcome)));
    }
    int nextIndex = index + 1;
    List<StageState> stages = new ArrayList<>(passed.stages());
    stages.set(nextIndex, stages.get(nextIndex).started(now));
    ReleaseState next = new ReleaseState(ReleaseStatus.RUNNING, nextIndex, stages, passed.consecutiveErrors(), null);
    return Transition.to(next, List.of(new SetSplit(target(nextIndex))));
  }

  private Transition onApprove(ReleaseState state, Approve approve) {
    if (state.status() != ReleaseStatus.AWAITING_APPROVAL) {
      return Transition.rejected(state, "nothing awaits approval: the release is " + state.status().wireName());
    }
    return advance(state, approve.now());
  }

  private Transition onDeny(ReleaseState state, Deny deny) {
    if (state.status() != ReleaseStatus.AWAITING_APPROVAL) {
      return Transition.rejected(state, "nothing awaits approval: the release is " + state.status().wireName());
    }
    return end(state, deny.now(), ReleaseStatus.ROLLED_BACK, StageStatus.FAILED, new Outcome(OutcomeCode.APPROVAL_DENIED,
      withNote("denied at " + label(state.currentStageIndex()), deny.note())), true);
  }

  private Transition onApprovalTimedOut(ReleaseState state, ApprovalTimedOut timedOut) {
    StageState stage = state.currentStage();
    if (state.status() != ReleaseStatus.AWAITING_APPROVAL) {
      return Transition.rejected(state, "nothing awaits approval: the release is " + state.status().wireName());
    }
    if (stage.approvalDeadline() == null) {
      return Transition.rejected(state, "the plan waits for approval without a deadline");
    }
    if (timedOut.now().isBefore(stage.approvalDeadline())) {
      return Transition.rejected(state, "the approval deadline is " + stage.approvalDeadline());
    }
    return end(state, timedOut.now(), ReleaseStatus.CANCELLED, StageStatus.CANCELLED,
      new Outcome(OutcomeCode.APPROVAL_TIMEOUT, "no approval within " + plan.approvalTimeoutSeconds() + " s at "
        + label(state.currentStageIndex())), true);
  }

  /**
   * Ends the release: the current stage gets {@code stageStatus}, stages never started become
   * cancelled, and with {@code rollBack} the split goes back to 0% new.
   */
  private Transition end(ReleaseState state, Instant now, ReleaseStatus status, StageStatus stageStatus,
    Outcome outcome, boolean rollBack) {
    List<StageState> stages = new ArrayList<>();
    for (StageState stage : state.stages()) {
      if (stage.index() == state.currentStageIndex()) {
        stages.add(stage.startedAt() == null ? stage.withStatus(stageStatus) : stage.completed(stageStatus, now));
      } else if (stage.status() == StageStatus.PENDING) {
        stages.add(stage.withStatus(StageStatus.CANCELLED));
      } else {
        stages.add(stage);
      }
    }
    ReleaseState next = new ReleaseState(status, state.currentStageIndex(), stages, state.consecutiveErrors(), outcome);
    List<Effect> effects = new ArrayList<>();
    if (rollBack) {
      effects.add(new SetSplit(0));
    }
    effects.add(new Finished(status, outcome));
    return Transition.to(next, effects);
  }

  private ScheduleCheck nextCheck(Instant now) {
    return new ScheduleCheck(now.plus(Duration.ofSeconds(plan.pollIntervalSeconds())));
  }

  private static ReleaseState withStage(ReleaseState state, int index, StageState stage, int consecutiveErrors) {
    List<StageState> stages = new ArrayList<>(state.stages());
    stages.set(index, stage);
    return new ReleaseState(state.status(), state.currentStageIndex(), stages, consecutiveErrors, state.outcome());
  }

  private int target(int index) {
    return plan.stage(index).targetPercent();
  }

  /** "stage 2 (50%)": people count stages from 1. */
  private String label(int index) {
    return "stage " + (index + 1) + " (" + target(index) + "%)";
  }

  private static String withNote(String message, String note) {
    return note == null || note.isBlank() ? message : message + ": " + note;
  }
}
