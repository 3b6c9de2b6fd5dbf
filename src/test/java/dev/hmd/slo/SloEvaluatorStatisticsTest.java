package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.slo.TrafficSimulation.Profile;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.BinomialDistribution;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Statistical behaviour of the evaluation: error-rate rates computed exactly from the binomial
 * distribution, percentile rates measured on simulated traffic with fixed seeds, so the numbers
 * are the same on every run. They are quoted in docs/slo-evaluation.md; each test prints its
 * table to the surefire output.
 */
class SloEvaluatorStatisticsTest {

  private static final int CHECKS = 1000;
  private static final int[] SIZES = {200, 500, 1000, 2000, 5000};
  private static final int[] FEW_SIZES = {200, 1000, 5000};
  private static final Profile TYPICAL = TrafficSimulation.TYPICAL;

  private static Plan planWith(Slo... slos) {
    return new Plan(List.of(new Stage(100, 60, true, null)), List.of(slos), 10, 50, 1, InsufficientDataPolicy.PAUSE,
      null);
  }

  /** The exact probability that a check of n requests with true error rate p fails the SLO. */
  private static double exactErrorRateFailProbability(Plan plan, int n, double p) {
    BinomialDistribution errors = new BinomialDistribution(null, n, p);
    double probability = 0;
    for (int x = 0; x <= n; x++) {
      if (SloEvaluator.evaluate(plan, new VersionStats(n, x, null, null, null, null, null, null, null, null, null),
        null, null).verdict() == Verdict.FAIL) {
        probability += errors.probability(x);
      }
    }
    return probability;
  }

  /** The fraction of CHECKS simulated windows of {@code profile} the evaluation fails. */
  private static double failRate(long seed, Plan plan, Profile profile, int requests, Profile baselineProfile,
    int baselineRequests) {
    return failRate(seed, plan, profile, requests, baselineProfile, baselineRequests, CHECKS);
  }

  private static double failRate(long seed, Plan plan, Profile profile, int requests, Profile baselineProfile,
    int baselineRequests, int checks) {
    Set<Sli.Kind> measures = EnumSet.noneOf(Sli.Kind.class);
    plan.slos().forEach(slo -> measures.add(slo.sli().kind()));
    SplittableRandom random = new SplittableRandom(seed);
    int fails = 0;
    for (int i = 0; i < checks; i++) {
      VersionStats newVersion = TrafficSimulation.window(random, profile, requests, measures);
      VersionStats oldVersion = baselineProfile == null ? null
        : TrafficSimulation.window(random, baselineProfile, baselineRequests, measures);
      if (SloEvaluator.evaluate(plan, newVersion, oldVersion, null).verdict() == Verdict.FAIL) {
        fails++;
      }
    }
    return (double) fails / checks;
  }

  private static double failRate(long seed, Plan plan, Profile profile, int requests) {
    return failRate(seed, plan, profile, requests, null, 0);
  }

  private static double[] rates(long seed, Plan plan, Profile profile, int[] sizes) {
    double[] rates = new double[sizes.length];
    for (int i = 0; i < sizes.length; i++) {
      rates[i] = failRate(seed + i, plan, profile, sizes[i]);
    }
    return rates;
  }

  private static double max(double[] rates) {
    return Arrays.stream(rates).max().orElseThrow();
  }

  private static void print(String title, int[] sizes, double[] rates) {
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-50s", title));
    for (int i = 0; i < sizes.length; i++) {
      line.append(String.format(Locale.ROOT, " | n=%-5d %7.3f%%", sizes[i], 100 * rates[i]));
    }
    System.out.println(line);
  }

  @Test
  @DisplayName(
    "error rate, exactly: at half the threshold a check fails under 0.5%, at the threshold under 3.5%, at 3x with "
    + "n=1000 over 99%")
  void errorRateExact() {
    int[] sizes = {10, 20, 50, 100, 200, 500, 1000, 2000, 5000};
    System.out.println("error_rate, exact binomial: fail probability per check");
    for (double threshold : new double[] {0.01, 0.05}) {
      Plan plan = planWith(Slo.absolute(Sli.ERROR_RATE, threshold));
      for (double multiple : new double[] {0.5, 1, 2, 3}) {
        double[] rates = Arrays.stream(sizes)
          .mapToDouble(n -> exactErrorRateFailProbability(plan, n, multiple * threshold)).toArray();
        print("true rate " + multiple + " x threshold " + threshold, sizes, rates);
        if (multiple == 0.5) {
          assertThat(max(rates)).isLessThan(0.005);
        } else if (multiple == 1) {
          assertThat(max(rates)).isLessThan(0.035);
        } else if (multiple == 3) {
          assertThat(rates[6]).as("n=1000").isGreaterThan(0.99);
        }
      }
    }
  }

  @Test
  @DisplayName("a healthy version on the safe side of every SLO fails under 1% of simulated checks, for n = 200..5000")
  void healthyVersionRarelyFails() {
    Profile healthy = TYPICAL.withErrorRate(0.005)
      .withWallQuantile(0.99, 400)
      .withCpuQuantile(0.99, 40);
    Plan[] plans = {
      planWith(Slo.absolute(Sli.ERROR_RATE, 0.01)),
      planWith(Slo.absolute(Sli.LATENCY_P50, 1.25 * healthy.wallQuantile(0.5))),
      planWith(Slo.absolute(Sli.LATENCY_P90, 1.25 * healthy.wallQuantile(0.9))),
      planWith(Slo.absolute(Sli.LATENCY_P99, 500)),
      planWith(Slo.absolute(Sli.LATENCY_P999, 1.25 * healthy.wallQuantile(0.999))),
      planWith(Slo.absolute(Sli.CPU_P50, 1.25 * healthy.cpuQuantile(0.5))),
      planWith(Slo.absolute(Sli.CPU_P99, 50)),
      planWith(Slo.absolute(Sli.ERROR_RATE, 0.01), Slo.absolute(Sli.LATENCY_P99, 500), Slo.absolute(Sli.CPU_P99, 50)),
    };
    String[] titles = {
      "error_rate 0.005, threshold 0.01",
      "latency_p50 at 80% of threshold",
      "latency_p90 at 80% of threshold",
      "latency_p99 400, threshold 500",
      "latency_p999 at 80% of threshold",
      "cpu_p50 at 80% of threshold",
      "cpu_p99 40, threshold 50",
      "whole check: error_rate + latency_p99 + cpu_p99",
    };
    System.out.println("healthy version on the safe side: simulated fail rate per check");
    for (int p = 0; p < plans.length; p++) {
      double[] rates = rates(1000L * p, plans[p], healthy, SIZES);
      print(titles[p], SIZES, rates);
      assertThat(max(rates)).as(titles[p]).isLessThan(0.01);
    }
  }

  @Test
  @DisplayName("a version exactly at a percentile threshold fails about 2.5% of simulated checks or fewer")
  void percentilesAtTheThreshold() {
    Profile edge = TYPICAL.withWallQuantile(0.99, 500).withCpuQuantile(0.99, 50);
    Plan[] plans = {
      planWith(Slo.absolute(Sli.LATENCY_P50, edge.wallQuantile(0.5))),
      planWith(Slo.absolute(Sli.LATENCY_P99, 500)),
      planWith(Slo.absolute(Sli.LATENCY_P999, edge.wallQuantile(0.999))),
      planWith(Slo.absolute(Sli.CPU_P50, edge.cpuQuantile(0.5))),
      planWith(Slo.absolute(Sli.CPU_P99, 50)),
    };
    String[] titles = {"latency_p50 at threshold", "latency_p99 at threshold", "latency_p999 at threshold",
      "cpu_p50 at threshold", "cpu_p99 at threshold"};
    System.out.println("version exactly at a percentile threshold: simulated fail rate per check");
    for (int p = 0; p < plans.length; p++) {
      double[] rates = rates(2000L * p + 7, plans[p], edge, FEW_SIZES);
      print(titles[p], FEW_SIZES, rates);
      // 2.5% is the design rate; 1000 checks add about +-1% of sampling noise
      assertThat(max(rates)).as(titles[p]).isLessThan(0.04);
    }
  }

  @Test
  @DisplayName("relative SLOs: an unchanged version fails under 1% of simulated checks against a factor of 1.2")
  void relativeUnchanged() {
    Profile same = TYPICAL.withErrorRate(0.005);
    Plan[] plans = {
      planWith(Slo.relative(Sli.ERROR_RATE, 1.2)),
      planWith(Slo.relative(Sli.LATENCY_P50, 1.2)),
      planWith(Slo.relative(Sli.LATENCY_P99, 1.2)),
      planWith(Slo.relative(Sli.CPU_P50, 1.2)),
      planWith(Slo.relative(Sli.LATENCY_P999, 1.2)),
      planWith(Slo.relative(Sli.CPU_P99, 1.2)),
      planWith(Slo.relative(Sli.LATENCY_P50, 1.0)),
    };
    String[] titles = {"relative error_rate x1.2, same version", "relative latency_p50 x1.2, same version",
      "relative latency_p99 x1.2, same version", "relative cpu_p50 x1.2, same version",
      "relative latency_p999 x1.2, same version", "relative cpu_p99 x1.2, same version",
      "relative latency_p50 x1.0, same version"};
    System.out.println("unchanged version, relative SLOs, equal traffic to both: simulated fail rate per check");
    for (int p = 0; p < plans.length; p++) {
      double[] rates = new double[FEW_SIZES.length];
      for (int i = 0; i < FEW_SIZES.length; i++) {
        rates[i] = failRate(3000L * p + i, plans[p], same, FEW_SIZES[i], same, FEW_SIZES[i]);
      }
      print(titles[p], FEW_SIZES, rates);
      assertThat(max(rates)).as(titles[p]).isLessThan(0.01);
    }
  }

  @Test
  @DisplayName(
    "relative tail percentiles: an unchanged version against a factor of 1.0, the worst case, fails under 2.5% of "
    + "checks")
  void relativeTailsAtFactorOne() {
    Profile same = TYPICAL.withErrorRate(0.005);
    int[] sizes = {1000, 5000, 20_000};
    System.out.println(
      "unchanged version, relative factor 1.0 (worst case), equal traffic: simulated fail rate per check");
    Sli[] slis = {Sli.LATENCY_P50, Sli.LATENCY_P99, Sli.LATENCY_P999, Sli.CPU_P99};
    for (int p = 0; p < slis.length; p++) {
      double[] rates = new double[sizes.length];
      for (int i = 0; i < sizes.length; i++) {
        rates[i] = failRate(4000L * p + i, planWith(Slo.relative(slis[p], 1.0)), same, sizes[i], same, sizes[i], 300);
      }
      print("relative " + slis[p].wireName() + " x1.0, same version", sizes, rates);
      assertThat(max(rates)).isLessThan(0.025);
    }
  }

  @Test
  @DisplayName("power of relative tail percentiles: a 2x slower tail with 5000 requests to each version")
  void relativeTailsPower() {
    Profile old = TYPICAL.withErrorRate(0.005);
    System.out.println("relative SLOs x1.2, tail twice as slow, 5000 requests each: simulated fail rate per check");
    int[] size = {5000};
    double p99 = failRate(51, planWith(Slo.relative(Sli.LATENCY_P99, 1.2)), old.withWallQuantile(0.99,
      2 * old.wallQuantile(0.99)), 5000, old, 5000, 300);
    print("relative latency_p99 x1.2, new p99 2x", size, new double[] {p99});
    double cpu = failRate(52, planWith(Slo.relative(Sli.CPU_P99, 1.2)), old.withCpuQuantile(0.99,
      2 * old.cpuQuantile(0.99)), 5000, old, 5000, 300);
    print("relative cpu_p99 x1.2, new p99 2x", size, new double[] {cpu});
    assertThat(p99).isGreaterThan(0.99);
    assertThat(cpu).isGreaterThan(0.9);
  }

  @Test
  @DisplayName("power: a version at 3x its threshold with 1000 requests fails nearly every simulated check")
  void powerAtThreeTimes() {
    int[] size = {1000};
    Profile healthy = TYPICAL.withWallQuantile(0.99, 400).withCpuQuantile(0.99, 40);
    System.out.println("regressed version at 3x: simulated fail rate per check (power)");

    double errors = failRate(11, planWith(Slo.absolute(Sli.ERROR_RATE, 0.01)), healthy.withErrorRate(0.03), 1000);
    print("error_rate 0.03, threshold 0.01", size, new double[] {errors});
    assertThat(errors).isGreaterThan(0.98);

    double p99 = failRate(12, planWith(Slo.absolute(Sli.LATENCY_P99, 500)), healthy.withWallQuantile(0.99, 1500), 1000);
    print("latency_p99 1500, threshold 500", size, new double[] {p99});
    assertThat(p99).isGreaterThan(0.99);

    double p50 = failRate(13, planWith(Slo.absolute(Sli.LATENCY_P50, 100)), healthy.withWallQuantile(0.5, 300), 1000);
    print("latency_p50 300, threshold 100", size, new double[] {p50});
    assertThat(p50).isGreaterThan(0.99);

    double cpu = failRate(14, planWith(Slo.absolute(Sli.CPU_P99, 50)), healthy.withCpuQuantile(0.99, 150), 1000);
    print("cpu_p99 150, threshold 50", size, new double[] {cpu});
    assertThat(cpu).isGreaterThan(0.99);

    double relative = failRate(15, planWith(Slo.relative(Sli.ERROR_RATE, 1.5)), healthy.withErrorRate(0.045), 1000,
      healthy.withErrorRate(0.01), 9000);
    print("relative error_rate x1.5: 0.045 vs old 0.01 (n=9000)", size, new double[] {relative});
    assertThat(relative).isGreaterThan(0.97);
  }

  @Test
  @DisplayName("power against smaller regressions grows with traffic")
  void powerCurve() {
    Profile healthy = TYPICAL.withWallQuantile(0.99, 400).withCpuQuantile(0.99, 40);
    System.out.println("smaller regressions: simulated fail rate per check (power)");
    double[] p99x15 = rates(22, planWith(Slo.absolute(Sli.LATENCY_P99, 500)), healthy.withWallQuantile(0.99, 750),
      FEW_SIZES);
    print("latency_p99 750, threshold 500 (1.5x)", FEW_SIZES, p99x15);
    double[] p99x12 = rates(24, planWith(Slo.absolute(Sli.LATENCY_P99, 500)), healthy.withWallQuantile(0.99, 600),
      FEW_SIZES);
    print("latency_p99 600, threshold 500 (1.2x)", FEW_SIZES, p99x12);
    double[] p50x12 = rates(23, planWith(Slo.absolute(Sli.LATENCY_P50, 100)), healthy.withWallQuantile(0.5, 120),
      FEW_SIZES);
    print("latency_p50 120, threshold 100 (1.2x)", FEW_SIZES, p50x12);
    assertThat(p99x15[FEW_SIZES.length - 1]).isGreaterThan(0.99);
    assertThat(p50x12[FEW_SIZES.length - 1]).isGreaterThan(0.99);
    for (double[] curve : new double[][] {p99x15, p99x12, p50x12}) {
      assertThat(curve[FEW_SIZES.length - 1]).isGreaterThanOrEqualTo(curve[0]);
    }
  }
}
