package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.slo.EngineSimulation.Ending;
import dev.hmd.slo.TrafficSimulation.Profile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Whole releases on simulated traffic, run as the engine runs them ({@link EngineSimulation}:
 * grid windows 5 s late, split-aligned evidence pooled per stage, looks spending their budget).
 * Fixed seeds, so the numbers are the same every run; the tables print to the surefire output and
 * are quoted in docs/slo-evaluation.md.
 */
class ReleaseSimulationTest {

  static final int LAG = 5;
  static final int[] RATES = {2, 10, 50, 200};
  static final Profile OLD = TrafficSimulation.TYPICAL.withErrorRate(0.002).withWallQuantile(0.99, 300)
    .withCpuQuantile(0.99, 20);
  static final Profile HEALTHY = TrafficSimulation.TYPICAL.withErrorRate(0.002).withWallQuantile(0.99, 300);
  static final Profile NEAR_THE_LINE = TrafficSimulation.TYPICAL.withErrorRate(0.005).withWallQuantile(0.99, 400);

  /** The share of {@code count} releases that end as {@code outcome}. */
  static double share(Plan plan, Profile version, double rps, long seed, int count, double approveAfter,
                      Predicate<Ending> outcome, double maxSeconds) {
    EngineSimulation sim = new EngineSimulation(plan, LAG, rps, version, OLD, approveAfter);
    SplittableRandom random = new SplittableRandom(seed);
    int hits = 0;
    for (int i = 0; i < count; i++) {
      if (outcome.test(sim.run(random, maxSeconds))) {
        hits++;
      }
    }
    return (double) hits / count;
  }

  static List<Ending> endings(Plan plan, Profile version, double rps, long seed, int count) {
    EngineSimulation sim = new EngineSimulation(plan, LAG, rps, version, OLD, -1);
    SplittableRandom random = new SplittableRandom(seed);
    List<Ending> list = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      list.add(sim.run(random, 2000));
    }
    return list;
  }

  static double fraction(List<Ending> endings, Predicate<Ending> which) {
    return (double) endings.stream().filter(which).count() / endings.size();
  }

  static String percent(double share) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * share);
  }

  static void row(String name, List<String> cells) {
    System.out.println("| " + name + " | " + String.join(" | ", cells) + " |");
  }

  static void header(String first) {
    System.out.println();
    System.out.println("| " + first + " | 2 req/s | 10 req/s | 50 req/s | 200 req/s |");
    System.out.println("| --- | --- | --- | --- | --- |");
  }

  @Test
  @DisplayName("healthy versions: per release, few rolled back, most succeed wherever the traffic allows")
  void healthyReleases() {
    Plan plan = Plan.defaultPlan();
    header("default plan, per release (1000 each)");
    Profile[] versions = {HEALTHY, NEAR_THE_LINE};
    String[] names = {"healthy: 0.2% errors, p99 300 ms", "near the line: 0.5% errors, p99 400 ms"};
    for (int v = 0; v < versions.length; v++) {
      List<String> rolledBack = new ArrayList<>();
      List<String> succeeded = new ArrayList<>();
      List<String> paused = new ArrayList<>();
      for (int rps : RATES) {
        List<Ending> endings = endings(plan, versions[v], rps, 1000L * v + rps, 1000);
        double rb = fraction(endings, Ending::rolledBackForSlo);
        rolledBack.add(percent(rb));
        succeeded.add(percent(fraction(endings, e -> e.status() == ReleaseStatus.SUCCEEDED)));
        paused.add(percent(fraction(endings, e -> e.status() == ReleaseStatus.AWAITING_APPROVAL)));
        assertThat(rb).as("%s at %d req/s", names[v], rps).isLessThanOrEqualTo(v == 0 ? 0.01 : 0.05);
        if (rps >= 10) {
          assertThat(fraction(endings, e -> e.status() == ReleaseStatus.SUCCEEDED)).isGreaterThan(0.9);
        }
      }
      row(names[v] + ": rolled back", rolledBack);
      row(names[v] + ": succeeded", succeeded);
      row(names[v] + ": paused for data", paused);
    }
  }

  @Test
  @DisplayName(
    "regressions of 1.3x, 2x and 3x an error-rate or p99 threshold: rolled back, paused, or (rarely) promoted")
  void power() {
    Plan plan = Plan.defaultPlan();
    header("default plan, regressed versions (500 releases each): rolled back / paused for data / succeeded");
    double[] factors = {1.3, 2, 3};
    for (int kind = 0; kind < 2; kind++) {
      for (double factor : factors) {
        List<String> cells = new ArrayList<>();
        for (int rps : RATES) {
          Profile bad = kind == 0 ? HEALTHY.withErrorRate(0.01 * factor) : HEALTHY.withWallQuantile(0.99, 500 * factor);
          List<Ending> endings = endings(plan, bad, rps, 3000L + 1000L * kind + rps, 500);
          double rolledBack = fraction(endings, Ending::rolledBackForSlo);
          double succeeded = fraction(endings, e -> e.status() == ReleaseStatus.SUCCEEDED);
          double paused = fraction(endings, e -> e.status() == ReleaseStatus.AWAITING_APPROVAL);
          cells.add(percent(rolledBack) + " / " + percent(paused) + " / " + percent(succeeded));
          if (factor >= 2 && rps >= 10) {
            // a regression of twice the threshold is never promoted where there is traffic to judge it
            assertThat(succeeded).as("%s x%s at %d req/s", kind, factor, rps).isLessThan(0.01);
          }
          if (factor == 3 && rps >= 50) {
            assertThat(rolledBack).isGreaterThan(0.9);
          }
        }
        row(kind == 0 ? "errors " + trim(factor) + "x (" + trim(factor) + "%)"
          : "p99 " + trim(factor) + "x (" + Math.round(500 * factor) + " ms)", cells);
      }
    }
  }

  @Test
  @DisplayName("a version exactly at its threshold is rolled back in at most 7.5% of stages, however many looks")
  void atTheThresholdManyLooks() {
    System.out.println();
    System.out.println(
      "| exactly at the threshold, one stage at 100% watched for ~200 looks (10 s polls, 2000 s; 250 stages each) "
      + "| 10 req/s | 200 req/s |");
    System.out.println("| --- | --- | --- |");
    // one stage that waits for a person after its soak and is never approved: checks go on
    Plan plan = new Plan(List.of(new Stage(100, 60, false, null)), Plan.defaultPlan().slos(), 10, 50, 1,
      InsufficientDataPolicy.PAUSE, null);
    Profile[] versions = {HEALTHY.withErrorRate(0.01), HEALTHY.withErrorRate(0.002).withWallQuantile(0.99, 500)};
    String[] names = {"errors at 1% (threshold 1%)", "p99 at 500 ms (threshold 500 ms)"};
    for (int v = 0; v < versions.length; v++) {
      List<String> cells = new ArrayList<>();
      for (int rps : new int[] {10, 200}) {
        double rb = share(plan, versions[v], rps, 5000L + 10L * v + rps, 250, 1e9, Ending::rolledBackForSlo, 2000);
        cells.add(percent(rb));
        assertThat(rb).as("%s at %d req/s", names[v], rps).isLessThanOrEqualTo(
          AlphaSpending.WINDOW_ALPHA + AlphaSpending.POOLED_ALPHA);
      }
      row(names[v], cells);
    }
  }

  private static String trim(double x) {
    return x == Math.rint(x) ? String.valueOf((long) x) : String.valueOf(x);
  }
}
