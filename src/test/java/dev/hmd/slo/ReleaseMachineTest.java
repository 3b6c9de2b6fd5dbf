package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ReleaseMachineTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static Instant at(int seconds) {
    return T0.plusSeconds(seconds);
  }

  private static Plan plan(int failureThreshold, InsufficientDataPolicy policy, Integer approvalTimeout,
    Stage... stages) {
    return new Plan(List.of(stages), List.of(), 10, 50, failureThreshold, policy, approvalTimeout);
  }

  private static Plan threeAutoStages() {
    return plan(1, InsufficientDataPolicy.PAUSE, null,
      new Stage(10, 60, true, null), new Stage(50, 60, true, null), new Stage(100, 60, true, null));
  }

  @Nested
  class HappyPath {

    @Test
    @DisplayName("a healthy release walks every stage, asking for each split, and succeeds at 100%")
    void walksEveryStage() {
      MachineDriver d = new MachineDriver(threeAutoStages());
      assertThat(d.wanted()).isNull();
      d.then(new Start(T0));
      assertThat(d.last.effects()).containsExactly(new SetSplit(10));
      assertThat(d.wanted()).isEqualTo(10);
      assertThat(d.state.currentStage().startedAt()).isEqualTo(T0);
      assertThat(d.state.currentStage().soakEndsAt()).isNull();

      d.then(new SplitApplied(at(3), 10));
      assertThat(d.state.currentStage().soakStartedAt()).isEqualTo(at(3));
      assertThat(d.state.currentStage().soakEndsAt()).isEqualTo(at(63));
      assertThat(d.last.effects()).containsExactly(new ScheduleSoakEnd(at(63)), new ScheduleCheck(at(13)));

      d.then(new CheckCompleted(at(13), Verdict.PASS));
      assertThat(d.last.effects()).containsExactly(new ScheduleCheck(at(23)));
      d.then(new SoakElapsed(at(63)));
      assertThat(d.last.effects()).containsExactly(new SetSplit(50));
      assertThat(d.state.stages().get(0).status()).isEqualTo(StageStatus.PASSED);
      assertThat(d.state.stages().get(0).completedAt()).isEqualTo(at(63));
      assertThat(d.state.currentStageIndex()).isEqualTo(1);
      assertThat(d.state.currentStage().startedAt()).isEqualTo(at(63));
      assertThat(d.wanted()).isEqualTo(50);

      d.then(new SplitApplied(at(65), 50), new CheckCompleted(at(75), Verdict.PASS), new SoakElapsed(at(125)));
      assertThat(d.wanted()).isEqualTo(100);
      d.then(new SplitApplied(at(126), 100), new CheckCompleted(at(136), Verdict.PASS), new SoakElapsed(at(186)));
      // the last stage's soak time is up, but its last seconds are not checked yet
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.RUNNING);
      assertThat(d.state.currentStage().waiting()).isEqualTo(Waiting.TELEMETRY);
      d.then(new CheckCompleted(at(191), Verdict.PASS));

      assertThat(d.state.status()).isEqualTo(ReleaseStatus.SUCCEEDED);
      assertThat(d.state.outcome().code()).isEqualTo(OutcomeCode.COMPLETED);
      assertThat(d.state.outcome().message()).isEqualTo("all 3 stages passed; the new version serves 100%");
      assertThat(d.last.effects()).containsExactly(new Finished(ReleaseStatus.SUCCEEDED, d.state.outcome()));
      assertThat(d.state.stages()).extracting(StageState::status).containsOnly(StageStatus.PASSED);
      assertThat(d.wanted()).isEqualTo(100);
    }

    @Test
    @DisplayName("the soak clock starts when the split is applied, and a repeated confirmation does not restart it")
    void soakClockStartsOnce() {
      MachineDriver d = new MachineDriver(threeAutoStages()).then(new Start(T0), new SplitApplied(at(30), 10));
      d.then(new SplitApplied(at(50), 10));
      assertThat(d.last.effects()).isEmpty();
      assertThat(d.state.currentStage().soakEndsAt()).isEqualTo(at(90));
      assertThat(d.attempt(new SoakElapsed(at(89))).rejection()).contains("soak ends at " + at(90));
    }

    @Test
    @DisplayName("a confirmation of another split is rejected and starts nothing")
    void staleSplitConfirmation() {
      MachineDriver d = new MachineDriver(threeAutoStages()).then(new Start(T0), new SplitApplied(at(1), 10),
        new CheckCompleted(at(11), Verdict.PASS), new SoakElapsed(at(61)));
      Transition stale = d.attempt(new SplitApplied(at(62), 10));
      assertThat(stale.rejection()).contains("10% new").contains("stage 2 (50%)");
      assertThat(d.state.currentStage().soakStartedAt()).isNull();
    }

    @Test
    @DisplayName("a single-stage plan at 100% succeeds after its soak")
    void singleStage() {
      MachineDriver d = new MachineDriver(plan(1, InsufficientDataPolicy.PAUSE, null, new Stage(100, 5, true, null)))
        .then(new Start(T0), new SplitApplied(at(1), 100), new CheckCompleted(at(3), Verdict.PASS),
          new SoakElapsed(at(6)), new CheckCompleted(at(7), Verdict.PASS));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.SUCCEEDED);
      assertThat(d.state.outcome().message()).startsWith("all 1 stage passed");
    }
  }

  @Nested
  class Checks {

    @Test
    @DisplayName("with failureThreshold 1 the first failed check rolls back at once, without waiting for the soak")
    void firstFailRollsBack() {
      MachineDriver d = new MachineDriver(threeAutoStages()).then(new Start(T0), new SplitApplied(at(1), 10),
        new CheckCompleted(at(11), Verdict.FAIL));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
      assertThat(d.state.outcome()).isEqualTo(new Outcome(OutcomeCode.SLO_VIOLATION,
        "1 failed check at stage 1 (10%) (failureThreshold 1)"));
      assertThat(d.state.currentStage().status()).isEqualTo(StageStatus.FAILED);
      assertThat(d.state.currentStage().completedAt()).isEqualTo(at(11));
      assertThat(d.state.stages().subList(1, 3)).extracting(StageState::status).containsOnly(StageStatus.CANCELLED);
      assertThat(d.last.effects())
        .containsExactly(new SetSplit(0), new Finished(ReleaseStatus.ROLLED_BACK, d.state.outcome()));
      assertThat(d.wanted()).isEqualTo(0);
    }

    @Test
    @DisplayName("failed checks below failureThreshold are tolerated and the soak still passes on a conclusive pass")
    void failuresBelowThreshold() {
      MachineDriver d = new MachineDriver(plan(3, InsufficientDataPolicy.PAUSE, null, new Stage(50, 60, true, null),
        new Stage(100, 60, true, null)))
        .then(new Start(T0), new SplitApplied(at(1), 50), new CheckCompleted(at(11), Verdict.FAIL),
          new CheckCompleted(at(21), Verdict.PASS), new CheckCompleted(at(31), Verdict.FAIL), new SoakElapsed(at(61)));
      assertThat(d.state.stages().get(0).failedChecks()).isEqualTo(2);
      assertThat(d.state.stages().get(0).status()).isEqualTo(StageStatus.PASSED);
      assertThat(d.state.currentStageIndex()).isEqualTo(1);
      d.then(new CheckCompleted(at(71), Verdict.FAIL), new CheckCompleted(at(81), Verdict.FAIL));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.RUNNING);
      d.then(new CheckCompleted(at(91), Verdict.FAIL));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
      assertThat(d.state.outcome().message()).isEqualTo("3 failed checks at stage 2 (100%) (failureThreshold 3)");
    }

    @Test
    @DisplayName(
      "every verdict is counted in its stage: passes, fails and inconclusive checks; the stage's evidence is judged "
      + "by the last")
    void counts() {
      MachineDriver d = new MachineDriver(plan(5, InsufficientDataPolicy.PAUSE, null, new Stage(100, 60, true, null)))
        .then(new Start(T0), new SplitApplied(at(1), 100), new CheckCompleted(at(11), Verdict.PASS),
          new CheckCompleted(at(21), Verdict.INCONCLUSIVE), new CheckCompleted(at(31), Verdict.INCONCLUSIVE),
          new CheckCompleted(at(41), Verdict.FAIL), new CheckCompleted(at(51), Verdict.ERROR));
      StageState stage = d.state.currentStage();
      assertThat(stage.passedChecks()).isEqualTo(1);
      assertThat(stage.inconclusiveChecks()).isEqualTo(2);
      assertThat(stage.failedChecks()).isEqualTo(1);
      assertThat(d.state.consecutiveErrors()).isEqualTo(1);
      // a pass is the stage's evidence only while no later look says otherwise
      assertThat(stage.hadConclusivePass()).isFalse();
      assertThat(stage.evidence().verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      assertThat(stage.evidence().windows()).isEqualTo(4);
      assertThat(stage.evidence().checkedUntil()).isEqualTo(at(41));
    }

    @Test
    @DisplayName("before the split is applied a pass does not count, a fail does")
    void beforeTheSplit() {
      MachineDriver d = new MachineDriver(threeAutoStages())
        .then(new Start(T0), new CheckCompleted(at(10), Verdict.PASS));
      assertThat(d.state.currentStage().passedChecks()).isZero();
      d.then(new CheckCompleted(at(20), Verdict.FAIL));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
    }

    @Test
    @DisplayName("a pass whose window began before the soak started does not count; one that began at or after it does")
    void windowStart() {
      MachineDriver d = new MachineDriver(threeAutoStages()).then(new Start(T0), new SplitApplied(at(5), 10),
        new CheckCompleted(at(10), Verdict.PASS, at(0)));
      assertThat(d.state.currentStage().passedChecks()).isZero();
      d.then(new CheckCompleted(at(15), Verdict.INCONCLUSIVE, at(4)));
      assertThat(d.state.currentStage().inconclusiveChecks()).isZero();
      d.then(new CheckCompleted(at(15), Verdict.PASS, at(5)));
      assertThat(d.state.currentStage().passedChecks()).isEqualTo(1);
    }

    @Test
    @DisplayName("a fail from a window that began in the previous stage still counts against the version")
    void staleFailCounts() {
      MachineDriver d = new MachineDriver(threeAutoStages()).then(new Start(T0), new SplitApplied(at(1), 10),
        new CheckCompleted(at(11), Verdict.PASS), new SoakElapsed(at(61)), new SplitApplied(at(62), 50),
        new CheckCompleted(at(65), Verdict.FAIL, at(55)));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
      assertThat(d.state.outcome().message()).contains("stage 2 (50%)");
    }

    @Test
    @DisplayName("a pass processed after soakEndsAt but before SoakElapsed counts for the soak and decides it")
    void lateCheckCounts() {
      MachineDriver d = new MachineDriver(threeAutoStages()).then(new Start(T0), new SplitApplied(at(0), 10),
        new CheckCompleted(at(61), Verdict.PASS));
      assertThat(d.state.currentStageIndex()).isEqualTo(1);
      assertThat(d.state.stages().get(0).status()).isEqualTo(StageStatus.PASSED);
      assertThat(d.last.effects()).contains(new SetSplit(50));
    }

    @Test
    @DisplayName("5 error checks in a row fail the release with outcome error and roll back")
    void consecutiveErrors() {
      MachineDriver d = new MachineDriver(threeAutoStages()).then(new Start(T0), new SplitApplied(at(0), 10));
      for (int i = 1; i <= 4; i++) {
        d.then(new CheckCompleted(at(i), Verdict.ERROR));
        assertThat(d.state.consecutiveErrors()).isEqualTo(i);
        assertThat(d.state.status()).isEqualTo(ReleaseStatus.RUNNING);
      }
      d.then(new CheckCompleted(at(5), Verdict.ERROR));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.FAILED);
      assertThat(d.state.outcome().code()).isEqualTo(OutcomeCode.ERROR);
      assertThat(d.state.outcome().message()).startsWith("5 checks in a row could not be made at stage 1 (10%)");
      assertThat(d.state.currentStage().status()).isEqualTo(StageStatus.FAILED);
      assertThat(d.last.effects())
        .containsExactly(new SetSplit(0), new Finished(ReleaseStatus.FAILED, d.state.outcome()));
      assertThat(d.wanted()).isEqualTo(0);
    }

    @Test
    @DisplayName("any non-error check resets the error count, and the count carries across stages")
    void errorsResetAndCarry() {
      MachineDriver d = new MachineDriver(threeAutoStages()).then(new Start(T0), new SplitApplied(at(0), 10),
        new CheckCompleted(at(1), Verdict.ERROR), new CheckCompleted(at(2), Verdict.ERROR),
        new CheckCompleted(at(3), Verdict.INCONCLUSIVE));
      assertThat(d.state.consecutiveErrors()).isZero();
      d.then(new CheckCompleted(at(4), Verdict.PASS), new CheckCompleted(at(5), Verdict.ERROR),
        new CheckCompleted(at(6), Verdict.ERROR), new SoakElapsed(at(60)), new CheckCompleted(at(61), Verdict.ERROR));
      assertThat(d.state.currentStageIndex()).isEqualTo(1);
      assertThat(d.state.consecutiveErrors()).isEqualTo(3);
    }

    @Test
    @DisplayName("a regression found while awaiting approval still rolls back")
    void failWhileAwaitingApproval() {
      MachineDriver d = new MachineDriver(plan(1, InsufficientDataPolicy.PAUSE, null, new Stage(10, 60, false, null),
        new Stage(100, 60, true, null)))
        .then(new Start(T0), new SplitApplied(at(0), 10), new CheckCompleted(at(10), Verdict.PASS),
          new SoakElapsed(at(60)));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.AWAITING_APPROVAL);
      d.then(new CheckCompleted(at(70), Verdict.FAIL));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
      assertThat(d.state.stages().get(0).status()).isEqualTo(StageStatus.FAILED);
    }
  }

  @Nested
  class InsufficientData {

    /**
     * A soak of 60 s with maxSoakSeconds 120 and only inconclusive checks: at 60 s it waits for
     * evidence; the longest soak is over at 120 s, and the check of a window that ends after it
     * decides.
     */
    private MachineDriver soakWithoutPass(InsufficientDataPolicy policy, boolean autoProgress) {
      return new MachineDriver(
        plan(1, policy, 600, new Stage(10, 60, autoProgress, null, 120), new Stage(100, 60, true, null)))
        .then(new Start(T0), new SplitApplied(at(0), 10), new CheckCompleted(at(10), Verdict.INCONCLUSIVE),
          new SoakElapsed(at(60)), new SoakElapsed(at(120)), new CheckCompleted(at(125), Verdict.INCONCLUSIVE));
    }

    @Test
    @DisplayName(
      "a soak without a pass keeps collecting evidence until maxSoakSeconds, and passes if a pass comes meanwhile")
    void waitsForEvidence() {
      MachineDriver d = new MachineDriver(plan(1, InsufficientDataPolicy.ROLLBACK, null, new Stage(10, 60, true, null),
        new Stage(100, 60, true, null)))
        .then(new Start(T0), new SplitApplied(at(0), 10), new CheckCompleted(at(10), Verdict.INCONCLUSIVE));
      assertThat(d.state.currentStage().maxSoakEndsAt()).isEqualTo(at(240));
      d.then(new SoakElapsed(at(60)));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.RUNNING);
      assertThat(d.state.currentStage().waiting()).isEqualTo(Waiting.EVIDENCE);
      assertThat(d.last.effects()).containsExactly(new ScheduleSoakEnd(at(240)));
      d.then(new CheckCompleted(at(100), Verdict.INCONCLUSIVE));
      assertThat(d.state.currentStage().waiting()).isEqualTo(Waiting.EVIDENCE);
      d.then(new CheckCompleted(at(110), Verdict.PASS));
      assertThat(d.state.currentStageIndex()).isEqualTo(1);
      assertThat(d.state.stages().get(0).status()).isEqualTo(StageStatus.PASSED);
      assertThat(d.state.stages().get(0).completedAt()).isEqualTo(at(110));
    }

    @Test
    @DisplayName(
      "at maxSoakSeconds the stage waits until its windows up to there are checked, then follows onInsufficientData")
    void longestSoakIsChecked() {
      MachineDriver d = new MachineDriver(
        plan(1, InsufficientDataPolicy.ROLLBACK, null, new Stage(10, 60, true, null, 120),
          new Stage(100, 60, true, null)))
        .then(new Start(T0), new SplitApplied(at(0), 10), new CheckCompleted(at(10), Verdict.INCONCLUSIVE),
          new SoakElapsed(at(60)), new SoakElapsed(at(120)));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.RUNNING);
      assertThat(d.state.currentStage().waiting()).isEqualTo(Waiting.TELEMETRY);
      d.then(new CheckCompleted(at(121), Verdict.INCONCLUSIVE, at(110), at(119), null));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.RUNNING);
      d.then(new CheckCompleted(at(131), Verdict.INCONCLUSIVE, at(119), at(129), null));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
      assertThat(d.state.outcome().code()).isEqualTo(OutcomeCode.INSUFFICIENT_DATA);
    }

    @Test
    @DisplayName("pause: the release awaits approval with a deadline; approve proceeds")
    void pauseApprove() {
      MachineDriver d = soakWithoutPass(InsufficientDataPolicy.PAUSE, true);
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.AWAITING_APPROVAL);
      assertThat(d.state.currentStage().status()).isEqualTo(StageStatus.AWAITING_APPROVAL);
      assertThat(d.state.currentStage().approvalDeadline()).isEqualTo(at(725));
      assertThat(d.last.effects()).containsExactly(new AwaitApproval(at(725)), new ScheduleCheck(at(135)));
      assertThat(d.wanted()).isEqualTo(10);
      d.then(new Approve(at(100)));
      assertThat(d.state.stages().get(0).status()).isEqualTo(StageStatus.PASSED);
      assertThat(d.state.stages().get(0).completedAt()).isEqualTo(at(100));
      assertThat(d.state.currentStageIndex()).isEqualTo(1);
      assertThat(d.last.effects()).containsExactly(new SetSplit(100));
    }

    @Test
    @DisplayName("pause: deny rolls back with approval_denied and the note")
    void pauseDeny() {
      MachineDriver d = soakWithoutPass(InsufficientDataPolicy.PAUSE, true)
        .then(new Deny(at(100), "too quiet to judge"));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
      assertThat(d.state.outcome()).isEqualTo(new Outcome(OutcomeCode.APPROVAL_DENIED,
        "denied at stage 1 (10%): too quiet to judge"));
      assertThat(d.last.effects()).startsWith(new SetSplit(0));
      assertThat(d.wanted()).isEqualTo(0);
    }

    @Test
    @DisplayName("rollback: the release rolls back with insufficient_data")
    void rollback() {
      MachineDriver d = soakWithoutPass(InsufficientDataPolicy.ROLLBACK, true);
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
      assertThat(d.state.outcome()).isEqualTo(new Outcome(OutcomeCode.INSUFFICIENT_DATA,
        "stage 1 (10%) soaked 120 s without conclusive evidence (0 requests to the new version over 2 windows, "
          + "2 inconclusive checks)"));
      assertThat(d.state.currentStage().status()).isEqualTo(StageStatus.FAILED);
      assertThat(d.last.effects())
        .containsExactly(new SetSplit(0), new Finished(ReleaseStatus.ROLLED_BACK, d.state.outcome()));
    }

    @Test
    @DisplayName("proceed: the stage passes as if it had a conclusive pass")
    void proceed() {
      MachineDriver d = soakWithoutPass(InsufficientDataPolicy.PROCEED, true);
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.RUNNING);
      assertThat(d.state.currentStageIndex()).isEqualTo(1);
      assertThat(d.state.stages().get(0).status()).isEqualTo(StageStatus.PASSED);
    }

    @Test
    @DisplayName("proceed on a manual stage still waits for a person")
    void proceedManual() {
      MachineDriver d = soakWithoutPass(InsufficientDataPolicy.PROCEED, false);
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.AWAITING_APPROVAL);
    }

    @Test
    @DisplayName(
      "a soak with no checks is not decided: it waits for the checks of its windows, then is insufficient data")
    void noChecksAtAll() {
      MachineDriver d = new MachineDriver(plan(1, InsufficientDataPolicy.ROLLBACK, null, new Stage(100, 5, true, null)))
        .then(new Start(T0), new SplitApplied(at(0), 100), new SoakElapsed(at(5)), new SoakElapsed(at(20)));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.RUNNING);
      assertThat(d.state.currentStage().waiting()).isEqualTo(Waiting.TELEMETRY);
      d.then(new CheckCompleted(at(21), Verdict.INCONCLUSIVE));
      assertThat(d.state.outcome().code()).isEqualTo(OutcomeCode.INSUFFICIENT_DATA);
    }
  }

  @Nested
  class Approvals {

    private MachineDriver atManualGate(Integer timeout) {
      return new MachineDriver(plan(1, InsufficientDataPolicy.PAUSE, timeout, new Stage(10, 60, false, "canary"),
        new Stage(100, 60, false, null)))
        .then(new Start(T0), new SplitApplied(at(0), 10), new CheckCompleted(at(10), Verdict.PASS),
          new SoakElapsed(at(60)));
    }

    @Test
    @DisplayName("a manual stage waits for approval even after a clean soak, and approval moves on")
    void manualGate() {
      MachineDriver d = atManualGate(null);
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.AWAITING_APPROVAL);
      assertThat(d.last.effects()).containsExactly(new AwaitApproval(null));
      d.then(new Approve(at(500)));
      assertThat(d.state.currentStageIndex()).isEqualTo(1);
    }

    @Test
    @DisplayName("approving the last manual stage completes the release")
    void approveLast() {
      MachineDriver d = atManualGate(null).then(new Approve(at(70)), new SplitApplied(at(71), 100),
        new CheckCompleted(at(81), Verdict.PASS), new SoakElapsed(at(131)));
      // a person is asked only once the last stage's windows up to its soak's end are checked
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.RUNNING);
      d.then(new CheckCompleted(at(135), Verdict.PASS));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.AWAITING_APPROVAL);
      d.then(new Approve(at(140)));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.SUCCEEDED);
      assertThat(d.wanted()).isEqualTo(100);
    }

    @Test
    @DisplayName("without approvalTimeoutSeconds the wait has no deadline and never times out")
    void noDeadline() {
      MachineDriver d = atManualGate(null);
      assertThat(d.state.currentStage().approvalDeadline()).isNull();
      assertThat(d.attempt(new ApprovalTimedOut(at(10_000_000))).rejection()).contains("without a deadline");
    }

    @Test
    @DisplayName("a timed-out approval cancels and rolls back; before the deadline it is rejected")
    void timeout() {
      MachineDriver d = atManualGate(120);
      assertThat(d.state.currentStage().approvalDeadline()).isEqualTo(at(180));
      assertThat(d.attempt(new ApprovalTimedOut(at(179))).rejection()).contains("deadline");
      d.then(new ApprovalTimedOut(at(180)));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.CANCELLED);
      assertThat(d.state.outcome()).isEqualTo(new Outcome(OutcomeCode.APPROVAL_TIMEOUT,
        "no approval within 120 s at stage 1 (10%)"));
      assertThat(d.state.currentStage().status()).isEqualTo(StageStatus.CANCELLED);
      assertThat(d.last.effects()).startsWith(new SetSplit(0));
      assertThat(d.wanted()).isEqualTo(0);
    }

    @Test
    @DisplayName("approve and deny are rejected while the release is running, with a reason for the 409")
    void onlyWhenAwaiting() {
      MachineDriver d = new MachineDriver(threeAutoStages()).then(new Start(T0), new SplitApplied(at(0), 10));
      assertThat(d.attempt(new Approve(at(1))).rejection())
        .isEqualTo("nothing awaits approval: the release is running");
      assertThat(d.attempt(new Deny(at(1))).isRejected()).isTrue();
    }
  }

  @Nested
  class Endings {

    @Test
    @DisplayName("cancel mid-soak rolls back to 0% and cancels the rest, with the note in the message")
    void cancel() {
      MachineDriver d = new MachineDriver(threeAutoStages()).then(new Start(T0), new SplitApplied(at(0), 10),
        new CheckCompleted(at(10), Verdict.PASS), new SoakElapsed(at(60)), new Cancel(at(70), "wrong version"));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.CANCELLED);
      assertThat(d.state.outcome())
        .isEqualTo(new Outcome(OutcomeCode.CANCELLED, "cancelled at stage 2 (50%): wrong version"));
      assertThat(d.state.stages()).extracting(StageState::status)
        .containsExactly(StageStatus.PASSED, StageStatus.CANCELLED, StageStatus.CANCELLED);
      assertThat(d.state.stages().get(1).completedAt()).isEqualTo(at(70));
      assertThat(d.state.stages().get(2).completedAt()).isNull();
      assertThat(d.last.effects())
        .containsExactly(new SetSplit(0), new Finished(ReleaseStatus.CANCELLED, d.state.outcome()));
      assertThat(d.wanted()).isEqualTo(0);
    }

    @Test
    @DisplayName("cancel before start ends the release without touching the Worker")
    void cancelBeforeStart() {
      MachineDriver d = new MachineDriver(threeAutoStages()).then(new Cancel(T0));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.CANCELLED);
      assertThat(d.last.effects()).containsExactly(new Finished(ReleaseStatus.CANCELLED, d.state.outcome()));
      assertThat(d.wanted()).isNull();
    }

    @Test
    @DisplayName("an external deployment ends the release as cancelled, asks for no split and wants none")
    void externalDeployment() {
      MachineDriver d = new MachineDriver(threeAutoStages()).then(new Start(T0), new SplitApplied(at(0), 10),
        new ExternalDeployment(at(30), "deployment d-9 serves 100% of v7"));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.CANCELLED);
      assertThat(d.state.outcome().code()).isEqualTo(OutcomeCode.EXTERNAL_DEPLOYMENT);
      assertThat(d.state.outcome().message()).endsWith(": deployment d-9 serves 100% of v7");
      assertThat(d.last.effects()).containsExactly(new Finished(ReleaseStatus.CANCELLED, d.state.outcome()));
      assertThat(d.wanted()).isNull();
    }

    @Test
    @DisplayName("after the end every input is rejected and the state stays as it is")
    void terminalIsFinal() {
      MachineDriver d = new MachineDriver(threeAutoStages()).then(new Start(T0), new Cancel(at(1)));
      Transition again = d.attempt(new Cancel(at(2)));
      assertThat(again.rejection()).isEqualTo("the release has already ended (cancelled)");
      assertThat(again.next()).isEqualTo(d.state);
      assertThat(again.effects()).isEmpty();
    }
  }

  @Nested
  class Evidence {

    private final Plan plan = plan(1, InsufficientDataPolicy.PAUSE, null, new Stage(10, 60, true, null),
      new Stage(50, 60, true, null), new Stage(100, 60, true, null));

    /** Stage 1 split at 5 s, passed at 65 s; stage 2 asked for at 65 s, serving from 66 s. */
    private MachineDriver inStageTwo() {
      return new MachineDriver(plan).then(new Start(T0), new SplitApplied(at(5), 10),
        new CheckCompleted(at(30), Verdict.PASS, at(10), at(20), null), new SoakElapsed(at(65)),
        new SplitApplied(at(66), 50));
    }

    @Test
    @DisplayName("a window belongs to the stage whose split served it whole; one that straddles a split change to none")
    void attribution() {
      MachineDriver d = inStageTwo();
      ReleaseMachine m = d.machine;
      assertThat(m.attribute(d.state, at(10), at(20))).isEqualTo(new Attribution(0, true, 10, null));
      assertThat(m.attribute(d.state, at(55), at(65))).isEqualTo(new Attribution(0, true, 10, null));
      assertThat(m.attribute(d.state, at(70), at(80))).isEqualTo(new Attribution(1, true, 50, null));
      Attribution first = m.attribute(d.state, at(0), at(10));
      assertThat(first.counted()).isFalse();
      assertThat(first.stageIndex()).isZero();
      assertThat(first.reason()).isEqualTo("it began before stage 1 (10%)'s split was confirmed serving at Cloudflare");
      Attribution across = m.attribute(d.state, at(60), at(70));
      assertThat(across).extracting(Attribution::stageIndex, Attribution::counted, Attribution::servedPercent)
        .containsExactly(1, false, null);
      assertThat(across.reason()).isEqualTo("it began under stage 1 (10%)'s split and ended under stage 2 (50%)'s");
      assertThat(m.attribute(d.state, at(65), at(75)).reason())
        .isEqualTo("it began before stage 2 (50%)'s split was confirmed serving at Cloudflare");
    }

    @Test
    @DisplayName(
      "the windows of a stage's last seconds, checked after the next stage began, count for it; a fail among them "
      + "rolls back")
    void tailOfAnIntermediateStage() {
      MachineDriver d = inStageTwo();
      StageEvidence judged = d.state.stages().get(0).evidence().pooled(null, null, at(60)).judged(Verdict.PASS, "ok");
      d.then(new CheckCompleted(at(67), Verdict.PASS, at(50), at(60), judged));
      assertThat(d.state.stages().get(0).evidence()).isEqualTo(judged);
      assertThat(d.state.stages().get(0).passedChecks()).isEqualTo(2);
      assertThat(d.state.currentStage().passedChecks()).isZero();
      d.then(new CheckCompleted(at(70), Verdict.FAIL, at(60), at(65), null));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
      assertThat(d.state.outcome().message())
        .isEqualTo("1 failed check at stage 1 (10%) (in its last seconds, checked after stage 2 (50%) began) "
          + "(failureThreshold 1)");
      assertThat(d.wanted()).isZero();
    }

    @Test
    @DisplayName("a pass of a window served partly under the previous split counts for no stage")
    void straddlingPassDoesNotCount() {
      MachineDriver d = inStageTwo().then(new CheckCompleted(at(75), Verdict.PASS, at(60), at(70), null));
      assertThat(d.state.stages().get(0).passedChecks()).isEqualTo(1);
      assertThat(d.state.currentStage().passedChecks()).isZero();
      assertThat(d.state.currentStage().evidence().looks()).isEqualTo(1);
      assertThat(d.state.currentStage().evidence().windows()).isZero();
    }

    @Test
    @DisplayName(
      "the last stage succeeds only once its windows up to the soak's end are checked; a fail in them rolls back")
    void lastStageTail() {
      Plan single = plan(1, InsufficientDataPolicy.PAUSE, null, new Stage(100, 20, true, null));
      MachineDriver d = new MachineDriver(single).then(new Start(T0), new SplitApplied(at(0), 100),
        new CheckCompleted(at(16), Verdict.PASS, at(5), at(10), null), new SoakElapsed(at(20)));
      assertThat(d.state.currentStage().waiting()).isEqualTo(Waiting.TELEMETRY);
      Transition failing = d.attempt(new CheckCompleted(at(21), Verdict.FAIL, at(10), at(15), null));
      assertThat(failing.next().status()).isEqualTo(ReleaseStatus.ROLLED_BACK);
      d.then(new CheckCompleted(at(21), Verdict.PASS, at(10), at(15), null));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.RUNNING);
      d.then(new CheckCompleted(at(26), Verdict.PASS, at(15), at(20), null));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.SUCCEEDED);
      assertThat(d.state.currentStage().completedAt()).isEqualTo(at(26));
    }

    @Test
    @DisplayName("the last stage's tail turning inconclusive keeps it collecting rather than succeeding")
    void lastStageTailInconclusive() {
      Plan single = plan(1, InsufficientDataPolicy.ROLLBACK, null, new Stage(100, 20, true, null, 30));
      MachineDriver d = new MachineDriver(single).then(new Start(T0), new SplitApplied(at(0), 100),
        new CheckCompleted(at(16), Verdict.PASS, at(5), at(10), null), new SoakElapsed(at(20)),
        new CheckCompleted(at(26), Verdict.INCONCLUSIVE, at(10), at(20), null));
      assertThat(d.state.status()).isEqualTo(ReleaseStatus.RUNNING);
      assertThat(d.state.currentStage().waiting()).isEqualTo(Waiting.EVIDENCE);
      d.then(new CheckCompleted(at(36), Verdict.INCONCLUSIVE, at(20), at(30), null));
      assertThat(d.state.outcome().code()).isEqualTo(OutcomeCode.INSUFFICIENT_DATA);
    }
  }

  @Nested
  class Plumbing {

    @Test
    @DisplayName("a state from another plan (different stage count) is a programming error")
    void mismatchedPlan() {
      ReleaseState twoStages = new ReleaseMachine(plan(1, InsufficientDataPolicy.PAUSE, null,
        new Stage(50, 1, true, null), new Stage(100, 1, true, null))).initialState();
      assertThatThrownBy(() -> new ReleaseMachine(threeAutoStages()).apply(twoStages, new Start(T0)))
        .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("acceptsChecks is true exactly while soaking or awaiting approval")
    void acceptsChecks() {
      MachineDriver d = new MachineDriver(threeAutoStages());
      assertThat(d.machine.acceptsChecks(d.state)).isFalse();
      d.then(new Start(T0));
      assertThat(d.machine.acceptsChecks(d.state)).isTrue();
      d.then(new Cancel(at(1)));
      assertThat(d.machine.acceptsChecks(d.state)).isFalse();
    }

    @Test
    @DisplayName("a stage state survives its JSON form, nulls and all")
    void stageJson() {
      MachineDriver d = new MachineDriver(plan(1, InsufficientDataPolicy.PAUSE, 60, new Stage(10, 60, false, null),
        new Stage(100, 60, true, null)))
        .then(new Start(T0), new SplitApplied(at(1), 10), new CheckCompleted(at(11), Verdict.INCONCLUSIVE),
          new CheckCompleted(at(21), Verdict.PASS), new SoakElapsed(at(61)));
      StageEvidence pooled = StageEvidence.empty().pooled(
        new VersionStats(120, 2, 1, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 1.0, 2.0),
        new VersionStats(900, 1, 0, 11.0, 21.0, 31.0, 41.0, 51.0, 61.0, 71.0, null, null), at(20))
        .judged(Verdict.INCONCLUSIVE, "not yet");
      List<StageState> stages = new java.util.ArrayList<>(d.state.stages());
      stages.add(d.state.stages().get(0).withEvidence(pooled).waitingFor(Waiting.EVIDENCE));
      for (StageState stage : stages) {
        JsonObject json = new JsonObject(new JsonObject(stage.toMap()).encode());
        assertThat(StageState.fromMap(json.getMap())).isEqualTo(stage);
      }
      JsonObject json = new JsonObject(d.state.stages().get(0).toMap());
      assertThat(json.getString("state")).isEqualTo("awaiting_approval");
      assertThat(json.getString("soakEndsAt")).isEqualTo("2026-01-01T00:01:01Z");
      assertThat(json.getString("approvalDeadline")).isEqualTo("2026-01-01T00:02:01Z");
    }

    @Test
    @DisplayName("wire names of statuses and outcome codes are the contract's")
    void wireNames() {
      assertThat(ReleaseStatus.values()).extracting(ReleaseStatus::wireName)
        .containsExactly("running", "awaiting_approval", "paused", "succeeded", "rolled_back", "cancelled", "failed");
      assertThat(StageStatus.values()).extracting(StageStatus::wireName)
        .containsExactly("pending", "soaking", "awaiting_approval", "passed", "failed", "cancelled", "skipped");
      assertThat(OutcomeCode.values()).extracting(OutcomeCode::wireName).containsExactly("completed", "slo_violation",
        "approval_denied", "approval_timeout", "cancelled", "insufficient_data", "external_deployment", "error",
        "smoke_test_failed", "gate_failed");
      assertThat(Verdict.values()).extracting(Verdict::wireName)
        .containsExactly("pass", "fail", "inconclusive", "error");
      assertThat(ReleaseStatus.fromWireName("rolled_back")).contains(ReleaseStatus.ROLLED_BACK);
      assertThat(OutcomeCode.fromWireName("nope")).isEmpty();
    }
  }
}
