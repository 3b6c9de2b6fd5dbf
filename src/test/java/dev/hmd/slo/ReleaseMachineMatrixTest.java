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
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every input applied to every kind of state a release can be in, against a table of what must
 * happen. Each state is reached by driving the machine, so only reachable states are tested.
 * Inputs come at {@code LATE}, long after every soak: a check then also decides a stage whose
 * soak time is up (its window, ending then, covers the whole soak).
 */
class ReleaseMachineMatrixTest {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant LATE = T0.plusSeconds(100_000);

  /** 10% auto, 50% manual gate, 100% auto; two failed checks roll back; approvals time out after 300 s. */
  static final Plan PLAN = new Plan(
    List.of(new Stage(10, 60, true, null), new Stage(50, 60, false, null), new Stage(100, 60, true, null)),
    List.of(), 10, 50, 2, InsufficientDataPolicy.PAUSE, 300);
  static final ReleaseMachine MACHINE = new ReleaseMachine(PLAN);

  static ReleaseState drive(ReleaseState state, ReleaseInput... inputs) {
    for (ReleaseInput input : inputs) {
      Transition transition = MACHINE.apply(state, input);
      assertThat(transition.rejection()).as("setting up with %s", input).isNull();
      state = transition.next();
    }
    return state;
  }

  static Instant at(int seconds) {
    return T0.plusSeconds(seconds);
  }

  /** The named states, each reached from the start by real inputs. */
  static Map<String, ReleaseState> states() {
    Map<String, ReleaseState> states = new LinkedHashMap<>();
    ReleaseState initial = MACHINE.initialState();
    ReleaseState splitPending = drive(initial, new Start(T0));
    ReleaseState soaking = drive(splitPending, new SplitApplied(at(5), 10));
    ReleaseState soakingPassed = drive(soaking, new CheckCompleted(at(15), Verdict.PASS));
    ReleaseState soakingFailed = drive(soaking, new CheckCompleted(at(15), Verdict.FAIL));
    ReleaseState soakingErrors = drive(soaking, error(16), error(17), error(18), error(19));
    // no pass when the soak time is up: waits for evidence until its longest soak (4 x 60 s), then pauses
    ReleaseState waitingForEvidence = drive(soaking, new SoakElapsed(at(65)));
    ReleaseState paused = drive(waitingForEvidence, new CheckCompleted(at(246), Verdict.INCONCLUSIVE));
    ReleaseState stage2Soaking = drive(soakingPassed, new SoakElapsed(at(65)), new SplitApplied(at(70), 50),
      new CheckCompleted(at(80), Verdict.PASS));
    ReleaseState manualGate = drive(stage2Soaking, new SoakElapsed(at(130)));
    ReleaseState lastSoakingPassed = drive(manualGate, new Approve(at(140)), new SplitApplied(at(145), 100),
      new CheckCompleted(at(155), Verdict.PASS));
    // the last stage's soak time is up with a pass, but its windows up to the soak's end are not all checked
    ReleaseState confirming = drive(lastSoakingPassed, new SoakElapsed(at(205)));
    states.put("not started", initial);
    states.put("split pending", splitPending);
    states.put("soaking", soaking);
    states.put("soaking with a pass", soakingPassed);
    states.put("soaking with 1 of 2 fails", soakingFailed);
    states.put("soaking with 4 errors", soakingErrors);
    states.put("waiting for evidence", waitingForEvidence);
    states.put("paused for data", paused);
    states.put("manual gate", manualGate);
    states.put("last stage with a pass", lastSoakingPassed);
    states.put("confirming the last stage", confirming);
    states.put("succeeded", drive(confirming, new CheckCompleted(at(206), Verdict.PASS)));
    states.put("rolled back", drive(soakingFailed, new CheckCompleted(at(25), Verdict.FAIL)));
    states.put("cancelled", drive(soaking, new Cancel(at(20))));
    states.put("failed", drive(soakingErrors, error(20)));
    states.put("external deployment", drive(soaking, new ExternalDeployment(at(20), "dashboard")));
    return states;
  }

  private static CheckCompleted error(int second) {
    return new CheckCompleted(at(second), Verdict.ERROR);
  }

  /** Inputs, some shaped by the state they are applied to (its target, its deadlines). */
  static Map<String, Function<ReleaseState, ReleaseInput>> inputs() {
    Map<String, Function<ReleaseState, ReleaseInput>> inputs = new LinkedHashMap<>();
    inputs.put("start", s -> new Start(LATE));
    inputs.put("split applied", s -> new SplitApplied(LATE, PLAN.stage(s.currentStageIndex()).targetPercent()));
    inputs.put("other split applied", s -> new SplitApplied(LATE, 37));
    inputs.put("check pass", s -> new CheckCompleted(LATE, Verdict.PASS));
    inputs.put("check fail", s -> new CheckCompleted(LATE, Verdict.FAIL));
    inputs.put("check inconclusive", s -> new CheckCompleted(LATE, Verdict.INCONCLUSIVE));
    inputs.put("check error", s -> new CheckCompleted(LATE, Verdict.ERROR));
    inputs.put("soak elapsed early", s -> new SoakElapsed(
      s.currentStage().soakEndsAt() == null ? T0 : s.currentStage().soakEndsAt().minusSeconds(1)));
    inputs.put("soak elapsed", s -> new SoakElapsed(LATE));
    inputs.put("approve", s -> new Approve(LATE));
    inputs.put("deny", s -> new Deny(LATE));
    inputs.put("cancel", s -> new Cancel(LATE));
    inputs.put("timeout early", s -> new ApprovalTimedOut(
      s.currentStage().approvalDeadline() == null ? T0 : s.currentStage().approvalDeadline().minusSeconds(1)));
    inputs.put("timeout", s -> new ApprovalTimedOut(LATE));
    inputs.put("external", s -> new ExternalDeployment(LATE, "someone"));
    return inputs;
  }

  private static final String REJECTED = "rejected";
  private static final String ENDED = REJECTED;

  /**
   * What each input does in each state: "rejected", or the next status, the current stage as
   * index:status, and the effects in order.
   */
  static Map<String, List<String>> expected() {
    Map<String, List<String>> table = new LinkedHashMap<>();
    //                          start, split applied, other split, pass, fail, inconclusive, error,
    //                          soak early, soak elapsed, approve, deny, cancel, timeout early, timeout, external
    table.put("not started", List.of(
      "running 0:soaking [split 10]", REJECTED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED, REJECTED,
      REJECTED, REJECTED, "cancelled 0:cancelled [finished]", REJECTED, REJECTED, REJECTED));
    table.put("split pending", List.of(
      REJECTED, "running 0:soaking [soakEnd, check]", REJECTED, "running 0:soaking [check]",
      "running 0:soaking [check]", "running 0:soaking [check]", "running 0:soaking [check]", REJECTED, REJECTED,
      REJECTED, REJECTED, "cancelled 0:cancelled [split 0, finished]", REJECTED, REJECTED,
      "cancelled 0:cancelled [finished]"));
    table.put("soaking", List.of(
      REJECTED, "running 0:soaking []", REJECTED, "running 1:soaking [split 50, check]",
      "awaiting_approval 0:awaiting_approval [await, check]", "awaiting_approval 0:awaiting_approval [await, check]",
      "running 0:soaking [check]", REJECTED, "running 0:soaking []", REJECTED, REJECTED,
      "cancelled 0:cancelled [split 0, finished]", REJECTED, REJECTED, "cancelled 0:cancelled [finished]"));
    table.put("soaking with a pass", List.of(
      REJECTED, "running 0:soaking []", REJECTED, "running 1:soaking [split 50, check]",
      "running 1:soaking [split 50, check]", "awaiting_approval 0:awaiting_approval [await, check]",
      "running 0:soaking [check]", REJECTED, "running 1:soaking [split 50]", REJECTED, REJECTED,
      "cancelled 0:cancelled [split 0, finished]", REJECTED, REJECTED, "cancelled 0:cancelled [finished]"));
    table.put("soaking with 1 of 2 fails", List.of(
      REJECTED, "running 0:soaking []", REJECTED, "running 1:soaking [split 50, check]",
      "rolled_back 0:failed [split 0, finished]", "awaiting_approval 0:awaiting_approval [await, check]",
      "running 0:soaking [check]", REJECTED, "running 0:soaking []", REJECTED, REJECTED,
      "cancelled 0:cancelled [split 0, finished]", REJECTED, REJECTED, "cancelled 0:cancelled [finished]"));
    table.put("soaking with 4 errors", List.of(
      REJECTED, "running 0:soaking []", REJECTED, "running 1:soaking [split 50, check]",
      "awaiting_approval 0:awaiting_approval [await, check]", "awaiting_approval 0:awaiting_approval [await, check]",
      "failed 0:failed [split 0, finished]", REJECTED, "running 0:soaking []", REJECTED, REJECTED,
      "cancelled 0:cancelled [split 0, finished]", REJECTED, REJECTED, "cancelled 0:cancelled [finished]"));
    table.put("waiting for evidence", List.of(
      REJECTED, "running 0:soaking []", REJECTED, "running 1:soaking [split 50, check]",
      "awaiting_approval 0:awaiting_approval [await, check]", "awaiting_approval 0:awaiting_approval [await, check]",
      "running 0:soaking [check]", REJECTED, "running 0:soaking []", REJECTED, REJECTED,
      "cancelled 0:cancelled [split 0, finished]", REJECTED, REJECTED, "cancelled 0:cancelled [finished]"));
    table.put("paused for data", List.of(
      REJECTED, "awaiting_approval 0:awaiting_approval []", REJECTED,
      "awaiting_approval 0:awaiting_approval [check]", "awaiting_approval 0:awaiting_approval [check]",
      "awaiting_approval 0:awaiting_approval [check]", "awaiting_approval 0:awaiting_approval [check]", REJECTED,
      REJECTED, "running 1:soaking [split 50]", "rolled_back 0:failed [split 0, finished]",
      "cancelled 0:cancelled [split 0, finished]", REJECTED, "cancelled 0:cancelled [split 0, finished]",
      "cancelled 0:cancelled [finished]"));
    table.put("manual gate", List.of(
      REJECTED, "awaiting_approval 1:awaiting_approval []", REJECTED,
      "awaiting_approval 1:awaiting_approval [check]", "awaiting_approval 1:awaiting_approval [check]",
      "awaiting_approval 1:awaiting_approval [check]", "awaiting_approval 1:awaiting_approval [check]", REJECTED,
      REJECTED, "running 2:soaking [split 100]", "rolled_back 1:failed [split 0, finished]",
      "cancelled 1:cancelled [split 0, finished]", REJECTED, "cancelled 1:cancelled [split 0, finished]",
      "cancelled 1:cancelled [finished]"));
    table.put("last stage with a pass", List.of(
      REJECTED, "running 2:soaking []", REJECTED, "succeeded 2:passed [finished]", "succeeded 2:passed [finished]",
      "awaiting_approval 2:awaiting_approval [await, check]", "running 2:soaking [check]", REJECTED,
      "running 2:soaking []", REJECTED, REJECTED, "cancelled 2:cancelled [split 0, finished]", REJECTED, REJECTED,
      "cancelled 2:cancelled [finished]"));
    table.put("confirming the last stage", List.of(
      REJECTED, "running 2:soaking []", REJECTED, "succeeded 2:passed [finished]", "succeeded 2:passed [finished]",
      "awaiting_approval 2:awaiting_approval [await, check]", "running 2:soaking [check]", REJECTED,
      "running 2:soaking []", REJECTED, REJECTED, "cancelled 2:cancelled [split 0, finished]", REJECTED, REJECTED,
      "cancelled 2:cancelled [finished]"));
    for (String terminal : List.of("succeeded", "rolled back", "cancelled", "failed", "external deployment")) {
      table.put(terminal, java.util.Collections.nCopies(15, ENDED));
    }
    return table;
  }

  static String summary(Transition transition) {
    if (transition.isRejected()) {
      return REJECTED;
    }
    ReleaseState next = transition.next();
    String effects = transition.effects().stream().map(ReleaseMachineMatrixTest::effectName)
      .collect(Collectors.joining(", "));
    return next.status().wireName() + " " + next.currentStageIndex() + ":" + next.currentStage().status().wireName()
      + " [" + effects + "]";
  }

  private static String effectName(Effect effect) {
    if (effect instanceof Effect.SetSplit split) {
      return "split " + split.newPercent();
    }
    if (effect instanceof Effect.ScheduleSoakEnd) {
      return "soakEnd";
    }
    if (effect instanceof Effect.ScheduleCheck) {
      return "check";
    }
    if (effect instanceof Effect.AwaitApproval) {
      return "await";
    }
    return "finished";
  }

  static Stream<Arguments> pairs() {
    Map<String, ReleaseState> states = states();
    Map<String, Function<ReleaseState, ReleaseInput>> inputs = inputs();
    Map<String, List<String>> expected = expected();
    List<String> inputNames = new ArrayList<>(inputs.keySet());
    List<Arguments> pairs = new ArrayList<>();
    for (String stateName : states.keySet()) {
      for (int i = 0; i < inputNames.size(); i++) {
        pairs.add(Arguments.of(stateName, inputNames.get(i), expected.get(stateName).get(i)));
      }
    }
    return pairs.stream();
  }

  @ParameterizedTest(name = "{0} + {1} -> {2}")
  @MethodSource("pairs")
  @DisplayName("every input in every state does what the table says")
  void matrix(String stateName, String inputName, String expected) {
    ReleaseState state = states().get(stateName);
    Transition transition = MACHINE.apply(state, inputs().get(inputName).apply(state));
    assertThat(summary(transition)).isEqualTo(expected);
    if (transition.isRejected()) {
      assertThat(transition.next()).isEqualTo(state);
      assertThat(transition.rejection()).isNotBlank();
    }
  }

  @Test
  @DisplayName("the table covers every state and every input")
  void tableIsComplete() {
    assertThat(expected().keySet()).containsExactlyElementsOf(states().keySet());
    assertThat(expected().values()).allSatisfy(row -> assertThat(row).hasSize(inputs().size()));
  }
}
