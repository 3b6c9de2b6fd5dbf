package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Dry-run SLOs: judged and recorded like the others, never deciding a check. */
class DryRunSloTest {

  private static Plan plan(Slo... slos) {
    return new Plan(List.of(new Stage(100, 60, true, null)), List.of(slos), 10, 50, 1, InsufficientDataPolicy.PAUSE,
      null);
  }

  private static VersionStats stats(long requests, long errors) {
    return new VersionStats(requests, errors, 20.0, 30.0, 40.0, 60.0, 80.0, 100.0, 150.0, 2.0, 5.0);
  }

  @Test
  @DisplayName("a dry-run SLO that fails leaves the check a pass, and its failure is recorded with dryRun set")
  void failingDryRunPasses() {
    CheckEvaluation check = SloEvaluator.evaluate(plan(Slo.absolute(Sli.ERROR_RATE, 0.01),
      Slo.absolute(Sli.LATENCY_P99, 10).asDryRun()), stats(2000, 2), null, null);
    assertThat(check.verdict()).isEqualTo(Verdict.PASS);
    assertThat(check.slos()).extracting(SloResult::verdict).containsExactly(Verdict.PASS, Verdict.FAIL);
    assertThat(check.slos()).extracting(SloResult::dryRun).containsExactly(false, true);
    assertThat(check.reason()).contains("dry run, not counted: latency_p99");
  }

  @Test
  @DisplayName("a dry-run SLO cannot rescue a check either: a real failure still fails it")
  void realFailureStillFails() {
    CheckEvaluation check = SloEvaluator.evaluate(plan(Slo.absolute(Sli.ERROR_RATE, 0.01),
      Slo.absolute(Sli.LATENCY_P99, 1000).asDryRun()), stats(2000, 400), null, null);
    assertThat(check.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(check.reason()).startsWith("error_rate").doesNotContain("latency_p99");
  }

  @Test
  @DisplayName("a dry-run SLO without enough evidence does not make the check inconclusive")
  void unsureDryRunDoesNotHold() {
    CheckEvaluation check = SloEvaluator.evaluate(plan(Slo.absolute(Sli.ERROR_RATE, 0.01),
      Slo.relative(Sli.LATENCY_P50, 1.1).asDryRun()), stats(2000, 2), null, null);
    assertThat(check.slos().get(1).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(check.verdict()).isEqualTo(Verdict.PASS);
  }

  @Test
  @DisplayName("only dry-run SLOs: a check passes on minRequests alone, as a plan without SLOs does")
  void onlyDryRun() {
    CheckEvaluation check = SloEvaluator.evaluate(plan(Slo.absolute(Sli.ERROR_RATE, 0.0).asDryRun()),
      stats(2000, 300), null, null);
    assertThat(check.verdict()).isEqualTo(Verdict.PASS);
    assertThat(check.reason()).contains("no SLOs to hold").contains("dry run");
  }
}
