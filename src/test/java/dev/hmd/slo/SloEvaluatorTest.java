package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class SloEvaluatorTest {

  private static Plan plan(int minRequests, Slo... slos) {
    return new Plan(List.of(new Stage(100, 60, true, null)), List.of(slos), 10, minRequests, 1,
      InsufficientDataPolicy.PAUSE, null);
  }

  /** Only counts, no percentiles. */
  private static VersionStats counts(long requests, long errors) {
    return new VersionStats(requests, errors, null, null, null, null, null, null, null, null, null);
  }

  /** Wall-time percentiles that scale a typical long-tailed shape so that p99 = p99Ms. */
  private static VersionStats wall(long requests, long errors, double p99Ms) {
    double s = p99Ms / 400;
    return new VersionStats(requests, errors, 60 * s, 100 * s, 160 * s, 240 * s, 300 * s, 400 * s, 700 * s,
      5 * s, 20 * s);
  }

  private static VersionStats withWall(long requests, long errors, double p25, double p50, double p75, double p90,
    double p95, double p99, double p999) {
    return new VersionStats(requests, errors, p25, p50, p75, p90, p95, p99, p999, null, null);
  }

  private static CheckEvaluation evaluate(Plan plan, VersionStats newVersion) {
    return SloEvaluator.evaluate(plan, newVersion, null, null);
  }

  @Nested
  class WholeCheck {

    @Test
    @DisplayName(
      "no stats or no requests for the new version is inconclusive, with every SLO inconclusive and unobserved")
    void noData() {
      Plan plan = plan(50, Slo.absolute(Sli.ERROR_RATE, 0.01), Slo.absolute(Sli.LATENCY_P99, 500));
      for (VersionStats none : new VersionStats[] {null, VersionStats.noTraffic()}) {
        CheckEvaluation check = SloEvaluator.evaluate(plan, none, wall(1000, 0, 100), null);
        assertThat(check.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(check.slos()).hasSize(2).allSatisfy(r -> {
          assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
          assertThat(r.observed()).isNull();
        });
        assertThat(check.reason()).contains("no requests");
      }
    }

    @Test
    @DisplayName("a plan with no SLOs passes with minRequests requests and is inconclusive with fewer")
    void noSlos() {
      assertThat(evaluate(plan(50), counts(50, 50)).verdict()).isEqualTo(Verdict.PASS);
      assertThat(evaluate(plan(50), counts(49, 0)).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    }

    @Test
    @DisplayName("every SLO holding with enough requests passes")
    void allPass() {
      CheckEvaluation check = evaluate(plan(50, Slo.absolute(Sli.ERROR_RATE, 0.01), Slo.absolute(Sli.LATENCY_P99, 500),
        Slo.absolute(Sli.CPU_P50, 50)), wall(1000, 2, 300));
      assertThat(check.verdict()).isEqualTo(Verdict.PASS);
      assertThat(check.slos()).extracting(SloResult::verdict).containsOnly(Verdict.PASS);
      assertThat(check.reason()).contains("1000 requests");
    }

    @Test
    @DisplayName("holding values over fewer than minRequests are inconclusive, never a pass")
    void tooFewRequestsNeverPass() {
      CheckEvaluation check = evaluate(plan(50, Slo.absolute(Sli.ERROR_RATE, 0.01), Slo.absolute(Sli.LATENCY_P99, 500)),
        wall(49, 0, 100));
      assertThat(check.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      assertThat(check.slos()).extracting(SloResult::verdict).containsOnly(Verdict.INCONCLUSIVE);
      assertThat(check.reason()).contains("fewer than minRequests (50)");
    }

    @Test
    @DisplayName("one failing SLO fails the check, whatever the others say")
    void oneFailFails() {
      CheckEvaluation check = evaluate(plan(50, Slo.absolute(Sli.ERROR_RATE, 0.01), Slo.absolute(Sli.LATENCY_P99, 500)),
        wall(1000, 100, 300));
      assertThat(check.verdict()).isEqualTo(Verdict.FAIL);
      assertThat(check.slos()).extracting(SloResult::verdict).containsExactly(Verdict.FAIL, Verdict.PASS);
      assertThat(check.reason()).startsWith("error_rate: ");
    }

    @Test
    @DisplayName("one inconclusive SLO among passes makes the check inconclusive")
    void oneInconclusive() {
      CheckEvaluation check = evaluate(plan(50, Slo.absolute(Sli.ERROR_RATE, 0.01), Slo.absolute(Sli.LATENCY_P99, 500)),
        wall(1000, 15, 300));
      assertThat(check.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      assertThat(check.reason()).startsWith("error_rate: ").contains("not by enough");
    }

    @Test
    @DisplayName("strong evidence fails a check even below minRequests")
    void failBelowMinRequests() {
      CheckEvaluation check = evaluate(plan(50, Slo.absolute(Sli.ERROR_RATE, 0.01)), counts(40, 20));
      assertThat(check.verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    @DisplayName("a fail needs 10 requests, or minRequests when the plan asks for fewer")
    void failFloor() {
      assertThat(evaluate(plan(50, Slo.absolute(Sli.ERROR_RATE, 0.01)), counts(9, 9)).verdict())
        .isEqualTo(Verdict.INCONCLUSIVE);
      assertThat(evaluate(plan(50, Slo.absolute(Sli.ERROR_RATE, 0.01)), counts(10, 10)).verdict())
        .isEqualTo(Verdict.FAIL);
      assertThat(evaluate(plan(5, Slo.absolute(Sli.ERROR_RATE, 0.01)), counts(5, 5)).verdict())
        .isEqualTo(Verdict.FAIL);
    }

    @Test
    @DisplayName("impossible new-version telemetry is an error verdict, not an exception")
    void inconsistentTelemetry() {
      Plan plan = plan(50, Slo.absolute(Sli.ERROR_RATE, 0.01));
      assertThat(evaluate(plan, counts(10, 11)).verdict()).isEqualTo(Verdict.ERROR);
      assertThat(evaluate(plan, counts(-1, 0)).verdict()).isEqualTo(Verdict.ERROR);
      assertThat(evaluate(plan, withWall(100, 0, 1, 2, 3, 4, 5, Double.NaN, 7)).verdict()).isEqualTo(Verdict.ERROR);
      assertThat(evaluate(plan, withWall(100, 0, 1, 2, 3, 4, 5, -6, 7)).reason()).contains("inconsistent");
    }

    @Test
    @DisplayName("CheckEvaluation.error records a failed query")
    void errorFactory() {
      CheckEvaluation error = CheckEvaluation.error("telemetry query failed: 503");
      assertThat(error.verdict()).isEqualTo(Verdict.ERROR);
      assertThat(error.slos()).isEmpty();
    }
  }

  @Nested
  class ErrorRate {

    private final Plan plan = plan(50, Slo.absolute(Sli.ERROR_RATE, 0.01));

    private SloResult judge(long requests, long errors) {
      return evaluate(plan, counts(requests, errors)).slos().get(0);
    }

    @Test
    @DisplayName("at or below the threshold passes; the observed value is errors / requests")
    void pass() {
      SloResult result = judge(1000, 10);
      assertThat(result.verdict()).isEqualTo(Verdict.PASS);
      assertThat(result.observed()).isEqualTo(0.01);
      assertThat(result.bound())
        .isCloseTo(ConfidenceBounds.exactLower(10, 1000, ConfidenceBounds.ALPHA), within(1e-15));
      assertThat(result.baseline()).isNull();
    }

    @Test
    @DisplayName("fails when the exact (Clopper-Pearson) lower bound is above the threshold: 30 of 1000")
    void fail() {
      SloResult result = judge(1000, 30);
      assertThat(result.verdict()).isEqualTo(Verdict.FAIL);
      assertThat(result.bound()).isCloseTo(0.0203, within(0.0001));
      assertThat(result.reason()).isEqualTo("observed 0.03, 95% lower bound 0.02033 > threshold 0.01");
    }

    @Test
    @DisplayName("above the threshold but with a lower bound below it is inconclusive: 15 of 1000")
    void inconclusive() {
      SloResult result = judge(1000, 15);
      assertThat(result.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      assertThat(result.bound()).isCloseTo(0.0084, within(0.0001));
    }

    @Test
    @DisplayName("a 0 threshold passes a clean window and fails on clear errors")
    void zeroThreshold() {
      Plan strict = plan(50, Slo.absolute(Sli.ERROR_RATE, 0));
      assertThat(evaluate(strict, counts(1000, 0)).verdict()).isEqualTo(Verdict.PASS);
      assertThat(evaluate(strict, counts(1000, 1)).verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    @DisplayName("a threshold of 1 can never fail")
    void thresholdOne() {
      assertThat(evaluate(plan(50, Slo.absolute(Sli.ERROR_RATE, 1)), counts(1000, 1000)).verdict())
        .isEqualTo(Verdict.PASS);
    }
  }

  @Nested
  class Percentiles {

    private SloResult judge(Slo slo, VersionStats stats) {
      return evaluate(plan(50, slo), stats).slos().get(0);
    }

    @Test
    @DisplayName("p99 below the threshold passes; observed is the sample p99")
    void pass() {
      SloResult result = judge(Slo.absolute(Sli.LATENCY_P99, 500), wall(1000, 0, 450));
      assertThat(result.verdict()).isEqualTo(Verdict.PASS);
      assertThat(result.observed()).isEqualTo(450.0);
    }

    @Test
    @DisplayName("the p99 lower bound from 1000 values lies between the sample p95 and p99, log-linear in -ln(1 - p)")
    void boundIsInterpolated() {
      VersionStats stats = withWall(1000, 0, 10, 20, 30, 40, 700, 800, 2000);
      SloResult result = judge(Slo.absolute(Sli.LATENCY_P99, 500), stats);
      double level = ConfidenceBounds.quantileLowerBoundLevel(1000, 0.99).getAsDouble();
      assertThat(level).isCloseTo(982.0 / 999, within(1e-12));
      double t = (Math.log(1 - level) - Math.log(0.05)) / (Math.log(0.01) - Math.log(0.05));
      assertThat(result.bound()).isCloseTo(700 * Math.pow(800.0 / 700, t), within(1e-9));
      assertThat(result.verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    @DisplayName("p99 just above the threshold with p95 far below is inconclusive")
    void inconclusive() {
      SloResult result = judge(Slo.absolute(Sli.LATENCY_P99, 500), withWall(1000, 0, 10, 20, 30, 40, 300, 520, 2000));
      assertThat(result.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      assertThat(result.bound()).isLessThan(500);
    }

    @Test
    @DisplayName("percentile bounds count successful requests only, and a fail needs 10 of them")
    void successfulRequestsOnly() {
      SloResult tenSuccesses = judge(Slo.absolute(Sli.LATENCY_P99, 500), wall(1000, 990, 5000));
      // X(9) of 10 values is a 95% lower bound of p99: level 8/9, between the sample p75 and p90
      assertThat(tenSuccesses.bound()).isBetween(160 * 12.5, 240 * 12.5);
      assertThat(tenSuccesses.verdict()).isEqualTo(Verdict.FAIL);
      SloResult fiveSuccesses = judge(Slo.absolute(Sli.LATENCY_P99, 500), wall(1000, 995, 5000));
      assertThat(fiveSuccesses.bound()).isGreaterThan(500);
      assertThat(fiveSuccesses.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    }

    @Test
    @DisplayName("p999 from 100 values is bounded by about the sample p99")
    void p999SmallSample() {
      SloResult result = judge(Slo.absolute(Sli.LATENCY_P999, 500), withWall(100, 0, 1, 2, 3, 4, 5, 600, 5000));
      assertThat(result.bound()).isCloseTo(600, within(60.0));
      assertThat(result.verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    @DisplayName("a median with too few values for a bound cannot fail")
    void medianTooFewToBound() {
      Plan lenient = plan(5, Slo.absolute(Sli.LATENCY_P50, 10));
      SloResult result = evaluate(lenient, wall(12, 0, 4000)).slos().get(0);
      assertThat(result.bound()).isNull();
      assertThat(result.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    }

    @Test
    @DisplayName("CPU p99 is bounded between the known median and p99")
    void cpuP99() {
      VersionStats stats = new VersionStats(1000, 0, null, null, null, null, null, null, null, 10.0, 30.0);
      SloResult result = judge(Slo.absolute(Sli.CPU_P99, 20), stats);
      assertThat(result.bound()).isBetween(20.0, 30.0);
      assertThat(result.verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    @DisplayName("CPU median is bounded by extending the median-p99 line a little below the median")
    void cpuMedian() {
      VersionStats stats = new VersionStats(1000, 0, null, null, null, null, null, null, null, 10.0, 30.0);
      SloResult result = judge(Slo.absolute(Sli.CPU_P50, 8), stats);
      assertThat(result.bound()).isBetween(9.0, 10.0);
      assertThat(result.verdict()).isEqualTo(Verdict.FAIL);
      assertThat(judge(Slo.absolute(Sli.CPU_P50, 9.9), stats).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      assertThat(judge(Slo.absolute(Sli.CPU_P50, 10), stats).verdict()).isEqualTo(Verdict.PASS);
    }

    @Test
    @DisplayName("a missing percentile is inconclusive")
    void missingPercentile() {
      SloResult result = judge(Slo.absolute(Sli.CPU_P99, 20), counts(1000, 0));
      assertThat(result.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      assertThat(result.observed()).isNull();
      assertThat(result.reason()).contains("no CPU-time percentiles");
    }
  }

  @Nested
  class Relative {

    private static final Slo ERRORS_X2 = Slo.relative(Sli.ERROR_RATE, 2);
    private static final Slo P50_X1_2 = Slo.relative(Sli.LATENCY_P50, 1.2);

    private SloResult judge(Slo slo, VersionStats newVersion, VersionStats oldVersion, VersionStats fallback) {
      return SloEvaluator.evaluate(plan(50, slo), newVersion, oldVersion, fallback).slos().get(0);
    }

    @Test
    @DisplayName("within the factor of the old version passes, with the baseline recorded")
    void pass() {
      SloResult result = judge(ERRORS_X2, counts(1000, 15), counts(9000, 90), null);
      assertThat(result.verdict()).isEqualTo(Verdict.PASS);
      assertThat(result.baseline()).isEqualTo(0.01);
      assertThat(result.reason()).contains("2 x the old version's value = 0.02");
    }

    @Test
    @DisplayName("fails when the new lower bound is above factor x the old upper bound")
    void fail() {
      SloResult result = judge(ERRORS_X2, counts(1000, 50), counts(9000, 90), null);
      double oldUpper = ConfidenceBounds.exactUpper(90, 9000, ConfidenceBounds.ALPHA);
      assertThat(ConfidenceBounds.exactLower(50, 1000, ConfidenceBounds.ALPHA)).isGreaterThan(2 * oldUpper);
      assertThat(result.verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    @DisplayName("above factor x old value but within the uncertainty of both is inconclusive")
    void inconclusive() {
      SloResult result = judge(ERRORS_X2, counts(1000, 25), counts(9000, 90), null);
      assertThat(result.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    }

    @Test
    @DisplayName("a slower median fails against the old version's median upper bound")
    void latencyFail() {
      SloResult result = judge(P50_X1_2, wall(1000, 0, 800), wall(1000, 0, 400), null);
      assertThat(result.observed()).isEqualTo(200.0);
      assertThat(result.baseline()).isEqualTo(100.0);
      assertThat(result.verdict()).isEqualTo(Verdict.FAIL);
      assertThat(judge(P50_X1_2, wall(1000, 0, 440), wall(1000, 0, 400), null).verdict()).isEqualTo(Verdict.PASS);
    }

    @Test
    @DisplayName("with no old-version traffic the fallback baseline is used")
    void fallback() {
      SloResult result = judge(P50_X1_2, wall(1000, 0, 800), VersionStats.noTraffic(), wall(2000, 0, 400));
      assertThat(result.baseline()).isEqualTo(100.0);
      assertThat(result.verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    @DisplayName("with no baseline in the window and no fallback a relative SLO is inconclusive")
    void noBaseline() {
      SloResult result = judge(P50_X1_2, wall(1000, 0, 400), VersionStats.noTraffic(), null);
      assertThat(result.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      assertThat(result.baseline()).isNull();
      assertThat(result.reason()).startsWith("no baseline");
      assertThat(judge(P50_X1_2, wall(1000, 0, 400), null, null).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    }

    @Test
    @DisplayName("a baseline below minRequests cannot make a pass, but can support a fail")
    void smallBaseline() {
      assertThat(judge(ERRORS_X2, counts(1000, 0), counts(30, 0), null).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      assertThat(judge(ERRORS_X2, counts(1000, 500), counts(30, 0), null).verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    @DisplayName("the relative p99 cannot fail while the old version has too few requests to bound its p99 from above")
    void unboundedBaseline() {
      Slo p99 = Slo.relative(Sli.LATENCY_P99, 1.0);
      assertThat(SloEvaluator.upperBound(Sli.LATENCY_P99, wall(300, 0, 400))).isNull();
      assertThat(judge(p99, wall(5000, 0, 4000), wall(300, 0, 400), null).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      assertThat(judge(p99, wall(5000, 0, 4000), wall(5000, 0, 400), null).verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    @DisplayName(
      "relative cpu_p99 and latency_p999 can fail once the old version's tail can be bounded above its top quantile")
    void tailPercentilesRelative() {
      VersionStats old = new VersionStats(10_000, 0, 60.0, 100.0, 160.0, 240.0, 300.0, 400.0, 700.0, 5.0, 20.0);
      VersionStats slower = new VersionStats(10_000, 0, 60.0, 100.0, 160.0, 240.0, 300.0, 400.0, 2800.0, 5.0, 80.0);
      assertThat(SloEvaluator.upperBound(Sli.CPU_P99, old)).isBetween(20.0, 30.0);
      assertThat(SloEvaluator.upperBound(Sli.LATENCY_P999, old)).isBetween(700.0, 1400.0);
      assertThat(judge(Slo.relative(Sli.CPU_P99, 1.5), slower, old, null).verdict()).isEqualTo(Verdict.FAIL);
      assertThat(judge(Slo.relative(Sli.LATENCY_P999, 1.5), slower, old, null).verdict()).isEqualTo(Verdict.FAIL);
      assertThat(judge(Slo.relative(Sli.CPU_P99, 1.5), old, old, null).verdict()).isEqualTo(Verdict.PASS);
      VersionStats smallOld = new VersionStats(5000, 0, 60.0, 100.0, 160.0, 240.0, 300.0, 400.0, 700.0, 5.0, 20.0);
      assertThat(SloEvaluator.upperBound(Sli.LATENCY_P999, smallOld)).as("5000 values cannot bound p999 from above")
        .isNull();
    }

    @Test
    @DisplayName("a baseline of zero errors passes only a clean new version")
    void zeroBaseline() {
      assertThat(judge(ERRORS_X2, counts(1000, 0), counts(9000, 0), null).verdict()).isEqualTo(Verdict.PASS);
      assertThat(judge(ERRORS_X2, counts(1000, 1), counts(9000, 0), null).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
      assertThat(judge(ERRORS_X2, counts(1000, 10), counts(9000, 0), null).verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    @DisplayName("absolute SLOs show the old version's value for context but do not use it")
    void absoluteShowsBaseline() {
      SloResult result = SloEvaluator.evaluate(plan(50, Slo.absolute(Sli.ERROR_RATE, 0.5)), counts(1000, 100),
        counts(1000, 0), null).slos().get(0);
      assertThat(result.baseline()).isEqualTo(0.0);
      assertThat(result.verdict()).isEqualTo(Verdict.PASS);
    }
  }

  @Nested
  class BaselineChoice {

    @Test
    @DisplayName("this window's old stats with minRequests win over the fallback")
    void oldFirst() {
      VersionStats old = counts(100, 1);
      assertThat(SloEvaluator.baseline(Sli.ERROR_RATE, 50, old, counts(9999, 0))).isSameAs(old);
    }

    @Test
    @DisplayName("the fallback is used when the old version has fewer than minRequests")
    void fallbackWhenOldIsSmall() {
      VersionStats fallback = counts(500, 1);
      assertThat(SloEvaluator.baseline(Sli.ERROR_RATE, 50, counts(10, 0), fallback)).isSameAs(fallback);
    }

    @Test
    @DisplayName("when neither has minRequests, the larger one is used")
    void largerWhenBothSmall() {
      VersionStats old = counts(20, 0);
      VersionStats fallback = counts(30, 0);
      assertThat(SloEvaluator.baseline(Sli.ERROR_RATE, 50, old, fallback)).isSameAs(fallback);
      assertThat(SloEvaluator.baseline(Sli.ERROR_RATE, 50, old, counts(10, 0))).isSameAs(old);
    }

    @Test
    @DisplayName("stats without the SLI's value, impossible stats and no stats are never a baseline")
    void unusable() {
      assertThat(SloEvaluator.baseline(Sli.LATENCY_P99, 50, counts(1000, 0), null)).isNull();
      assertThat(SloEvaluator.baseline(Sli.ERROR_RATE, 50, counts(10, 20), null)).isNull();
      assertThat(SloEvaluator.baseline(Sli.ERROR_RATE, 50, VersionStats.noTraffic(), null)).isNull();
      assertThat(SloEvaluator.baseline(Sli.ERROR_RATE, 50, null, null)).isNull();
    }
  }
}
