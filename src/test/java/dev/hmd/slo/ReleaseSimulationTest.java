package dev.hmd.slo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.slo.TrafficSimulation.Profile;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Whole releases on simulated traffic: the evaluator judges each check window and the machine
 * acts on the verdicts, as the engine will. Fixed seeds, so the counts are the same every run;
 * the tables print to the surefire output and are quoted in docs/slo-evaluation.md.
 */
class ReleaseSimulationTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final int RELEASES = 1000;
  private static final Profile OLD = TrafficSimulation.TYPICAL.withErrorRate(0.002).withWallQuantile(0.99, 300)
    .withCpuQuantile(0.99, 20);

  /** How one simulated release ended, and after how many checks. */
  record Ending(ReleaseStatus status, OutcomeCode code, int checks) {
  }

  /**
   * Runs one release of the default plan with {@code requestsPerSecond} of traffic split between
   * the versions; every check window is one poll interval.
   */
  private static Ending release(SplittableRandom random, Plan plan, Profile newVersion, int requestsPerSecond) {
    Set<Sli.Kind> measures = EnumSet.noneOf(Sli.Kind.class);
    plan.slos().forEach(slo -> measures.add(slo.sli().kind()));
    ReleaseMachine machine = new ReleaseMachine(plan);
    Transition transition = machine.start(T0);
    Instant now = T0;
    int checks = 0;
    VersionStats lastOld = null;
    while (!transition.next().isTerminal()) {
      ReleaseState state = transition.next();
      if (state.status() == ReleaseStatus.AWAITING_APPROVAL) {
        transition = machine.apply(state, new ReleaseInput.Approve(now));
        continue;
      }
      int percent = plan.stage(state.currentStageIndex()).targetPercent();
      transition = machine.apply(state, new ReleaseInput.SplitApplied(now, percent));
      Instant soakEnd = transition.next().currentStage().soakEndsAt();
      while (!transition.next().isTerminal() && now.plusSeconds(plan.pollIntervalSeconds()).compareTo(soakEnd) <= 0) {
        now = now.plusSeconds(plan.pollIntervalSeconds());
        int windowRequests = requestsPerSecond * plan.pollIntervalSeconds();
        VersionStats newStats = TrafficSimulation.window(random, newVersion, windowRequests * percent / 100, measures);
        VersionStats oldStats = TrafficSimulation.window(random, OLD, windowRequests * (100 - percent) / 100, measures);
        Verdict verdict = SloEvaluator.evaluate(plan, newStats, oldStats, lastOld).verdict();
        if (oldStats.requests() >= plan.minRequests()) {
          lastOld = oldStats;
        }
        checks++;
        transition = machine.apply(transition.next(), new ReleaseInput.CheckCompleted(now, verdict));
      }
      if (!transition.next().isTerminal()) {
        now = soakEnd;
        transition = machine.apply(transition.next(), new ReleaseInput.SoakElapsed(now));
      }
    }
    ReleaseState end = transition.next();
    return new Ending(end.status(), end.outcome().code(), checks);
  }

  private static double rate(long seed, Plan plan, Profile profile, int requestsPerSecond, ReleaseStatus status) {
    SplittableRandom random = new SplittableRandom(seed);
    int count = 0;
    for (int i = 0; i < RELEASES; i++) {
      if (release(random, plan, profile, requestsPerSecond).status() == status) {
        count++;
      }
    }
    return (double) count / RELEASES;
  }

  private static void print(String line, double value) {
    System.out.println(String.format(Locale.ROOT, "%-78s %7.2f%%", line, 100 * value));
  }

  @Test
  @DisplayName("healthy versions are rarely rolled back over 1000 releases of the default plan; failureThreshold 2 all but ends it")
  void healthyReleases() {
    Plan plan = Plan.defaultPlan();
    Plan twoStrikes = new Plan(plan.stages(), plan.slos(), plan.pollIntervalSeconds(), plan.minRequests(), 2,
      plan.onInsufficientData(), plan.approvalTimeoutSeconds());
    System.out.println("default plan (10/50/100%, 60 s soaks, 10 s polls; p99 <= 500 ms, errors <= 1%): releases rolled back");
    Profile healthy = TrafficSimulation.TYPICAL.withErrorRate(0.002).withWallQuantile(0.99, 300);
    Profile nearTheLine = TrafficSimulation.TYPICAL.withErrorRate(0.005).withWallQuantile(0.99, 400);
    for (int rps : new int[] {10, 50, 200}) {
      double healthyRate = rate(rps, plan, healthy, rps, ReleaseStatus.ROLLED_BACK);
      print("healthy (errors 0.2%, p99 300 ms), " + rps + " req/s", healthyRate);
      assertThat(healthyRate).isLessThanOrEqualTo(0.005);
      double nearRate = rate(1000L + rps, plan, nearTheLine, rps, ReleaseStatus.ROLLED_BACK);
      print("near the line (errors 0.5%, p99 400 ms), " + rps + " req/s", nearRate);
      assertThat(nearRate).isLessThan(0.05);
      double nearTwoStrikes = rate(2000L + rps, twoStrikes, nearTheLine, rps, ReleaseStatus.ROLLED_BACK);
      print("near the line, failureThreshold 2, " + rps + " req/s", nearTwoStrikes);
      assertThat(nearTwoStrikes).isLessThanOrEqualTo(0.002);
    }
  }

  @Test
  @DisplayName("regressed versions are always rolled back, nearly always in the first stage, a 3x latency regression at the first check")
  void regressedReleases() {
    Plan plan = Plan.defaultPlan();
    System.out.println("default plan, regressed versions at 50 req/s (50 requests per check at 10%)");
    Profile[] regressions = {
      TrafficSimulation.TYPICAL.withErrorRate(0.05).withWallQuantile(0.99, 300),
      TrafficSimulation.TYPICAL.withErrorRate(0.002).withWallQuantile(0.99, 1500),
    };
    String[] names = {"errors 5% (5x)", "p99 1500 ms (3x)"};
    for (int r = 0; r < regressions.length; r++) {
      SplittableRandom random = new SplittableRandom(77 + r);
      int rolledBack = 0;
      int inFirstStage = 0;
      int atFirstCheck = 0;
      long totalChecks = 0;
      for (int i = 0; i < RELEASES; i++) {
        Ending ending = release(random, plan, regressions[r], 50);
        if (ending.status() == ReleaseStatus.ROLLED_BACK && ending.code() == OutcomeCode.SLO_VIOLATION) {
          rolledBack++;
          totalChecks += ending.checks();
          inFirstStage += ending.checks() <= 6 ? 1 : 0;
          atFirstCheck += ending.checks() == 1 ? 1 : 0;
        }
      }
      print(names[r] + ": rolled back (slo_violation)", (double) rolledBack / RELEASES);
      print(names[r] + ": rolled back in the first stage (10%)", (double) inFirstStage / RELEASES);
      print(names[r] + ": rolled back at the first check", (double) atFirstCheck / RELEASES);
      System.out.println(String.format(Locale.ROOT, "%-78s %7.2f", names[r] + ": mean checks to rollback",
        (double) totalChecks / Math.max(1, rolledBack)));
      assertThat(rolledBack).isEqualTo(RELEASES);
      assertThat(inFirstStage).isGreaterThan(RELEASES * 95 / 100);
      assertThat((double) totalChecks / rolledBack).isLessThan(r == 0 ? 2.5 : 1.01);
    }
  }
}
