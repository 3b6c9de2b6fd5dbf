package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Pooled evidence: merging windows' quantiles, the windows a check reads, and the judge of a stage. */
class StageEvidenceTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final double[] WALL = VersionStats.WALL_LEVELS;

  private static Instant at(int seconds) {
    return T0.plusSeconds(seconds);
  }

  /** Type-7 sample quantile (linear between order statistics) of sorted values. */
  private static double quantile(double[] sorted, double p) {
    double h = (sorted.length - 1) * p;
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }

  /** A window of raw values (all successes), summarised the way telemetry does. */
  private static VersionStats window(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    Double[] q = new Double[WALL.length];
    for (int i = 0; i < WALL.length; i++) {
      q[i] = quantile(sorted, WALL[i]);
    }
    return new VersionStats(values.length, 0, q[0], q[1], q[2], q[3], q[4], q[5], q[6], null, null);
  }

  private static double[] draw(SplittableRandom random, int n, DoubleSupplier value) {
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = value.getAsDouble();
    }
    return values;
  }

  @Nested
  class Pooling {

    /**
     * Many windows of different sizes and shapes (lognormal, exponential with a floor, a version
     * that slows down mid-stage): the pool's low curve stays at or below the quantiles of all the
     * samples together (measured: 0-24% below), its high curve at or above them but for up to 4%
     * at p95 and p99 (measured: 4% under to 47% over, the most for a two-humped mixture at p25).
     */
    @Test
    @DisplayName("the pooled low and high curves bracket the quantiles of all the windows' samples together")
    void bracketsThePooledSample() {
      SplittableRandom random = new SplittableRandom(7);
      List<DoubleSupplier> shapes = List.of(
        () -> 80 * Math.exp(0.6 * random.nextGaussian()),
        () -> 20 - 40 * Math.log(1 - random.nextDouble()),
        () -> 50 * Math.exp(1.1 * random.nextGaussian()));
      for (DoubleSupplier shape : shapes) {
        for (int slowdown : new int[] {1, 2}) {
          PooledStats pool = PooledStats.empty();
          List<Double> all = new ArrayList<>();
          for (int w = 0; w < 40; w++) {
            int n = 20 + random.nextInt(400);
            double factor = w >= 20 ? slowdown : 1;
            double[] values = draw(random, n, () -> factor * shape.getAsDouble());
            for (double v : values) {
              all.add(v);
            }
            pool = pool.plus(window(values));
          }
          double[] sorted = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
          for (int i = 0; i < WALL.length - 1; i++) {
            double exact = quantile(sorted, WALL[i]);
            assertThat(pool.wallLow().get(i)).as("low p%s", WALL[i]).isLessThanOrEqualTo(exact)
              .isGreaterThan(exact * 0.7);
            // the high reading assumes a tail no heavier than a power law between known points; the
            // small windows' sample tails are rougher than that, and it comes out up to 4% under
            assertThat(pool.wallHigh().get(i)).as("high p%s", WALL[i]).isGreaterThanOrEqualTo(exact * 0.95)
              .isLessThan(exact * 1.5);
          }
          assertThat(pool.requests()).isEqualTo(all.size());
        }
      }
    }

    @Test
    @DisplayName("counts add up exactly; one window pools to itself; a window without traffic changes nothing")
    void counts() {
      VersionStats a = new VersionStats(100, 3, 1, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 2.0, 4.0);
      VersionStats b = new VersionStats(50, 2, 2, 11.0, 21.0, 31.0, 41.0, 51.0, 61.0, 71.0, 2.5, 5.0);
      PooledStats one = PooledStats.empty().plus(a);
      assertThat(one.wallLow()).containsExactly(10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0);
      assertThat(one.wallHigh()).isEqualTo(one.wallLow());
      assertThat(one.cpuHigh()).containsExactly(2.0, 4.0);
      PooledStats two = one.plus(b).plus(VersionStats.noTraffic());
      assertThat(two.requests()).isEqualTo(150);
      assertThat(two.errors()).isEqualTo(5);
      assertThat(two.exceptions()).isEqualTo(3);
      assertThat(two.observed(Sli.ERROR_RATE)).isEqualTo(5.0 / 150);
      assertThat(two.observed(Sli.LATENCY_P99)).isBetween(60.0, 61.0);
      assertThat(two.observedLow(Sli.LATENCY_P99)).isBetween(60.0, 61.0)
        .isLessThanOrEqualTo(two.observed(Sli.LATENCY_P99));
    }

    @Test
    @DisplayName(
      "the fast normal distribution function merges use is within 2e-7 of commons-math's, relatively, tails included")
    void fastNormalCdf() {
      org.apache.commons.math3.distribution.NormalDistribution normal =
        new org.apache.commons.math3.distribution.NormalDistribution(null, 0, 1);
      for (double z = -6; z <= 6; z += 0.01) {
        double exact = normal.cumulativeProbability(z);
        assertThat(QuantileCurve.normalCdf(z)).as("z %s", z).isCloseTo(exact, org.assertj.core.api.Assertions.within(
          2e-7 * Math.min(exact, 1 - exact) + 1e-15));
      }
    }

    @Test
    @DisplayName("a pool survives its JSON form")
    void json() {
      PooledStats pool = PooledStats.empty()
        .plus(new VersionStats(100, 3, 1, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, null, null))
        .plus(new VersionStats(70, 0, 0, 12.0, 22.0, 32.0, 42.0, 52.0, 62.0, 90.0, null, null));
      JsonObject json = new JsonObject(new JsonObject(pool.toMap()).encode());
      assertThat(PooledStats.fromMap(json.getMap())).isEqualTo(pool);
      assertThat(json.containsKey("cl")).isFalse();
      assertThat(PooledStats.fromMap(null)).isEqualTo(PooledStats.empty());
    }
  }

  @Nested
  class Windows {

    private final Duration tenSeconds = Duration.ofSeconds(10);

    /** Stage 1 serving from 3 s, passed at 63 s; stage 2 serving from 64 s. */
    private ReleaseState twoStages() {
      ReleaseMachine machine = new ReleaseMachine(new Plan(List.of(new Stage(10, 60, true, null),
        new Stage(100, 60, true, null)), List.of(), 10, 1, 1, InsufficientDataPolicy.PAUSE, null));
      ReleaseState state = machine.start(T0).next();
      state = machine.apply(state, new ReleaseInput.SplitApplied(at(3), 10)).next();
      state = machine.apply(state, new ReleaseInput.CheckCompleted(at(20), Verdict.PASS)).next();
      state = machine.apply(state, new ReleaseInput.SoakElapsed(at(63))).next();
      return machine.apply(state, new ReleaseInput.SplitApplied(at(64), 100)).next();
    }

    @Test
    @DisplayName("normally one interval; nothing before a whole interval is there")
    void oneInterval() {
      ReleaseState state = twoStages();
      assertThat(EvidenceWindows.next(state, at(10), at(20), tenSeconds))
        .contains(new EvidenceWindows.Window(at(10), at(20)));
      assertThat(EvidenceWindows.next(state, at(10), at(19), tenSeconds)).isEmpty();
    }

    @Test
    @DisplayName(
      "a catch-up reads the whole missed span in one window, but stops at the last grid point before a split change")
    void catchUp() {
      ReleaseState state = twoStages();
      assertThat(EvidenceWindows.next(state, at(80), at(200), tenSeconds))
        .contains(new EvidenceWindows.Window(at(80), at(200)));
      // from 10 s: stage 1 ends at 63 s, so the window ends at 60 s...
      Optional<EvidenceWindows.Window> first = EvidenceWindows.next(state, at(10), at(120), tenSeconds);
      assertThat(first).contains(new EvidenceWindows.Window(at(10), at(60)));
      // ...then the interval that holds both changes, alone...
      assertThat(EvidenceWindows.next(state, at(60), at(120), tenSeconds))
        .contains(new EvidenceWindows.Window(at(60), at(70)));
      // ...then stage 2's
      assertThat(EvidenceWindows.next(state, at(70), at(120), tenSeconds))
        .contains(new EvidenceWindows.Window(at(70), at(120)));
      // the first split, 3 s after the grid point at 0: one interval that holds it
      assertThat(EvidenceWindows.next(state, at(0), at(120), tenSeconds))
        .contains(new EvidenceWindows.Window(at(0), at(10)));
    }
  }

  @Nested
  class Judge {

    private final Plan plan = new Plan(List.of(new Stage(100, 600, true, null)),
      List.of(Slo.absolute(Sli.ERROR_RATE, 0.01)), 10, 50, 1, InsufficientDataPolicy.PAUSE, null);

    private static VersionStats errors(long requests, long errors) {
      return new VersionStats(requests, errors, errors, null, null, null, null, null, null, null, null, null);
    }

    @Test
    @DisplayName("a stage passes on pooled evidence once it holds minRequests, though no window alone has them")
    void poolsToAPass() {
      StageEvidence evidence = StageEvidence.empty();
      List<Verdict> verdicts = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        StageJudge.Judgement j = StageJudge.judge(plan, evidence, true, at(10 * w + 10), errors(15, 0), errors(135, 0),
          null);
        assertThat(j.window().verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        verdicts.add(j.verdict());
        evidence = j.evidence();
      }
      assertThat(verdicts)
        .containsExactly(Verdict.INCONCLUSIVE, Verdict.INCONCLUSIVE, Verdict.INCONCLUSIVE, Verdict.PASS);
      assertThat(evidence.windows()).isEqualTo(4);
      assertThat(evidence.newStats().requests()).isEqualTo(60);
      assertThat(evidence.checkedUntil()).isEqualTo(at(40));
      assertThat(evidence.verdict()).isEqualTo(Verdict.PASS);
    }

    @Test
    @DisplayName(
      "a regression at 1.3x its threshold is caught by the pooled evidence though no single window is conclusive")
    void weakRegressionPooled() {
      StageEvidence evidence = StageEvidence.empty();
      Verdict verdict = null;
      int look = 0;
      while (verdict != Verdict.FAIL && look < 400) {
        look++;
        // exactly 1.3% errors in every window of 1000: no window alone is evidence at any look
        StageJudge.Judgement j = StageJudge.judge(plan, evidence, true, at(10 * look), errors(1000, 13),
          errors(1000, 1), null);
        assertThat(j.window().verdict()).as("window %d alone", look).isEqualTo(Verdict.INCONCLUSIVE);
        verdict = j.verdict();
        evidence = j.evidence();
      }
      assertThat(verdict).isEqualTo(Verdict.FAIL);
      assertThat(evidence.verdict()).isEqualTo(Verdict.FAIL);
      assertThat(look).isBetween(10, 100);
    }

    @Test
    @DisplayName("strong evidence in one window fails at once, however many looks came before")
    void strongWindowFails() {
      StageEvidence evidence = StageEvidence.empty();
      for (int w = 0; w < 50; w++) {
        evidence = StageJudge.judge(plan, evidence, true, at(10 * w), errors(100, 0), errors(900, 1), null).evidence();
      }
      StageJudge.Judgement j = StageJudge.judge(plan, evidence, true, at(510), errors(100, 20), errors(900, 1), null);
      assertThat(j.look()).isEqualTo(51);
      assertThat(j.verdict()).isEqualTo(Verdict.FAIL);
      assertThat(j.reason()).startsWith("this window: error_rate: observed 0.2, ");
      // the pool of 5100 requests with those 20 errors is under the threshold
      assertThat(j.pooled().verdict()).isEqualTo(Verdict.PASS);
    }

    @Test
    @DisplayName("a window that is not the stage's own is judged alone and pools nothing, but is a look")
    void notCounted() {
      StageJudge.Judgement j = StageJudge.judge(plan, StageEvidence.empty(), false, at(10), errors(100, 0),
        errors(900, 0), null);
      assertThat(j.verdict()).isEqualTo(Verdict.PASS);
      assertThat(j.pooled()).isNull();
      assertThat(j.evidence()).isEqualTo(StageEvidence.empty().looked());
    }

    @Test
    @DisplayName("the k-th look spends total / (k (k + 1)): any number of looks spends at most the total")
    void spending() {
      double sum = 0;
      for (int k = 1; k <= 100_000; k++) {
        sum += AlphaSpending.atLook(0.05, k);
      }
      assertThat(sum).isLessThan(0.05).isGreaterThan(0.04999);
      assertThat(AlphaSpending.atLook(0.05, 1)).isEqualTo(0.025);
      assertThat(SloEvaluator.confidence(0.025)).isEqualTo("95%");
      assertThat(SloEvaluator.confidence(0.05 / 12)).isEqualTo("99.17%");
    }
  }
}
