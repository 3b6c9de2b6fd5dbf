package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

class ReleaseMachinePropertiesTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** What happens next, made concrete against the state it meets (its target, its deadlines). */
  enum Action {
    START, SPLIT_APPLIED, OTHER_SPLIT_APPLIED, PASS, FAIL, INCONCLUSIVE, ERROR, STALE_PASS, SOAK_DUE, SOAK_EARLY,
    APPROVE, DENY, CANCEL, TIMEOUT_DUE, TIMEOUT_EARLY, EXTERNAL,
    /** Five error checks in a row: by chance alone they would almost never line up. */
    ERROR_BURST
  }

  /** One step: an action after some seconds. */
  record Step(Action action, int afterSeconds) {
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Action> action = Arbitraries.frequency(
      Tuple.of(6, Action.START), Tuple.of(30, Action.SPLIT_APPLIED), Tuple.of(4, Action.OTHER_SPLIT_APPLIED),
      Tuple.of(36, Action.PASS), Tuple.of(6, Action.FAIL), Tuple.of(18, Action.INCONCLUSIVE),
        Tuple.of(12, Action.ERROR),
      Tuple.of(6, Action.STALE_PASS), Tuple.of(30, Action.SOAK_DUE), Tuple.of(6, Action.SOAK_EARLY),
      Tuple.of(15, Action.APPROVE), Tuple.of(1, Action.DENY), Tuple.of(1, Action.CANCEL),
        Tuple.of(3, Action.TIMEOUT_DUE),
      Tuple.of(3, Action.TIMEOUT_EARLY), Tuple.of(1, Action.EXTERNAL), Tuple.of(1, Action.ERROR_BURST));
    return Combinators.combine(action, Arbitraries.integers().between(0, 30)).as(Step::new).list().ofMaxSize(80);
  }

  @Provide
  Arbitrary<Plan> plans() {
    return PlanArbitraries.plans();
  }

  private static ReleaseInput concrete(Step step, ReleaseState state, Plan plan, Instant now) {
    StageState stage = state.currentStage();
    int target = plan.stage(state.currentStageIndex()).targetPercent();
    return switch (step.action()) {
      case START -> new Start(now);
      case SPLIT_APPLIED -> new SplitApplied(now, target);
      case OTHER_SPLIT_APPLIED -> new SplitApplied(now, target == 100 ? 0 : target + 1);
      case PASS -> new CheckCompleted(now, Verdict.PASS);
      case FAIL -> new CheckCompleted(now, Verdict.FAIL);
      case INCONCLUSIVE -> new CheckCompleted(now, Verdict.INCONCLUSIVE);
      case ERROR, ERROR_BURST -> new CheckCompleted(now, Verdict.ERROR);
      case STALE_PASS -> new CheckCompleted(now, Verdict.PASS, now.minusSeconds(100_000));
      case SOAK_DUE -> new SoakElapsed(latest(now, stage.soakEndsAt()));
      case SOAK_EARLY -> new SoakElapsed(stage.soakEndsAt() == null ? now : stage.soakEndsAt().minusMillis(1));
      case APPROVE -> new Approve(now);
      case DENY -> new Deny(now);
      case CANCEL -> new Cancel(now);
      case TIMEOUT_DUE -> new ApprovalTimedOut(latest(now, stage.approvalDeadline()));
      case TIMEOUT_EARLY -> new ApprovalTimedOut(
        stage.approvalDeadline() == null ? now : stage.approvalDeadline().minusMillis(1));
      case EXTERNAL -> new ExternalDeployment(now, "someone");
    };
  }

  private static Instant latest(Instant a, Instant b) {
    return b != null && b.isAfter(a) ? b : a;
  }

  /** Runs the steps, checking every invariant after each; returns the final state. */
  private static ReleaseState run(Plan plan, List<Step> steps) {
    ReleaseMachine machine = new ReleaseMachine(plan);
    ReleaseState state = machine.initialState();
    Instant now = T0;
    for (Step step : steps) {
      for (int i = 0; i < (step.action() == Action.ERROR_BURST ? ReleaseMachine.MAX_CONSECUTIVE_ERRORS : 1); i++) {
        now = now.plusSeconds(step.afterSeconds());
        ReleaseInput input = concrete(step, state, plan, now);
        if (input.now().isAfter(now)) {
          now = input.now();
        }
        Transition transition = machine.apply(state, input);
        checkTransition(machine, state, input, transition);
        state = transition.next();
      }
    }
    return state;
  }

  private static void checkTransition(ReleaseMachine machine, ReleaseState before, ReleaseInput input,
    Transition transition) {
    Plan plan = machine.plan();
    ReleaseState after = transition.next();
    String context = before.status() + " stage " + before.currentStageIndex() + " + " + input;

    if (before.isTerminal()) {
      assertThat(transition.isRejected()).as("terminal is final: " + context).isTrue();
    }
    if (transition.isRejected()) {
      assertThat(after).as(context).isEqualTo(before);
      assertThat(transition.effects()).as(context).isEmpty();
      return;
    }
    assertThat(after.currentStageIndex()).as("never goes back: " + context)
      .isGreaterThanOrEqualTo(before.currentStageIndex());
    assertThat(after.outcome() != null).as("outcome iff terminal: " + context).isEqualTo(after.isTerminal());

    boolean finishedNow = !before.isTerminal() && after.isTerminal();
    long finishedEffects = transition.effects().stream().filter(e -> e instanceof Effect.Finished).count();
    assertThat(finishedEffects).as("one Finished exactly when it ends: " + context).isEqualTo(finishedNow ? 1 : 0);

    Integer wanted = machine.wantedNewPercent(after);
    for (Effect effect : transition.effects()) {
      if (effect instanceof Effect.SetSplit split) {
        assertThat(split.newPercent()).as("SetSplit matches the wanted split: " + context).isEqualTo(wanted);
      }
    }
    checkState(plan, machine, after, context);
  }

  private static void checkState(Plan plan, ReleaseMachine machine, ReleaseState state, String context) {
    int current = state.currentStageIndex();
    Integer wanted = machine.wantedNewPercent(state);
    Set<Integer> allowed = new java.util.HashSet<>(List.of(0, 100));
    plan.stages().forEach(s -> allowed.add(s.targetPercent()));
    if (wanted == null) {
      assertThat(!state.isStarted() || state.outcome() != null
        && state.outcome().code() == OutcomeCode.EXTERNAL_DEPLOYMENT).as("null split: " + context).isTrue();
    } else {
      assertThat(allowed).as("split is 0, 100 or a target: " + context).contains(wanted);
    }

    for (StageState stage : state.stages()) {
      int i = stage.index();
      if (i < current) {
        assertThat(stage.status()).as("stages before the current one passed: " + context).isEqualTo(StageStatus.PASSED);
      } else if (i > current) {
        assertThat(stage.status()).as("stages after the current one: " + context)
          .isEqualTo(state.isTerminal() ? StageStatus.CANCELLED : StageStatus.PENDING);
        assertThat(stage.startedAt()).isNull();
      }
      assertThat(stage.failedChecks()).as("failures never exceed the threshold: " + context)
        .isLessThanOrEqualTo(plan.failureThreshold());
      if (stage.soakStartedAt() != null) {
        assertThat(stage.soakEndsAt()).as("soak length: " + context)
          .isEqualTo(stage.soakStartedAt().plus(Duration.ofSeconds(plan.stage(i).soakSeconds())));
      }
    }

    StageStatus currentStatus = state.currentStage().status();
    switch (state.status()) {
      case RUNNING -> assertThat(currentStatus).as(context)
        .isEqualTo(state.isStarted() ? StageStatus.SOAKING : StageStatus.PENDING);
      case AWAITING_APPROVAL -> assertThat(currentStatus).as(context).isEqualTo(StageStatus.AWAITING_APPROVAL);
      case SUCCEEDED -> {
        assertThat(state.stages()).extracting(StageState::status).as("succeeded means every stage passed: " + context)
          .containsOnly(StageStatus.PASSED);
        assertThat(current).isEqualTo(plan.stageCount() - 1);
        assertThat(state.currentStage().evidence().coveredUntil(state.currentStage().soakEndsAt()))
          .as("succeeded only once the last stage's windows up to its soak's end were checked: " + context).isTrue();
        assertThat(state.outcome().code()).isEqualTo(OutcomeCode.COMPLETED);
        assertThat(wanted).isEqualTo(100);
      }
      case ROLLED_BACK -> {
        assertThat(currentStatus).as(context).isEqualTo(StageStatus.FAILED);
        assertThat(state.outcome().code()).as(context)
          .isIn(OutcomeCode.SLO_VIOLATION, OutcomeCode.APPROVAL_DENIED, OutcomeCode.INSUFFICIENT_DATA);
        assertThat(wanted).isEqualTo(0);
      }
      case FAILED -> {
        assertThat(currentStatus).as(context).isEqualTo(StageStatus.FAILED);
        assertThat(state.outcome().code()).isEqualTo(OutcomeCode.ERROR);
        assertThat(state.consecutiveErrors()).isEqualTo(ReleaseMachine.MAX_CONSECUTIVE_ERRORS);
        assertThat(wanted).isEqualTo(0);
      }
      case CANCELLED -> {
        assertThat(currentStatus).as(context).isEqualTo(StageStatus.CANCELLED);
        assertThat(state.outcome().code()).as(context)
          .isIn(OutcomeCode.CANCELLED, OutcomeCode.APPROVAL_TIMEOUT, OutcomeCode.EXTERNAL_DEPLOYMENT);
      }
    }
    if (!state.isTerminal()) {
      assertThat(state.consecutiveErrors()).isLessThan(ReleaseMachine.MAX_CONSECUTIVE_ERRORS);
    }
  }

  @Property(tries = 1500)
  @Label("any sequence of inputs keeps every invariant: terminal is final, stages only advance, splits are 0, 100 "
    + "or a target")
  void invariants(@ForAll("plans") Plan plan, @ForAll("steps") List<Step> steps) {
    ReleaseState end = run(plan, steps);
    // shows in the report how often each ending is reached, so the property is seen to reach them all
    Statistics.label("ending")
      .collect(end.outcome() == null ? end.status().wireName() : end.outcome().code().wireName());
  }

  @Property(tries = 500)
  @Label("with failureThreshold 1 a failing check always rolls back, from any state that takes checks")
  void oneFailRollsBack(@ForAll("plans") Plan anyPlan, @ForAll("steps") List<Step> prefix) {
    Plan plan = new Plan(anyPlan.stages(), anyPlan.slos(), anyPlan.pollIntervalSeconds(), anyPlan.minRequests(), 1,
      anyPlan.onInsufficientData(), anyPlan.approvalTimeoutSeconds());
    ReleaseMachine machine = new ReleaseMachine(plan);
    ReleaseState state = run(plan, prefix);
    Transition transition = machine.apply(state, new CheckCompleted(T0.plusSeconds(10_000_000), Verdict.FAIL));
    if (machine.acceptsChecks(state)) {
      assertThat(transition.next().status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
      assertThat(transition.next().outcome().code()).isEqualTo(OutcomeCode.SLO_VIOLATION);
      assertThat(transition.effects()).first().isEqualTo(new Effect.SetSplit(0));
    } else {
      assertThat(transition.isRejected()).isTrue();
    }
  }

  private static boolean stillSoaking(Transition transition, int index) {
    ReleaseState state = transition.next();
    return state.status() == ReleaseStatus.RUNNING && state.currentStageIndex() == index
      && state.currentStage().status() == StageStatus.SOAKING;
  }

  @Property(tries = 500)
  @Label("a version that passes every check succeeds, visiting every stage's split in order")
  void healthyVersionSucceeds(@ForAll("plans") Plan plan) {
    ReleaseMachine machine = new ReleaseMachine(plan);
    Instant now = T0;
    Transition transition = machine.start(now);
    List<Integer> splits = new ArrayList<>();
    Set<ReleaseStatus> seen = EnumSet.noneOf(ReleaseStatus.class);
    while (!transition.next().isTerminal()) {
      transition.effects().stream().filter(e -> e instanceof Effect.SetSplit)
        .forEach(e -> splits.add(((Effect.SetSplit) e).newPercent()));
      ReleaseState state = transition.next();
      seen.add(state.status());
      int target = plan.stage(state.currentStageIndex()).targetPercent();
      if (state.status() == ReleaseStatus.AWAITING_APPROVAL) {
        transition = machine.apply(state, new Approve(now));
        continue;
      }
      int index = state.currentStageIndex();
      transition = machine.apply(state, new SplitApplied(now, target));
      Instant soakEnd = transition.next().currentStage().soakEndsAt();
      now = now.plusSeconds(1);
      transition = machine.apply(transition.next(), new CheckCompleted(now, Verdict.PASS));
      if (stillSoaking(transition, index)) {
        now = soakEnd.isAfter(now) ? soakEnd : now;
        transition = machine.apply(transition.next(), new SoakElapsed(now));
        assertThat(transition.rejection()).isNull();
      }
      if (stillSoaking(transition, index)) {
        // the last stage: its windows up to the soak's end are checked before it succeeds
        assertThat(index).isEqualTo(plan.stageCount() - 1);
        assertThat(transition.next().currentStage().waiting()).isEqualTo(Waiting.TELEMETRY);
        now = now.plusSeconds(1);
        transition = machine.apply(transition.next(), new CheckCompleted(now, Verdict.PASS));
        assertThat(transition.rejection()).isNull();
      }
    }
    assertThat(transition.next().status()).isEqualTo(ReleaseStatus.SUCCEEDED);
    assertThat(splits).containsExactlyElementsOf(plan.stages().stream().map(Stage::targetPercent).toList());
    if (plan.stages().stream().allMatch(Stage::autoProgress)) {
      assertThat(seen).doesNotContain(ReleaseStatus.AWAITING_APPROVAL);
    }
  }
}
