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
import dev.hmd.slo.ReleaseInput.GateFailed;
import dev.hmd.slo.ReleaseInput.GatePassed;
import dev.hmd.slo.ReleaseInput.Pause;
import dev.hmd.slo.ReleaseInput.Promote;
import dev.hmd.slo.ReleaseInput.Resume;
import dev.hmd.slo.ReleaseInput.SmokeTestFailed;
import dev.hmd.slo.ReleaseInput.SmokeTestPassed;
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
 *   <li>A check window belongs to the stage whose split served it ({@link #attribute}): a
 *   stage's evidence is the windows that began at or after its split was confirmed serving and
 *   ended before the next split was asked for, including the windows of its last seconds that are
 *   checked after the next stage began. A window served partly under another split counts only by
 *   failing, for the stage whose split was asked for when it ended: a fail is evidence against
 *   the version, whichever split it was seen under.</li>
 *   <li>A stage is judged on its evidence as a whole ({@link StageJudge}): it can pass once its
 *   pooled evidence is a pass, and fails on failureThreshold failed checks (a window alone or the
 *   pool), also in its last seconds checked after it ended.</li>
 *   <li>When the soak time is up, a stage whose pooled evidence passes moves on at once; the last
 *   stage only once its windows up to the soak's end have all been checked (telemetry arrives
 *   late: otherwise the last seconds of a release would never be looked at). Without a pass it
 *   keeps collecting until maxSoakEndsAt, and only then, once its windows up to there are
 *   checked, follows onInsufficientData. {@link StageState#waiting()} says which it waits for.</li>
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
 *
 * <p>The release controls (docs/engine.md, "Release controls"):
 * <ul>
 *   <li>Before stage 1: the {@code before_start} gates, then the smoke test with the new version
 *   deployed at 0% ({@link Effect.DeployStandby}), then the gates of stage 1. The release has not
 *   started meanwhile (no stage has), so a failure there leaves the Worker on the old version
 *   alone: {@code rolled_back} with {@code gate_failed} or {@code smoke_test_failed}.</li>
 *   <li>Before each later stage, its gates, while the stage that passed keeps its split: checks go
 *   on and a failure still rolls back. A gate that fails marks the stage it held back failed.</li>
 *   <li>Pause stops the soak clock ({@code paused}; checks go on, a failure still rolls back);
 *   resume moves the soak's end by as long as it was paused. Promote ends the soak (or the wait
 *   for approval) at once and goes on, to the last stage with {@code full} (the stages between
 *   are {@code skipped}); gates still apply.</li>
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
      // the smoke test's 0% deployment, or (ended before stage 1) the old version alone again
      return state.controls().standby() ? 0 : null;
    }
    if (state.status() == ReleaseStatus.SUCCEEDED) {
      return 100;
    }
    if (state.isTerminal()) {
      return state.outcome().code() == OutcomeCode.EXTERNAL_DEPLOYMENT ? null : 0;
    }
    return target(state.currentStageIndex());
  }

  /**
   * Whether the split wanted is the smoke test's: the new version listed at 0% beside the old one
   * at 100%, so that a version override reaches it.
   */
  public boolean wantsStandby(ReleaseState state) {
    return !state.isStarted() && !state.isTerminal() && state.controls().standby();
  }

  /** Whether a {@link CheckCompleted} would be taken: checks are due in this state. */
  public boolean acceptsChecks(ReleaseState state) {
    if (state.waiting() != null) {
      // gates hold the next stage back while the last one's split still serves the new version
      return state.isStarted() && state.waiting().forGates() && !state.isTerminal();
    }
    return state.status() == ReleaseStatus.AWAITING_APPROVAL
      || (state.status() == ReleaseStatus.RUNNING || state.status() == ReleaseStatus.PAUSED)
      && state.currentStage().status() == StageStatus.SOAKING;
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
    if (input instanceof GatePassed passed) {
      return onGatePassed(state, passed);
    }
    if (input instanceof GateFailed failed) {
      return onGateFailed(state, failed);
    }
    if (input instanceof SmokeTestPassed passed) {
      return onSmokeTestPassed(state, passed);
    }
    if (input instanceof SmokeTestFailed failed) {
      return onSmokeTestFailed(state, failed);
    }
    if (!state.isStarted()) {
      if (input instanceof Cancel cancel) {
        return end(state, cancel.now(), ReleaseStatus.CANCELLED, StageStatus.CANCELLED,
          new Outcome(OutcomeCode.CANCELLED, withNote("cancelled before it started", cancel.note())),
          state.controls().standby());
      }
      if (input instanceof SplitApplied applied) {
        return onStandbyApplied(state, applied);
      }
      return Transition.rejected(state, state.waiting() == null ? "the release has not started"
        : "the release has not started: it waits for " + waitingFor(state));
    }
    if (input instanceof Pause pause) {
      return onPause(state, pause);
    }
    if (input instanceof Resume resume) {
      return onResume(state, resume);
    }
    if (input instanceof Promote promote) {
      return onPromote(state, promote);
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
      // while gates hold the next stage back, the stage that passed stays passed: the held one is cancelled
      ReleaseState at = state.waiting() == null ? state : new ReleaseState(state.status(), state.waiting().stageIndex(),
        state.stages(), state.consecutiveErrors(), null, state.controls());
      return end(at, cancel.now(), ReleaseStatus.CANCELLED, StageStatus.CANCELLED,
        new Outcome(OutcomeCode.CANCELLED, withNote("cancelled at " + label(at.currentStageIndex()), cancel.note())),
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
    if (state.isStarted() || state.waiting() != null) {
      return Transition.rejected(state, "the release has already started");
    }
    if (!plan.gatesBeforeStart().isEmpty()) {
      return awaitGates(state, ControlState.Kind.START_GATES, 0, plan.gatesBeforeStart(), start.now());
    }
    return smokeTestOrFirstStage(state, start.now());
  }

  /** After the {@code before_start} gates: the smoke test if the plan has one, else stage 1 (after its gates). */
  private Transition smokeTestOrFirstStage(ReleaseState state, Instant now) {
    if (plan.smokeTest() != null) {
      ReleaseState next = state.withControls(state.controls()
        .withWaiting(new ControlState.Waiting(ControlState.Kind.SMOKE_TEST, 0, now, List.of()))
        .withStandby(true, null));
      return Transition.to(next, List.of(new Effect.DeployStandby(), new Effect.RunSmokeTest()));
    }
    return beforeStage(state.withControls(state.controls().withWaiting(null)), 0, now);
  }

  /** Stage {@code index} starts, after its gates when it has any. */
  private Transition beforeStage(ReleaseState state, int index, Instant now) {
    List<Gate> gates = plan.gatesBeforeStage(index);
    if (!gates.isEmpty()) {
      return awaitGates(state, ControlState.Kind.STAGE_GATES, index, gates, now);
    }
    return startStage(state.withControls(state.controls().withWaiting(null)), index, now);
  }

  /** The release waits for {@code gates} (stage {@code index}'s, or before the start). */
  private Transition awaitGates(ReleaseState state, ControlState.Kind kind, int index, List<Gate> gates, Instant now) {
    ReleaseState next = new ReleaseState(ReleaseStatus.RUNNING, state.currentStageIndex(), state.stages(),
      state.consecutiveErrors(), null, state.controls().withPausedAt(null)
      .withWaiting(new ControlState.Waiting(kind, index, now, List.of())));
    int longest = gates.stream().mapToInt(Gate::timeoutSeconds).max().orElse(0);
    return Transition.to(next, List.of(new Effect.AwaitGates(gates.stream().map(Gate::name).toList(),
      now.plus(Duration.ofSeconds(longest)))));
  }

  /** Stage {@code index} begins: its split is asked for, and its soak starts once that split serves. */
  private Transition startStage(ReleaseState state, int index, Instant now) {
    List<StageState> stages = new ArrayList<>(state.stages());
    stages.set(index, stages.get(index).started(now));
    ReleaseState next = new ReleaseState(ReleaseStatus.RUNNING, index, stages, state.consecutiveErrors(), null,
      state.controls().withWaiting(null).withPausedAt(null));
    return Transition.to(next, List.of(new SetSplit(target(index))));
  }

  /** The gates the release waits for now, by name. */
  private List<String> gatesAwaited(ReleaseState state) {
    ControlState.Waiting waiting = state.waiting();
    List<Gate> gates = waiting.kind() == ControlState.Kind.START_GATES ? plan.gatesBeforeStart()
      : plan.gatesBeforeStage(waiting.stageIndex());
    return gates.stream().map(Gate::name).filter(name -> !waiting.passedGates().contains(name)).toList();
  }

  private String waitingFor(ReleaseState state) {
    ControlState.Waiting waiting = state.waiting();
    if (waiting.kind() == ControlState.Kind.SMOKE_TEST) {
      return "its smoke test";
    }
    List<String> gates = gatesAwaited(state);
    return (gates.size() == 1 ? "gate '" + gates.get(0) + "'" : "gates '" + String.join("', '", gates) + "'")
      + (waiting.kind() == ControlState.Kind.START_GATES ? " before it starts" : " before "
        + label(waiting.stageIndex()));
  }

  private Transition onGatePassed(ReleaseState state, GatePassed passed) {
    ControlState.Waiting waiting = state.waiting();
    if (waiting == null || !waiting.forGates() || !gatesAwaited(state).contains(passed.gate())) {
      return Transition.rejected(state, "the release does not wait for gate '" + passed.gate() + "'");
    }
    ReleaseState next = state.withControls(state.controls().withWaiting(waiting.passed(passed.gate())));
    if (!gatesAwaited(next).isEmpty()) {
      return Transition.to(next, List.of());
    }
    return waiting.kind() == ControlState.Kind.START_GATES
      ? smokeTestOrFirstStage(next, passed.now())
      : startStage(next, waiting.stageIndex(), passed.now());
  }

  private Transition onGateFailed(ReleaseState state, GateFailed failed) {
    ControlState.Waiting waiting = state.waiting();
    if (waiting == null || !waiting.forGates() || !gatesAwaited(state).contains(failed.gate())) {
      return Transition.rejected(state, "the release does not wait for gate '" + failed.gate() + "'");
    }
    String where = waiting.kind() == ControlState.Kind.START_GATES ? "the release start"
      : label(waiting.stageIndex()) + " start";
    // the stage the gate held back is the one that failed; the one before it passed
    ReleaseState held = new ReleaseState(state.status(), waiting.stageIndex(), state.stages(),
      state.consecutiveErrors(),
      null, state.controls());
    return end(held, failed.now(), ReleaseStatus.ROLLED_BACK, StageStatus.FAILED, new Outcome(OutcomeCode.GATE_FAILED,
      withNote("gate '" + failed.gate() + "' did not let " + where, failed.detail())),
      state.isStarted() || state.controls().standby());
  }

  private Transition onStandbyApplied(ReleaseState state, SplitApplied applied) {
    ControlState.Waiting waiting = state.waiting();
    if (applied.newPercent() != 0 || waiting == null || waiting.kind() != ControlState.Kind.SMOKE_TEST) {
      return Transition.rejected(state, "the release has not started");
    }
    if (state.controls().standbyAppliedAt() != null) {
      return Transition.to(state, List.of());
    }
    return Transition.to(state.withControls(state.controls().withStandby(true, applied.now())),
      List.of(new Effect.RunSmokeTest()));
  }

  private Transition onSmokeTestPassed(ReleaseState state, SmokeTestPassed passed) {
    if (state.waiting() == null || state.waiting().kind() != ControlState.Kind.SMOKE_TEST) {
      return Transition.rejected(state, "no smoke test is under way");
    }
    return beforeStage(state.withControls(state.controls().withWaiting(null)), 0, passed.now());
  }

  private Transition onSmokeTestFailed(ReleaseState state, SmokeTestFailed failed) {
    if (state.waiting() == null || state.waiting().kind() != ControlState.Kind.SMOKE_TEST) {
      return Transition.rejected(state, "no smoke test is under way");
    }
    return end(state, failed.now(), ReleaseStatus.ROLLED_BACK, StageStatus.FAILED, new Outcome(
      OutcomeCode.SMOKE_TEST_FAILED, withNote("the smoke test failed at 0%; the new version never served real traffic",
        failed.detail())), true);
  }

  private Transition onPause(ReleaseState state, Pause pause) {
    if (state.status() != ReleaseStatus.RUNNING || state.waiting() != null
      || state.currentStage().status() != StageStatus.SOAKING) {
      return Transition.rejected(state, "only a soaking release can be paused: the release is "
        + (state.waiting() != null ? "waiting for " + waitingFor(state) : state.status().wireName()));
    }
    ReleaseState next = new ReleaseState(ReleaseStatus.PAUSED, state.currentStageIndex(), state.stages(),
      state.consecutiveErrors(), null, state.controls().withPausedAt(pause.now()));
    return Transition.to(next, List.of());
  }

  private Transition onResume(ReleaseState state, Resume resume) {
    if (state.status() != ReleaseStatus.PAUSED) {
      return Transition.rejected(state, "the release is not paused: it is " + state.status().wireName());
    }
    int index = state.currentStageIndex();
    StageState stage = state.currentStage();
    List<Effect> effects = new ArrayList<>();
    if (stage.soakClockStarted() && stage.soakEndsAt() != null) {
      // the soak clock stood still from the pause (or from the soak's start, if the split landed meanwhile)
      Instant stoppedAt = latest(state.controls().pausedAt(), stage.soakStartedAt());
      Duration paused = stoppedAt == null || resume.now().isBefore(stoppedAt)
        ? Duration.ZERO : Duration.between(stoppedAt, resume.now());
      stage = stage.soakEndingAt(stage.soakEndsAt().plus(paused), longestSoakEnd(stage).plus(paused));
      effects.add(new ScheduleSoakEnd(stage.soakEndsAt()));
    }
    ReleaseState resumed = withStage(state, index, stage, state.consecutiveErrors());
    ReleaseState next = new ReleaseState(ReleaseStatus.RUNNING, index, resumed.stages(), resumed.consecutiveErrors(),
      null, state.controls().withPausedAt(null));
    return Transition.to(next, effects);
  }

  private Transition onPromote(ReleaseState state, Promote promote) {
    if (state.waiting() != null) {
      return Transition.rejected(state, "the release waits for " + waitingFor(state) + "; promote does not skip it");
    }
    boolean soaking = (state.status() == ReleaseStatus.RUNNING || state.status() == ReleaseStatus.PAUSED)
      && state.currentStage().status() == StageStatus.SOAKING;
    if (!soaking && state.status() != ReleaseStatus.AWAITING_APPROVAL) {
      return Transition.rejected(state,
        "only a soaking release or one awaiting approval can be promoted: the release is "
        + state.status().wireName());
    }
    int index = state.currentStageIndex();
    ReleaseState running = new ReleaseState(ReleaseStatus.RUNNING, index, state.stages(), state.consecutiveErrors(),
      null, state.controls().withPausedAt(null));
    int last = plan.stageCount() - 1;
    if (!promote.full() || index == last) {
      return advance(running, promote.now());
    }
    List<StageState> stages = new ArrayList<>(running.stages());
    stages.set(index, stages.get(index).completed(StageStatus.PASSED, promote.now()));
    for (int i = index + 1; i < last; i++) {
      stages.set(i, stages.get(i).withStatus(StageStatus.SKIPPED));
    }
    return beforeStage(new ReleaseState(ReleaseStatus.RUNNING, index, stages, running.consecutiveErrors(), null,
      running.controls()), last, promote.now());
  }

  private static Instant latest(Instant a, Instant b) {
    return a == null ? b : b == null ? a : (a.isAfter(b) ? a : b);
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
    Instant longestEndsAt = applied.now().plus(Duration.ofSeconds(plan.stage(index).effectiveMaxSoakSeconds()));
    ReleaseState next = withStage(state, index, stage.soakClockStarted(applied.now(), endsAt, longestEndsAt),
      state.consecutiveErrors());
    return Transition.to(next, List.of(new ScheduleSoakEnd(endsAt), nextCheck(applied.now())));
  }

  private Transition onCheck(ReleaseState state, CheckCompleted check) {
    if (!acceptsChecks(state)) {
      return Transition.rejected(state, "no checks are due: " + label(state.currentStageIndex()) + " is "
        + state.currentStage().status().wireName());
    }
    int current = state.currentStageIndex();
    Instant now = check.now();

    if (check.verdict() == Verdict.ERROR) {
      int errors = state.consecutiveErrors() + 1;
      ReleaseState next = withStage(state, current, state.currentStage(), errors);
      if (errors >= MAX_CONSECUTIVE_ERRORS) {
        return end(next, now, ReleaseStatus.FAILED, StageStatus.FAILED, new Outcome(OutcomeCode.ERROR,
          errors + " checks in a row could not be made at " + label(current) + "; rolled back because the new "
            + "version cannot be watched"), true);
      }
      return Transition.to(next, List.of(nextCheck(now)));
    }

    Attribution where = check.windowEnd() == null ? currentWindow(state, check) : attribute(state, check.windowStart(),
      check.windowEnd());
    int index = where.stageIndex();
    StageState stage = state.stages().get(index);
    StageEvidence evidence = check.evidence() != null ? check.evidence()
      : judgedByShell(stage.evidence(), where.counted(), check);
    StageState updated = stage.withEvidence(evidence);
    if (where.counted() || check.verdict() == Verdict.FAIL) {
      updated = updated.counted(check.verdict());
    }
    ReleaseState next = withStage(state, index, updated, 0);
    if (updated.failedChecks() >= plan.failureThreshold()) {
      String when = index == current ? "" : " (in its last seconds, checked after " + label(current) + " began)";
      return end(next, now, ReleaseStatus.ROLLED_BACK, StageStatus.FAILED, new Outcome(OutcomeCode.SLO_VIOLATION,
        updated.failedChecks() + " failed check" + (updated.failedChecks() == 1 ? "" : "s") + " at " + label(index)
          + when + " (failureThreshold " + plan.failureThreshold() + ")"), true);
    }
    if (index == current && soakTimeUp(next, now)) {
      Transition settled = settle(next, now);
      List<Effect> effects = new ArrayList<>(settled.effects());
      if (acceptsChecks(settled.next())) {
        effects.add(nextCheck(now));
      }
      return Transition.to(settled.next(), effects);
    }
    return Transition.to(next, List.of(nextCheck(now)));
  }

  /**
   * Which stage's split served the window {@code [windowStart, windowEnd)}: the stage whose own
   * span holds it whole (from its split confirmed serving to its end, when the next split was
   * asked for), counted; otherwise the stage whose split was asked for when the window ended, not
   * counted, with the reason.
   */
  public Attribution attribute(ReleaseState state, Instant windowStart, Instant windowEnd) {
    int atEnd = 0;
    for (StageState stage : state.stages()) {
      if (stage.startedAt() == null) {
        break;
      }
      if (stage.soakStartedAt() != null && !windowStart.isBefore(stage.soakStartedAt())
        && (stage.completedAt() == null || !windowEnd.isAfter(stage.completedAt()))) {
        return new Attribution(stage.index(), true, target(stage.index()), null);
      }
      if (stage.startedAt().isBefore(windowEnd)) {
        atEnd = stage.index();
      }
    }
    StageState stage = state.stages().get(atEnd);
    String reason;
    if (stage.soakStartedAt() != null && !windowStart.isBefore(stage.soakStartedAt())) {
      reason = "it ran past the end of " + label(atEnd);
    } else if (atEnd > 0 && windowStart.isBefore(stage.startedAt())) {
      reason = "it began under " + label(atEnd - 1) + "'s split and ended under " + label(atEnd) + "'s";
    } else {
      reason = "it began before " + label(atEnd) + "'s split was confirmed serving at Cloudflare";
    }
    return new Attribution(atEnd, false, null, reason);
  }

  /**
   * A check without a window: the current stage's, counted once its soak clock runs (windowStart, if given, inside it).
   */
  private Attribution currentWindow(ReleaseState state, CheckCompleted check) {
    int index = state.currentStageIndex();
    return state.currentStage().measuredThisSoak(check.windowStart())
      ? new Attribution(index, true, target(index), null)
      : new Attribution(index, false, null,
        "it began before " + label(index) + "'s split was confirmed serving at Cloudflare");
  }

  /**
   * The evidence after a check the shell judged alone: a pass or an inconclusive verdict stands
   * for the stage's evidence; a fail says something about one window only, and leaves the last
   * judgement of the stage as it was.
   */
  private static StageEvidence judgedByShell(StageEvidence before, boolean counted, CheckCompleted check) {
    if (!counted) {
      return before.looked();
    }
    Instant end = check.windowEnd() != null ? check.windowEnd() : check.now();
    StageEvidence looked = before.pooled(null, null, end);
    return check.verdict() == Verdict.FAIL ? looked : looked.judged(check.verdict(), null);
  }

  private static boolean soakTimeUp(ReleaseState state, Instant now) {
    StageState stage = state.currentStage();
    return state.status() == ReleaseStatus.RUNNING && stage.status() == StageStatus.SOAKING
      && stage.soakEndsAt() != null && !now.isBefore(stage.soakEndsAt());
  }

  private Transition onSoakElapsed(ReleaseState state, SoakElapsed elapsed) {
    int index = state.currentStageIndex();
    StageState stage = state.currentStage();
    if (state.status() != ReleaseStatus.RUNNING || stage.status() != StageStatus.SOAKING || state.waiting() != null) {
      return Transition.rejected(state, label(index) + " is not soaking");
    }
    if (!stage.soakClockStarted()) {
      return Transition.rejected(state, label(index) + "'s split is not applied yet, so its soak has not begun");
    }
    if (elapsed.now().isBefore(stage.soakEndsAt())) {
      return Transition.rejected(state, label(index) + "'s soak ends at " + stage.soakEndsAt());
    }
    return settle(state, elapsed.now());
  }

  /**
   * The current stage's soak time is up: decide it if its evidence allows, else say what it waits
   * for. A pass moves on (the last stage once its windows up to the soak's end are all checked);
   * without one the stage keeps collecting until its longest soak is over and checked, then
   * follows onInsufficientData.
   */
  private Transition settle(ReleaseState state, Instant now) {
    int index = state.currentStageIndex();
    StageState stage = state.currentStage();
    StageEvidence evidence = stage.evidence();
    boolean last = index == plan.stageCount() - 1;
    Instant longest = longestSoakEnd(stage);
    if (evidence.verdict() == Verdict.PASS && (!last || evidence.coveredUntil(stage.soakEndsAt()))) {
      return stagePassed(state, now);
    }
    boolean longestOver = !now.isBefore(longest);
    if (evidence.verdict() != Verdict.PASS && longestOver && evidence.coveredUntil(longest)) {
      return switch (plan.onInsufficientData()) {
        case PROCEED -> stagePassed(state, now);
        case PAUSE -> awaitApproval(state, now);
        case ROLLBACK -> end(state, now, ReleaseStatus.ROLLED_BACK, StageStatus.FAILED,
          new Outcome(OutcomeCode.INSUFFICIENT_DATA, label(index) + " soaked "
            + Duration.between(stage.soakStartedAt(), longest).toSeconds() + " s without conclusive evidence ("
            + evidence.newStats().requests() + " requests to the new version over " + evidence.windows()
            + " window" + (evidence.windows() == 1 ? "" : "s") + ", " + stage.inconclusiveChecks()
            + " inconclusive checks)"), true);
      };
    }
    Waiting waiting = evidence.verdict() == Verdict.PASS || longestOver ? Waiting.TELEMETRY : Waiting.EVIDENCE;
    if (waiting == stage.waiting()) {
      return Transition.to(state, List.of());
    }
    ReleaseState next = withStage(state, index, stage.waitingFor(waiting), state.consecutiveErrors());
    return Transition.to(next, waiting == Waiting.EVIDENCE ? List.of(new ScheduleSoakEnd(longest)) : List.of());
  }

  /** When the stage stops waiting for evidence (rows from before maxSoakSeconds have none stored: from the plan). */
  private Instant longestSoakEnd(StageState stage) {
    return stage.maxSoakEndsAt() != null ? stage.maxSoakEndsAt()
      : stage.soakStartedAt().plus(Duration.ofSeconds(plan.stage(stage.index()).effectiveMaxSoakSeconds()));
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
      waiting.consecutiveErrors(), null, waiting.controls());
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
        outcome, passed.controls().withPausedAt(null).withWaiting(null));
      // the last stage is at 100% already: nothing to deploy
      return Transition.to(done, List.of(new Finished(ReleaseStatus.SUCCEEDED, outcome)));
    }
    ReleaseState next = new ReleaseState(ReleaseStatus.RUNNING, index, passed.stages(), passed.consecutiveErrors(),
      null,
      passed.controls());
    return beforeStage(next, index + 1, now);
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
    return end(state, deny.now(), ReleaseStatus.ROLLED_BACK, StageStatus.FAILED,
      new Outcome(OutcomeCode.APPROVAL_DENIED,
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
    ReleaseState next = new ReleaseState(status, state.currentStageIndex(), stages, state.consecutiveErrors(), outcome,
      state.controls().withWaiting(null).withPausedAt(null));
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
    return new ReleaseState(state.status(), state.currentStageIndex(), stages, consecutiveErrors, state.outcome(),
      state.controls());
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
