package dev.hmd.slo;

import dev.hmd.slo.TrafficSimulation.Profile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Whole releases as the engine runs them, on simulated traffic: checks on a grid of the poll
 * interval read the windows that end {@code lag} seconds in the past, from where the last one
 * ended; each window goes to the stage whose split served it ({@link ReleaseMachine#attribute});
 * {@link StageJudge} judges it alone and pooled; timers fire at the soak's end and the longest
 * soak's; a split asked for is written half a second later (it serves from the next whole second,
 * as the simulator does) and confirmed a second later. What the Stepper does, without I/O.
 * Deterministic for a seeded random source.
 */
final class EngineSimulation {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final double TICK = 0.25;

  /** How a simulated release ended: its status, outcome, the stage it ended in, its checks and its length. */
  record Ending(ReleaseStatus status, OutcomeCode code, int stage, int checks, double seconds) {

    boolean rolledBackForSlo() {
      return status == ReleaseStatus.ROLLED_BACK && code == OutcomeCode.SLO_VIOLATION;
    }
  }

  private final Plan plan;
  private final ReleaseMachine machine;
  private final int lagSeconds;
  private final double rps;
  private final Profile newVersion;
  private final Profile oldVersion;
  private final java.util.Set<Sli.Kind> measures = java.util.EnumSet.noneOf(Sli.Kind.class);
  /** When stop-at-approval is false, a stage awaiting approval is approved only after this many seconds. */
  private final double approveAfterSeconds;

  EngineSimulation(Plan plan, int lagSeconds, double rps, Profile newVersion, Profile oldVersion,
                   double approveAfterSeconds) {
    this.plan = plan;
    this.machine = new ReleaseMachine(plan);
    this.lagSeconds = lagSeconds;
    this.rps = rps;
    this.newVersion = newVersion;
    this.oldVersion = oldVersion;
    this.approveAfterSeconds = approveAfterSeconds;
    plan.slos().forEach(slo -> measures.add(slo.sli().kind()));
  }

  /** The split serving from a whole second on. */
  private record Served(double fromSecond, int newPercent) {
  }

  /**
   * Runs one release until it ends, or until it awaits approval when {@code approveAfterSeconds}
   * is negative (then the status is {@code awaiting_approval}), or until {@code maxSeconds}.
   */
  Ending run(SplittableRandom random, double maxSeconds) {
    double interval = plan.pollIntervalSeconds();
    Transition t = machine.start(T0);
    ReleaseState state = t.next();
    List<Served> served = new ArrayList<>(List.of(new Served(-1e9, 0)));
    Double askedAt = 0.0;
    Integer asked = machine.wantedNewPercent(state);
    Double cursor = null;
    Double nextCheckAt = null;
    int checks = 0;
    double awaitingSince = -1;
    VersionStats baseline = null;
    for (double now = 0; now <= maxSeconds; now += TICK) {
      Instant instant = at(now);
      // the deployer: written half a second after it is asked for, confirmed a second after
      if (asked != null && askedAt != null && now >= askedAt + 1) {
        served.add(new Served(Math.ceil(askedAt + 0.5), asked));
        askedAt = null;
        if (!state.isTerminal()) {
          state = apply(state, new ReleaseInput.SplitApplied(instant, asked));
        }
      }
      if (state.isTerminal()) {
        return ending(state, checks, now);
      }
      // the check
      if (cursor == null && state.stages().get(0).soakStartedAt() != null) {
        double firstSplit = seconds(state.stages().get(0).soakStartedAt());
        cursor = Math.floor((firstSplit + lagSeconds) / interval) * interval - lagSeconds;
        nextCheckAt = cursor + lagSeconds + interval;
      }
      if (nextCheckAt != null && now >= nextCheckAt && machine.acceptsChecks(state)) {
        double latest = Math.floor(now / interval) * interval - lagSeconds;
        Optional<EvidenceWindows.Window> window = EvidenceWindows.next(state, at(cursor), at(latest),
          Duration.ofMillis((long) (interval * 1000)));
        if (window.isPresent()) {
          double a = seconds(window.get().start());
          double b = seconds(window.get().end());
          VersionStats[] stats = traffic(random, served, a, b);
          Attribution where = machine.attribute(state, window.get().start(), window.get().end());
          StageJudge.Judgement j = StageJudge.judge(plan, state.stages().get(where.stageIndex()).evidence(),
            where.counted(), window.get().end(), stats[0], stats[1], baseline);
          if (stats[1].requests() >= plan.minRequests()) {
            baseline = stats[1];
          }
          checks++;
          Transition next = machine.apply(state, new ReleaseInput.CheckCompleted(instant, j.verdict(),
            window.get().start(), window.get().end(), j.evidence()));
          state = take(next, state);
          cursor = b;
          double gridNext = Math.floor(now / interval) * interval + interval;
          nextCheckAt = Math.max(b + lagSeconds + interval, gridNext);
        } else {
          nextCheckAt = Math.floor(now / interval) * interval + interval;
        }
      }
      // the timers
      StageState stage = state.currentStage();
      if (state.status() == ReleaseStatus.RUNNING && stage.status() == StageStatus.SOAKING && stage.soakEndsAt() != null
        && !instant.isBefore(stage.soakEndsAt()) && (stage.waiting() == Waiting.NONE
        || stage.waiting() == Waiting.EVIDENCE && !instant.isBefore(stage.maxSoakEndsAt()))) {
        state = take(machine.apply(state, new ReleaseInput.SoakElapsed(instant)), state);
      }
      if (state.status() == ReleaseStatus.AWAITING_APPROVAL) {
        if (approveAfterSeconds < 0) {
          return new Ending(state.status(), null, state.currentStageIndex(), checks, now);
        }
        if (awaitingSince < 0) {
          awaitingSince = now;
        } else if (now - awaitingSince >= approveAfterSeconds) {
          state = take(machine.apply(state, new ReleaseInput.Approve(instant)), state);
          awaitingSince = -1;
        }
      }
      // a split asked for by any transition above
      Integer wanted = machine.wantedNewPercent(state);
      if (wanted != null && !wanted.equals(asked)) {
        asked = wanted;
        askedAt = now;
      }
      if (state.isTerminal() && askedAt == null) {
        return ending(state, checks, now);
      }
    }
    return new Ending(state.status(), state.outcome() == null ? null : state.outcome().code(),
      state.currentStageIndex(), checks, maxSeconds);
  }

  private ReleaseState apply(ReleaseState state, ReleaseInput input) {
    return take(machine.apply(state, input), state);
  }

  private static ReleaseState take(Transition t, ReleaseState before) {
    return t.isRejected() ? before : t.next();
  }

  private static Ending ending(ReleaseState state, int checks, double now) {
    return new Ending(state.status(), state.outcome() == null ? null : state.outcome().code(),
      state.currentStageIndex(),
      checks, now);
  }

  /**
   * The new and the old version's stats over [a, b): the whole seconds that start in it, each
   * with the split that served it, rps requests a second (a fractional part is one more with
   * that probability).
   */
  private VersionStats[] traffic(SplittableRandom random, List<Served> served, double a, double b) {
    int toNew = 0;
    int toOld = 0;
    for (double s = Math.ceil(a); s < b; s++) {
      int percent = 0;
      for (Served split : served) {
        if (split.fromSecond() <= s) {
          percent = split.newPercent();
        }
      }
      int n = (int) rps + (random.nextDouble() < rps - Math.floor(rps) ? 1 : 0);
      for (int i = 0; i < n; i++) {
        if (random.nextInt(100) < percent) {
          toNew++;
        } else {
          toOld++;
        }
      }
    }
    return new VersionStats[] {TrafficSimulation.fastWindow(random, newVersion, toNew, measures),
      TrafficSimulation.countsOnly(random, oldVersion, toOld)};
  }

  static Instant at(double seconds) {
    return T0.plusMillis(Math.round(seconds * 1000));
  }

  static double seconds(Instant instant) {
    return Duration.between(T0, instant).toMillis() / 1000.0;
  }
}
