package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.slo.Effect.AwaitGates;
import dev.hmd.slo.Effect.DeployStandby;
import dev.hmd.slo.Effect.Finished;
import dev.hmd.slo.Effect.RunSmokeTest;
import dev.hmd.slo.Effect.ScheduleSoakEnd;
import dev.hmd.slo.Effect.SetSplit;
import dev.hmd.slo.ReleaseInput.Approve;
import dev.hmd.slo.ReleaseInput.Cancel;
import dev.hmd.slo.ReleaseInput.CheckCompleted;
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
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The release controls in the pure machine: gates, the smoke test, pause, resume and promote. */
class ReleaseControlsMachineTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final SmokeTest SMOKE = new SmokeTest("https://w.example.com",
    List.of(new SmokeTest.SmokeRequest("GET", "/health", List.of(200))), 1, 0);

  private static Instant at(int seconds) {
    return T0.plusSeconds(seconds);
  }

  private static Plan plan(SmokeTest smoke, List<Gate> gates, Stage... stages) {
    return new Plan(List.of(stages), List.of(), 10, 50, 1, InsufficientDataPolicy.PROCEED, null, smoke, gates);
  }

  private static Stage[] three() {
    return new Stage[] {new Stage(10, 60, true, null), new Stage(50, 60, true, null), new Stage(100, 60, true, null)};
  }

  private static Gate gate(String name, Gate.When when, int timeout) {
    return new Gate(name, "https://ci.example.com/" + name, when, timeout);
  }

  @Nested
  class SmokeTests {

    @Test
    @DisplayName("a smoke test first deploys the new version at 0%, runs once that serves, and a pass starts stage 1")
    void passes() {
      MachineDriver d = new MachineDriver(plan(SMOKE, List.of(), three())).then(new Start(T0));
      assertThat(d.last.effects()).containsExactly(new DeployStandby(), new RunSmokeTest());
      assertThat(d.state.isStarted()).isFalse();
      assertThat(d.machine.wantsStandby(d.state)).isTrue();
      assertThat(d.wanted()).isZero();
      assertThat(d.machine.acceptsChecks(d.state)).isFalse();
      assertThat(d.attempt(new Pause(at(1), null)).isRejected()).isTrue();
      assertThat(d.attempt(new Promote(at(1), false, null)).isRejected()).isTrue();

      d.then(new SplitApplied(at(2), 0));
      assertThat(d.state.controls().standbyAppliedAt()).isEqualTo(at(2));
      d.then(new SplitApplied(at(3), 0));
      assertThat(d.state.controls().standbyAppliedAt()).as("the first confirmation counts").isEqualTo(at(2));

      d.then(new SmokeTestPassed(at(8)));
      assertThat(d.last.effects()).containsExactly(new SetSplit(10));
      assertThat(d.state.isStarted()).isTrue();
      assertThat(d.state.waiting()).isNull();
      assertThat(d.machine.wantsStandby(d.state)).isFalse();
      assertThat(d.wanted()).isEqualTo(10);
    }

    @Test
    @DisplayName("a failed smoke test ends rolled_back (smoke_test_failed) and takes the 0% deployment away again")
    void fails() {
      MachineDriver d = new MachineDriver(plan(SMOKE, List.of(), three()))
        .then(new Start(T0), new SplitApplied(at(2), 0),
          new SmokeTestFailed(at(8), "2 of 5 answers were not as expected"));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
      assertThat(d.state.outcome().code()).isEqualTo(OutcomeCode.SMOKE_TEST_FAILED);
      assertThat(d.state.outcome().message()).contains("never served real traffic")
        .endsWith("2 of 5 answers were not as expected");
      assertThat(d.last.effects())
        .containsExactly(new SetSplit(0), new Finished(ReleaseStatus.ROLLED_BACK, d.state.outcome()));
      assertThat(d.state.stages()).extracting(StageState::status)
        .containsExactly(StageStatus.FAILED, StageStatus.CANCELLED, StageStatus.CANCELLED);
      assertThat(d.state.stages()).allSatisfy(s -> assertThat(s.startedAt()).isNull());
      assertThat(d.wanted()).as("the old version alone").isZero();
      assertThat(d.machine.wantsStandby(d.state)).isFalse();
    }

    @Test
    @DisplayName("cancelling during the smoke test removes the 0% deployment; without one it touches nothing")
    void cancel() {
      MachineDriver d = new MachineDriver(plan(SMOKE, List.of(), three()))
        .then(new Start(T0), new Cancel(at(1), "by ann"));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.CANCELLED);
      assertThat(d.last.effects()).first().isEqualTo(new SetSplit(0));
      assertThat(d.wanted()).isZero();

      MachineDriver gated = new MachineDriver(plan(null, List.of(gate("freeze", Gate.When.BEFORE_START, 60)), three()))
        .then(new Start(T0), new Cancel(at(1), null));
      assertThat(gated.last.effects()).noneMatch(SetSplit.class::isInstance);
      assertThat(gated.wanted()).isNull();
    }
  }

  @Nested
  class Gates {

    @Test
    @DisplayName("before_start gates come first, then the smoke test, then stage 1's gates, then its split")
    void order() {
      Plan plan = plan(SMOKE,
        List.of(gate("freeze", Gate.When.BEFORE_START, 60), gate("load", Gate.When.BEFORE_EACH_STAGE, 30),
        gate("qa", Gate.When.BEFORE_PROMOTION, 90)), three());
      MachineDriver d = new MachineDriver(plan).then(new Start(T0));
      assertThat(d.last.effects()).containsExactly(new AwaitGates(List.of("freeze"), at(60)));
      assertThat(d.wanted()).as("nothing deployed before the start gates").isNull();
      d.then(new GatePassed(at(1), "freeze"));
      assertThat(d.last.effects()).containsExactly(new DeployStandby(), new RunSmokeTest());
      d.then(new SplitApplied(at(2), 0), new SmokeTestPassed(at(5)));
      assertThat(d.last.effects()).containsExactly(new AwaitGates(List.of("load"), at(35)));
      assertThat(d.state.isStarted()).isFalse();
      assertThat(d.wanted()).as("the 0% deployment stays while stage 1's gates decide").isZero();
      d.then(new GatePassed(at(6), "load"));
      assertThat(d.last.effects()).containsExactly(new SetSplit(10));

      // stage 1 passes: stage 2's gate holds its split back, checks go on under stage 1's split
      d.then(new SplitApplied(at(7), 10), new CheckCompleted(at(20), Verdict.PASS, at(8)), new SoakElapsed(at(70)));
      assertThat(d.last.effects()).containsExactly(new AwaitGates(List.of("load"), at(100)));
      assertThat(d.state.stages().get(0).status()).isEqualTo(StageStatus.PASSED);
      assertThat(d.state.currentStageIndex()).isZero();
      assertThat(d.wanted()).isEqualTo(10);
      assertThat(d.machine.acceptsChecks(d.state)).isTrue();
      assertThat(d.attempt(new SoakElapsed(at(71))).isRejected()).isTrue();
      assertThat(d.attempt(new Promote(at(71), false, null)).isRejected()).isTrue();
      assertThat(d.attempt(new GatePassed(at(71), "qa")).isRejected()).as("qa is for the last stage only").isTrue();
      d.then(new CheckCompleted(at(75), Verdict.PASS, at(64)), new GatePassed(at(80), "load"));
      assertThat(d.last.effects()).containsExactly(new SetSplit(50));
      assertThat(d.state.currentStageIndex()).isEqualTo(1);

      // the last stage waits for both gates
      d.then(new SplitApplied(at(81), 50), new CheckCompleted(at(90), Verdict.PASS, at(82)), new SoakElapsed(at(141)));
      assertThat(d.last.effects()).containsExactly(new AwaitGates(List.of("load", "qa"), at(231)));
      d.then(new GatePassed(at(142), "qa"));
      assertThat(d.last.effects()).isEmpty();
      assertThat(d.attempt(new GatePassed(at(143), "qa")).isRejected()).isTrue();
      d.then(new GatePassed(at(150), "load"));
      assertThat(d.last.effects()).containsExactly(new SetSplit(100));
    }

    @Test
    @DisplayName("cancelling while a gate holds the next stage leaves the passed stage passed and cancels the held one")
    void cancelWhileGated() {
      MachineDriver d = new MachineDriver(plan(null, List.of(gate("load", Gate.When.BEFORE_EACH_STAGE, 30)), three()))
        .then(new Start(T0), new GatePassed(at(1), "load"), new SplitApplied(at(2), 10),
          new CheckCompleted(at(20), Verdict.PASS, at(3)), new SoakElapsed(at(62)), new Cancel(at(63), "by ann"));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.CANCELLED);
      assertThat(d.state.stages()).extracting(StageState::status)
        .containsExactly(StageStatus.PASSED, StageStatus.CANCELLED, StageStatus.CANCELLED);
      assertThat(d.state.outcome().message()).isEqualTo("cancelled at stage 2 (50%): by ann");
      assertThat(d.wanted()).isZero();
    }

    @Test
    @DisplayName("a failing check while a gate holds the next stage still rolls back")
    void failWhileGated() {
      MachineDriver d = new MachineDriver(plan(null, List.of(gate("load", Gate.When.BEFORE_EACH_STAGE, 30)), three()))
        .then(new Start(T0), new GatePassed(at(1), "load"), new SplitApplied(at(2), 10),
          new CheckCompleted(at(20), Verdict.PASS, at(3)), new SoakElapsed(at(62)));
      assertThat(d.state.waiting()).isNotNull();
      d.then(new CheckCompleted(at(70), Verdict.FAIL, at(60)));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
      assertThat(d.state.outcome().code()).isEqualTo(OutcomeCode.SLO_VIOLATION);
      assertThat(d.state.waiting()).isNull();
      assertThat(d.wanted()).isZero();
    }

    @Test
    @DisplayName("a gate that fails rolls back with gate_failed and marks the stage it held back failed")
    void failedGate() {
      MachineDriver d = new MachineDriver(plan(null, List.of(gate("qa", Gate.When.BEFORE_PROMOTION, 30)), three()))
        .then(new Start(T0), new SplitApplied(at(1), 10), new CheckCompleted(at(12), Verdict.PASS, at(2)),
          new SoakElapsed(at(61)), new SplitApplied(at(62), 50), new CheckCompleted(at(70), Verdict.PASS, at(63)),
          new SoakElapsed(at(122)));
      assertThat(d.last.effects()).containsExactly(new AwaitGates(List.of("qa"), at(152)));
      d.then(new GateFailed(at(152), "qa", "HTTP 503"));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
      assertThat(d.state.outcome().code()).isEqualTo(OutcomeCode.GATE_FAILED);
      assertThat(d.state.outcome().message()).isEqualTo("gate 'qa' did not let stage 3 (100%) start: HTTP 503");
      assertThat(d.state.currentStageIndex()).isEqualTo(2);
      assertThat(d.state.stages()).extracting(StageState::status)
        .containsExactly(StageStatus.PASSED, StageStatus.PASSED, StageStatus.FAILED);
      assertThat(d.last.effects()).first().isEqualTo(new SetSplit(0));
    }

    @Test
    @DisplayName("a before_start gate that fails ends the release without deploying anything")
    void failedStartGate() {
      MachineDriver d = new MachineDriver(plan(null, List.of(gate("freeze", Gate.When.BEFORE_START, 30)), three()))
        .then(new Start(T0), new GateFailed(at(30), "freeze", null));
      assertThat(d.state.outcome().code()).isEqualTo(OutcomeCode.GATE_FAILED);
      assertThat(d.state.outcome().message()).isEqualTo("gate 'freeze' did not let the release start");
      assertThat(d.last.effects()).noneMatch(SetSplit.class::isInstance);
      assertThat(d.wanted()).isNull();
    }
  }

  @Nested
  class Operator {

    @Test
    @DisplayName("pause stops the soak clock, checks go on, and resume moves the soak's end by the pause")
    void pauseResume() {
      MachineDriver d = new MachineDriver(plan(null, List.of(), three()))
        .then(new Start(T0), new SplitApplied(at(1), 10),
          new Pause(at(11), "looking at logs"));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.PAUSED);
      assertThat(d.state.controls().pausedAt()).isEqualTo(at(11));
      assertThat(d.machine.acceptsChecks(d.state)).isTrue();
      assertThat(d.attempt(new SoakElapsed(at(61))).isRejected()).isTrue();
      assertThat(d.attempt(new Pause(at(12), null)).isRejected()).isTrue();
      d.then(new CheckCompleted(at(20), Verdict.PASS, at(9)));
      d.then(new Resume(at(41), null));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.RUNNING);
      assertThat(d.state.currentStage().soakEndsAt()).isEqualTo(at(91));
      assertThat(d.state.currentStage().maxSoakEndsAt()).as("the longest soak (4 × 60 s) moves too").isEqualTo(at(271));
      assertThat(d.state.currentStage().evidence().verdict()).as("the pause keeps the stage's evidence")
        .isEqualTo(Verdict.PASS);
      assertThat(d.last.effects()).containsExactly(new ScheduleSoakEnd(at(91)));
      assertThat(d.attempt(new SoakElapsed(at(61))).isRejected()).isTrue();
      d.then(new SoakElapsed(at(91)));
      assertThat(d.state.currentStageIndex()).isEqualTo(1);
      assertThat(d.attempt(new Resume(at(92), null)).isRejected()).isTrue();
    }

    @Test
    @DisplayName("a pause before the split lands counts from the soak's start; a failure while paused still rolls back")
    void pauseBeforeSplit() {
      MachineDriver d = new MachineDriver(plan(null, List.of(), three())).then(new Start(T0), new Pause(at(1), null),
        new SplitApplied(at(5), 10), new Resume(at(25), null));
      assertThat(d.state.currentStage().soakEndsAt()).isEqualTo(at(85));

      MachineDriver failing = new MachineDriver(plan(null, List.of(), three()))
        .then(new Start(T0), new SplitApplied(at(1), 10),
          new Pause(at(2), null), new CheckCompleted(at(11), Verdict.FAIL, at(1)));
      assertThat(failing.state.status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
      assertThat(failing.state.controls().pausedAt()).isNull();
      assertThat(failing.wanted()).isZero();
    }

    @Test
    @DisplayName("promote ends the soak at once and goes to the next stage; on the last stage it succeeds")
    void promote() {
      MachineDriver d = new MachineDriver(plan(null, List.of(), three()))
        .then(new Start(T0), new SplitApplied(at(1), 10),
          new Promote(at(5), false, "looks fine"));
      assertThat(d.state.currentStageIndex()).isEqualTo(1);
      assertThat(d.state.stages().get(0).status()).isEqualTo(StageStatus.PASSED);
      assertThat(d.last.effects()).containsExactly(new SetSplit(50));
      d.then(new SplitApplied(at(6), 50), new Pause(at(7), null), new Promote(at(8), false, null),
        new SplitApplied(at(9), 100), new Promote(at(10), false, null));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.SUCCEEDED);
      assertThat(d.state.outcome().code()).isEqualTo(OutcomeCode.COMPLETED);
    }

    @Test
    @DisplayName(
      "promote full goes straight to the last stage, the stages between skipped; the last stage's gates still apply")
    void promoteFull() {
      Plan four = plan(null, List.of(gate("qa", Gate.When.BEFORE_PROMOTION, 30)), new Stage(5, 60, true, null),
        new Stage(10, 60, true, null), new Stage(50, 60, true, null), new Stage(100, 60, true, null));
      MachineDriver d = new MachineDriver(four)
        .then(new Start(T0), new SplitApplied(at(1), 5), new Promote(at(2), true, null));
      assertThat(d.last.effects()).containsExactly(new AwaitGates(List.of("qa"), at(32)));
      assertThat(d.state.stages()).extracting(StageState::status).containsExactly(StageStatus.PASSED,
        StageStatus.SKIPPED, StageStatus.SKIPPED, StageStatus.PENDING);
      d.then(new GatePassed(at(3), "qa"));
      assertThat(d.last.effects()).containsExactly(new SetSplit(100));
      assertThat(d.state.currentStageIndex()).isEqualTo(3);
    }

    @Test
    @DisplayName("promote decides a stage awaiting approval like approve; nothing else can be promoted")
    void promoteApproval() {
      Plan plan = plan(null, List.of(), new Stage(10, 60, false, null), new Stage(100, 60, true, null));
      MachineDriver d = new MachineDriver(plan).then(new Start(T0), new SplitApplied(at(1), 10),
        new CheckCompleted(at(11), Verdict.PASS, at(2)), new SoakElapsed(at(61)));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.AWAITING_APPROVAL);
      d.then(new Promote(at(62), false, null));
      assertThat(d.state.currentStageIndex()).isEqualTo(1);
      d.then(new SplitApplied(at(63), 100), new Promote(at(64), false, null));
      assertThat(d.attempt(new Promote(at(65), false, null)).isRejected()).isTrue();
      assertThat(d.attempt(new Pause(at(65), null)).isRejected()).isTrue();

      MachineDriver approving = new MachineDriver(plan).then(new Start(T0), new SplitApplied(at(1), 10),
        new CheckCompleted(at(11), Verdict.PASS, at(2)), new SoakElapsed(at(61)), new Approve(at(62)));
      assertThat(approving.state.currentStageIndex()).isEqualTo(1);
    }

    @Test
    @DisplayName("the controls' state survives its stored form")
    void storedForm() {
      ControlState state = new ControlState(new ControlState.Waiting(ControlState.Kind.STAGE_GATES, 2, at(5),
        List.of("a", "b")), at(7), true, at(3));
      assertThat(ControlState.fromMap(state.toMap())).isEqualTo(state);
      assertThat(ControlState.fromMap(ControlState.NONE.toMap())).isEqualTo(ControlState.NONE);
      assertThat(ControlState.fromMap(null)).isEqualTo(ControlState.NONE);
    }
  }
}
