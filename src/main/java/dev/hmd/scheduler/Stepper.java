package dev.hmd.scheduler;

import dev.hmd.bus.Addresses;
import dev.hmd.bus.Messages.ApplySplit;
import dev.hmd.bus.Messages.CheckRequest;
import dev.hmd.bus.Messages.CheckTelemetry;
import dev.hmd.bus.Messages.SplitFailed;
import dev.hmd.bus.Messages.SplitResult;
import dev.hmd.cloudflare.TrafficSplit;
import dev.hmd.connections.ConnectionTokens;
import dev.hmd.events.EventLog.NewEvent;
import dev.hmd.releases.CheckRepository;
import dev.hmd.releases.ReleaseRepository;
import dev.hmd.releases.ReleaseRow;
import dev.hmd.releases.Releases;
import dev.hmd.releases.StatsMapping;
import dev.hmd.releases.UnreadableRelease;
import dev.hmd.retry.Backoff;
import dev.hmd.slo.Attribution;
import dev.hmd.slo.CheckEvaluation;
import dev.hmd.slo.Effect;
import dev.hmd.slo.EvidenceWindows;
import dev.hmd.slo.Outcome;
import dev.hmd.slo.OutcomeCode;
import dev.hmd.slo.Plan;
import dev.hmd.slo.PooledStats;
import dev.hmd.slo.ReleaseInput;
import dev.hmd.slo.ReleaseMachine;
import dev.hmd.slo.ReleaseState;
import dev.hmd.slo.ReleaseStatus;
import dev.hmd.slo.StageEvidence;
import dev.hmd.slo.StageJudge;
import dev.hmd.slo.StageState;
import dev.hmd.slo.StageStatus;
import dev.hmd.slo.Transition;
import dev.hmd.slo.Verdict;
import dev.hmd.slo.VersionStats;
import dev.hmd.slo.Waiting;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One pass over one release: apply the wanted split through the deployer, run a due check
 * through the poller, fire an elapsed soak or approval deadline, apply the split a transition
 * asked for, and save the result with its events (docs/engine.md, "One step").
 *
 * <p>What the machine decides comes with its effects, and the step acts on them rather than
 * working them out again: {@link Effect.SetSplit} makes the split wanted and applied in this same
 * step, {@link Effect.ScheduleSoakEnd} and {@link Effect.AwaitApproval} make the release due then,
 * {@link Effect.Finished} counts and logs the outcome and stops the checks; checks follow the
 * account's grid from where the last one read ({@link #runCheck}), so
 * {@link Effect.ScheduleCheck} needs nothing more. Effects are
 * edge-triggered; what the row says is still owed (a split not confirmed serving, a check never
 * scheduled, a soak end, a deadline) is read from the row on every step, so a process that died
 * between a save and its effects loses nothing.
 */
final class Stepper {

  private static final Logger LOG = LoggerFactory.getLogger(Stepper.class);
  /**
   * How many times a window in which no version served anything is asked again before it counts
   * as inconclusive: a Worker with traffic never has an empty window, so an empty one usually
   * means telemetry is later than {@code HMD_TELEMETRY_LAG_SECONDS}, and the data will come.
   */
  static final int EMPTY_WINDOW_RETRIES = 3;
  /**
   * How far back a check catches up on windows nobody checked (a process died, Postgres or
   * Cloudflare was down): within the simulator's telemetry retention (15 minutes by default) and
   * far within Cloudflare's (3 days). Older windows are skipped, with a warning.
   */
  static final Duration MAX_CATCH_UP = Duration.ofMinutes(10);
  /**
   * How many intervals behind a release must be before one check reads everything nobody
   * checked in one window. Less behind (a loaded process, a release just taken over after a short
   * lease) it reads the interval that was due, as every release of its account due then does,
   * so that one query still answers them all, and the next check is due at once: a loaded
   * process that read longer windows than its neighbours split every account's query into many
   * and fell further behind.
   */
  static final int CATCH_UP_AFTER_INTERVALS = 3;
  /** Longest wait between two attempts to apply a split; a rollback is retried at least this often, forever. */
  static final Duration MAX_DEPLOY_BACKOFF = Duration.ofSeconds(30);
  private static final Backoff DEPLOY_BACKOFF = new Backoff(Duration.ofSeconds(1), MAX_DEPLOY_BACKOFF,
    Backoff.Jitter.HALF);
  private static final Duration BUS_TIMEOUT = Duration.ofSeconds(60);
  private static final String MARKER = "HMD release ";

  /** How a step left its release, for what the scheduler keeps of it. */
  enum End {
    /** The release has more to do (or the step failed and it is due again). */
    DUE,
    /** Nothing is left to do: ended, its last split confirmed, or ended unreadable. */
    DONE
  }

  /** What one step of one release accumulates before it is saved. */
  static final class Step {
    final ReleaseRow original;
    final ReleaseMemory memory;
    ReleaseRow row;
    ReleaseState state;
    final ReleaseMachine machine;
    final Plan plan;
    final VersionStats baseline;
    final Instant now;
    final List<NewEvent> events = new ArrayList<>();
    final List<CheckRepository.NewCheck> checks = new ArrayList<>();
    boolean changed;
    boolean verifyDeployment;
    /** A transition asked for a split ({@link Effect.SetSplit}): apply it in this step. */
    boolean splitAsked;
    /** The earliest time an effect of this step asked to be woken at. */
    Instant wakeAt;
    Instant retryAt;
    Instant retryCheckAt;

    /** Throws {@link UnreadableRelease} for a row this build cannot read. */
    Step(ReleaseRow row, ReleaseMemory memory, Instant now) {
      Releases.Read read = Releases.read(row);
      this.original = row;
      this.memory = memory;
      this.row = row;
      this.plan = read.plan();
      this.machine = new ReleaseMachine(plan);
      this.state = read.state();
      this.baseline = read.baseline();
      this.now = now;
    }

    Duration interval() {
      return Duration.ofSeconds(plan.pollIntervalSeconds());
    }

    void wake(Instant at) {
      wakeAt = earliest(wakeAt, at);
    }
  }

  private final Vertx vertx;
  private final Releases releases;
  private final ConnectionTokens tokens;
  private final SaveQueue saves;
  private final SchedulerMetrics metrics;
  private final Duration telemetryLag;
  private final Clock clock;
  private final ReleaseControls controls;

  Stepper(Vertx vertx, Releases releases, ConnectionTokens tokens, SaveQueue saves, SchedulerMetrics metrics,
          Duration telemetryLag, Clock clock) {
    this.vertx = vertx;
    this.releases = releases;
    this.tokens = tokens;
    this.saves = saves;
    this.metrics = metrics;
    this.telemetryLag = telemetryLag;
    this.clock = clock;
    this.controls = new ReleaseControls(vertx, tokens, telemetryLag);
  }

  /**
   * Steps a claimed release, with what this process remembers of it. Never fails: a step that
   * cannot finish is logged and leaves its release due, to be claimed again.
   */
  Future<End> step(ReleaseRepository.Claimed claimed, ReleaseMemory memory) {
    if (claimed.row() == null) {
      return failUnreadable(claimed.key(), claimed.unreadable());
    }
    ReleaseRow row = claimed.row();
    Step s;
    try {
      s = new Step(row, memory, clock.instant());
    } catch (UnreadableRelease e) {
      return failUnreadable(ReleaseRepository.Key.of(row), e);
    }
    return Future.succeededFuture().compose(v -> applySplit(s))
      .compose(v -> runCheck(s))
      .compose(v -> controls.run(s, input -> transition(s, input)))
      .compose(v -> fireTimers(s))
      .compose(v -> applySplit(s))
      .compose(v -> save(s))
      .recover(err -> {
        if (!(err instanceof Releases.ConcurrentChange)) {
          about(LOG.atWarn(), row).setCause(err).log("release {}: step failed, due again at the next tick", row.id());
        }
        // a concurrent change is the API's (approve, cancel; it left the release due now) or another process's
        return Future.succeededFuture(End.DUE);
      });
  }

  /**
   * Ends a release this build cannot read: failed with outcome error and a message naming what
   * could not be read, its release event emitted, the Worker left as it serves (the split it wants
   * cannot be known, so none is guessed), the lease given up. A failure to save leaves it due: the
   * next tick tries again.
   */
  private Future<End> failUnreadable(ReleaseRepository.Key key, UnreadableRelease problem) {
    about(LOG.atError(), key).setCause(problem).log("release {}: {}; ending it failed, the Worker is left as it serves",
      key.id(), problem.getMessage());
    return releases.failUnreadable(key, problem)
      .map(view -> {
        if (view.isPresent()) {
          metrics.unreadable();
        }
        return End.DONE;
      })
      .recover(err -> {
        about(LOG.atWarn(), key).setCause(err).log("release {}: could not end it failed, trying again at the next tick",
          key.id());
        return Future.succeededFuture(End.DUE);
      });
  }

  /**
   * Tenant, release and Worker as key-value pairs of the log event: fields of their own in the
   * JSON lines (an MDC would not follow a step across its callbacks).
   */
  static LoggingEventBuilder about(LoggingEventBuilder event, ReleaseRow row) {
    return about(event, ReleaseRepository.Key.of(row));
  }

  static LoggingEventBuilder about(LoggingEventBuilder event, ReleaseRepository.Key key) {
    return event.addKeyValue("tenantId", key.tenantId()).addKeyValue("releaseId", key.id())
      .addKeyValue("accountId", key.accountId()).addKeyValue("worker", key.workerName());
  }

  /**
   * Feeds {@code input} to the machine and acts on the effects of the transition; returns them (none when rejected).
   */
  private List<Effect> transition(Step s, ReleaseInput input) {
    ReleaseState before = s.state;
    Transition t = s.machine.apply(s.state, input);
    if (t.isRejected() || (t.effects().isEmpty() && t.next().equals(before))) {
      return List.of();
    }
    s.state = t.next();
    s.row = Releases.withState(s.row, s.state, s.now);
    s.changed = true;
    recordStageDurations(before, s.state);
    t.effects().forEach(effect -> act(s, effect));
    return t.effects();
  }

  private void act(Step s, Effect effect) {
    if (effect instanceof Effect.SetSplit split) {
      s.row = s.row.withDesired(TrafficSplit.between(s.row.newVersionId(), s.row.oldVersionId(), split.newPercent()));
      s.splitAsked = true;
    } else if (effect instanceof Effect.ScheduleCheck) {
      // nothing to do: checks follow the account's grid from where the last one read (runCheck
      // places the next one), which keeps running across stages
    } else if (effect instanceof Effect.ScheduleSoakEnd soak) {
      s.wake(soak.at());
    } else if (effect instanceof Effect.AwaitApproval approval) {
      if (approval.deadline() != null) {
        s.wake(approval.deadline());
      }
    } else if (effect instanceof Effect.DeployStandby) {
      s.row = s.row.withDesired(TrafficSplit.standby(s.row.newVersionId(), s.row.oldVersionId()));
      s.splitAsked = true;
    } else if (effect instanceof Effect.RunSmokeTest || effect instanceof Effect.AwaitGates) {
      // the controls' part of the step runs what is due; look again at once
      s.wake(s.now);
    } else if (effect instanceof Effect.Finished finished) {
      s.row = s.row.withNextCheck(null);
      metrics.released(finished.outcome().code());
      about(LOG.atInfo(), s.row).log("release {} ended {} ({}): {}", s.row.id(), finished.status().wireName(),
        finished.outcome().code().wireName(), finished.outcome().message());
    }
  }

  private void recordStageDurations(ReleaseState before, ReleaseState after) {
    for (int i = 0; i < after.stages().size(); i++) {
      StageState was = before.stages().get(i);
      StageState is = after.stages().get(i);
      if (was.completedAt() == null && is.completedAt() != null && is.startedAt() != null) {
        metrics.stageEnded(is.status(), Duration.between(is.startedAt(), is.completedAt()));
      }
    }
  }

  /** Level-triggered: ask the deployer for the wanted split whenever it is not what we last saw serving. */
  private Future<Void> applySplit(Step s) {
    // An ended release always asks the deployer, which reads what really serves: the step that
    // applied the last split may have lost its save to the API's cancel, leaving the row's idea of
    // what serves out of date. Once the final split is confirmed the release is due no more.
    if (s.retryAt != null || s.row.desiredSplit() == null
      || (!Releases.splitPending(s.row) && !s.splitAsked && !s.verifyDeployment && !s.state.isTerminal())) {
      return Future.succeededFuture();
    }
    s.verifyDeployment = false;
    s.splitAsked = false;
    TrafficSplit desired = s.row.desiredSplit();
    int wanted = desired.percentOf(s.row.newVersionId());
    String message = MARKER + s.row.id() + (s.state.isTerminal()
      ? " " + s.state.status().wireName() + ": " + wanted + "% new"
      : s.machine.wantsStandby(s.state) ? " smoke test: 0% new"
      : " stage " + (s.state.currentStageIndex() + 1) + ": " + wanted + "% new");
    return tokens.token(s.row.tenantId(), s.row.connectionId())
      .compose(token -> vertx.eventBus().<SplitResult>request(Addresses.DEPLOY_APPLY,
        new ApplySplit(s.row.tenantId(), s.row.id(), s.row.accountId(), s.row.workerName(), token, desired, message,
          s.row.appliedDeploymentId(), MARKER + s.row.id()),
        new DeliveryOptions().setSendTimeout(BUS_TIMEOUT.toMillis())))
      .map(reply -> {
        SplitResult result = reply.body();
        s.memory.deployAttempts = 0;
        if (s.row.blocked() != null) {
          about(LOG.atInfo(), s.row).log("release {}: Cloudflare took the deployment it refused since {}", s.row.id(),
            s.row.blocked().since());
          s.row = s.row.withBlocked(null);
          s.changed = true;
        }
        TrafficSplit serving = result.deployment().split();
        boolean moved = !serving.sameTraffic(s.row.appliedSplit())
          || !result.deployment().id().equals(s.row.appliedDeploymentId());
        s.row = s.row.withApplied(serving, result.deployment().id());
        if (result.outcome() == SplitResult.Outcome.EXTERNAL) {
          onExternal(s, result);
          return null;
        }
        if (moved) {
          s.events.add(Releases.deploymentEvent(s.row.id(), serving, result.deployment().id()));
          s.changed = true;
        }
        Instant failedAt = s.memory.rollbackSince;
        s.memory.rollbackSince = null;
        if (failedAt != null && wanted == 0) {
          metrics.rolledBack(Duration.between(failedAt, clock.instant()));
        }
        if (!s.state.isTerminal()) {
          transition(s, new ReleaseInput.SplitApplied(s.now, wanted));
          if (s.row.controls().revert()) {
            reverted(s);
          }
        }
        return null;
      })
      .recover(err -> {
        int attempt = ++s.memory.deployAttempts;
        s.retryAt = s.now.plus(DEPLOY_BACKOFF.after(attempt));
        if (err instanceof SplitFailed failed && failed.permanent()) {
          blocked(s, failed);
        }
        about(LOG.atWarn(), s.row).setCause(err).log("release {}: applying {} failed (attempt {}), retrying at {}",
          s.row.id(), desired, attempt, s.retryAt);
        return Future.succeededFuture();
      })
      .mapEmpty();
  }

  /**
   * Cloudflare refuses the split with an error that asking again will not change: the release
   * shows it ({@code blocked}, a release event, once a {@code release.blocked} webhook through the
   * save's hook) until the split is applied. It is still tried with backoff: a person may fix the
   * cause (a token, the Worker's settings) without telling us.
   */
  private void blocked(Step s, SplitFailed failed) {
    ReleaseRow.Blocked was = s.row.blocked();
    ReleaseRow.Blocked now = new ReleaseRow.Blocked(failed.cloudflareCode(), failed.httpStatus(),
      failed.cloudflareMessage(), was == null ? s.now : was.since());
    if (now.equals(was)) {
      return;
    }
    s.row = s.row.withBlocked(now);
    s.changed = true;
    if (was == null) {
      metrics.blocked();
      about(LOG.atWarn(), s.row).log("release {} is blocked: Cloudflare refuses its deployment (HTTP {}, code {}): {}",
        s.row.id(), now.httpStatus(), now.code(), now.message());
    }
  }

  /**
   * Somebody deployed from outside: end an active release without touching their deployment, or stop a pending
   * rollback.
   */
  private void onExternal(Step s, SplitResult result) {
    String detail = "deployment " + result.deployment().id() + " serving " + result.deployment().split()
      + " was made outside this release" + (result.deployment().authorEmail() == null ? ""
      : " by " + result.deployment().authorEmail());
    if (!s.state.isTerminal()) {
      transition(s, new ReleaseInput.ExternalDeployment(s.now, detail));
    } else {
      // an ended release whose rollback is overtaken by a person's deployment: theirs stands
      s.row = s.row.withDesired(null);
      s.changed = true;
      about(LOG.atInfo(), s.row).log("release {}: rollback not applied, {}", s.row.id(), detail);
    }
  }

  /**
   * A revert is done once its split serves: it goes straight back to the version it restores,
   * without a soak or checks (docs/engine.md, "Revert").
   */
  private void reverted(Step s) {
    if (!s.state.currentStage().soakClockStarted()) {
      return;
    }
    List<Effect> effects = transition(s, new ReleaseInput.Promote(s.now, false, null));
    finished(effects).ifPresent(finished -> {
      s.state = new ReleaseState(s.state.status(), s.state.currentStageIndex(), s.state.stages(),
        s.state.consecutiveErrors(), new Outcome(finished.outcome().code(), "reverted: version " + s.row.newVersionId()
          + " serves 100% again" + (s.row.controls().revertOf() == null ? ""
          : ", undoing release " + s.row.controls().revertOf())), s.state.controls());
      s.row = Releases.withState(s.row, s.state, s.now);
    });
  }

  /**
   * Runs the check that is due, if any: it reads from where the last check ended up to the
   * latest grid window telemetry can have (one interval normally; everything nobody checked after
   * checks were missed, see {@link EvidenceWindows}), judges it for the stage whose split served
   * it, and places the next one on the account's grid. No check reads a window that ended before
   * the first split was confirmed serving.
   */
  private Future<Void> runCheck(Step s) {
    if (s.state.isTerminal() || !s.machine.acceptsChecks(s.state) || s.row.controls().revert()) {
      s.row = s.row.withNextCheck(null);
      return Future.succeededFuture();
    }
    Duration interval = s.interval();
    Instant cursor = cursor(s);
    if (cursor == null) {
      // the first split is not serving yet: the windows before it measured nothing of the new version
      s.row = s.row.withNextCheck(null);
      return Future.succeededFuture();
    }
    if (s.row.nextCheckAt() == null) {
      // checks are due and none is placed (the first split was just confirmed, or a process died
      // between a save and its effects): the one that reads the interval after the cursor
      s.row = s.row.withNextCheck(cursor.plus(telemetryLag).plus(interval));
    }
    if (s.now.isBefore(s.row.nextCheckAt())) {
      return Future.succeededFuture();
    }
    if (s.memory.emptyWindowRetries == 0) {
      metrics.checkLate(Duration.between(s.row.nextCheckAt(), s.now));
    }
    Instant latest = CheckGrid.atOrBefore(s.now, interval, s.row.accountId()).minus(telemetryLag);
    if (!latest.isAfter(cursor.plus(interval.multipliedBy(CATCH_UP_AFTER_INTERVALS)))) {
      latest = earliest(latest, cursor.plus(interval));
    }
    Duration reach = MAX_CATCH_UP.compareTo(interval) > 0 ? MAX_CATCH_UP : interval;
    if (cursor.isBefore(latest.minus(reach))) {
      Instant from = latest.minus(interval.multipliedBy(reach.toMillis() / interval.toMillis()));
      about(LOG.atWarn(), s.row).log("release {}: the windows from {} to {} were never checked and are older than "
        + "telemetry is kept for a catch-up ({}); checking from {}", s.row.id(), cursor, from, reach, from);
      cursor = from;
    }
    Optional<EvidenceWindows.Window> next = EvidenceWindows.next(s.state, cursor, latest, interval);
    if (next.isEmpty()) {
      // not yet one whole interval of telemetry after the cursor (the lag setting changed between processes)
      s.row = s.row.withNextCheck(CheckGrid.next(s.now, interval, s.row.accountId()));
      return Future.succeededFuture();
    }
    Instant windowStart = next.get().start();
    Instant windowEnd = next.get().end();
    Attribution where = s.machine.attribute(s.state, windowStart, windowEnd);
    StageEvidence before = s.state.stages().get(where.stageIndex()).evidence();
    long started = System.nanoTime();
    return tokens.token(s.row.tenantId(), s.row.connectionId())
      .compose(token -> vertx.eventBus().<CheckTelemetry>request(Addresses.OBSERVE_CHECK,
        new CheckRequest(s.row.tenantId(), s.row.id(), s.row.accountId(), s.row.workerName(), token, windowStart,
          windowEnd),
        new DeliveryOptions().setSendTimeout(BUS_TIMEOUT.toMillis())))
      .map(reply -> judge(s, reply.body(), where, before, windowStart, windowEnd))
      .recover(err -> {
        // not a failure of the step: an error check, recorded with its reason; the machine ends a
        // release it cannot watch. The poller logged its own failures (once per batch); the others
        // (the token, the bus) are logged here.
        if (!(err instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE)) {
          about(LOG.atWarn(), s.row).setCause(err).log("release {}: no telemetry for the check due at {}", s.row.id(),
            s.row.nextCheckAt());
        }
        CheckEvaluation failed = CheckEvaluation.error("telemetry query failed: " + err.getMessage());
        return Future.succeededFuture(new Judged(new StageJudge.Judgement(Verdict.ERROR, failed.reason(), failed, null,
          before, 0), null, null));
      })
      .map(judged -> {
        StageJudge.Judgement judgement = judged.judgement();
        if (judged.newStats() != null && judged.newStats().requests() == 0 && judged.oldStats().requests() == 0
          && where.counted() && ++s.memory.emptyWindowRetries <= EMPTY_WINDOW_RETRIES) {
          // ask for the same window again a little later; the due check stays where it is. Only a
          // window of the stage's own is worth it: another one counts only by failing, and no data
          // never fails (asking again for it pushed the stage's next check past its grid instant)
          s.retryCheckAt = s.now.plus(Duration.ofMillis(Math.max(1000, interval.toMillis() / 2)));
          return null;
        }
        s.memory.emptyWindowRetries = 0;
        metrics.checked(judgement.verdict(), Duration.ofNanos(System.nanoTime() - started));
        boolean error = judgement.verdict() == Verdict.ERROR;
        List<Effect> effects = transition(s, new ReleaseInput.CheckCompleted(s.now, judgement.verdict(), windowStart,
          windowEnd, error ? null : judgement.evidence()));
        finished(effects).ifPresent(finished -> {
          OutcomeCode code = finished.outcome().code();
          if (judgement.reason() != null && (code == OutcomeCode.SLO_VIOLATION || code == OutcomeCode.ERROR)) {
            // the machine says how many checks failed; the people reading it want to know which SLO
            s.state = new ReleaseState(s.state.status(), s.state.currentStageIndex(), s.state.stages(),
              s.state.consecutiveErrors(), new Outcome(code,
                finished.outcome().message() + "; last check: " + judgement.reason()), s.state.controls());
            s.row = Releases.withState(s.row, s.state, s.now);
          }
          if (code == OutcomeCode.SLO_VIOLATION) {
            s.memory.rollbackSince = windowEnd;
          }
        });
        if (!error) {
          s.row = s.row.withCheckedUntil(windowEnd);
        } else if (s.row.checkedUntil() == null) {
          // the first check failed: the next one reads this window again, not the one after it
          s.row = s.row.withCheckedUntil(windowStart);
        }
        if (!s.state.isTerminal() && s.machine.acceptsChecks(s.state)) {
          // the grid instant whose window follows this one: now already when the release is behind
          // (the next interval is due), else the next one; after an error, the next grid instant
          Instant following = windowEnd.plus(telemetryLag).plus(interval);
          s.row = s.row.withNextCheck(error ? CheckGrid.next(s.now, interval, s.row.accountId()) : following);
        }
        s.checks.add(new CheckRepository.NewCheck(s.row.tenantId(), s.row.id(), where.stageIndex(), s.now, windowStart,
          windowEnd, new CheckEvaluation(judgement.verdict(), judgement.window().slos(), judgement.reason()),
          judged.newStats(), judged.oldStats(), counted(judgement.verdict(), where),
          counted(judgement.verdict(), where) ? null : error
            ? "the check could not be made (only five in a row count: they end the release)" : where.reason(),
          where.servedPercent(), stageJson(judgement)));
        s.changed = true;
        return null;
      });
  }

  /**
   * Whether a check counts in its stage's numbers (passed, failed, inconclusive checks): a window
   * of the stage's own always, another one only by failing, an error never.
   */
  private static boolean counted(Verdict verdict, Attribution where) {
    return verdict != Verdict.ERROR && (where.counted() || verdict == Verdict.FAIL);
  }

  /**
   * Where the next check reads from: the end of the last window checked, or, before the first
   * check, the last grid window end at or before the first split's confirmation (so that the
   * first window is the one that holds it); null while the first split is not serving. A release
   * in flight when the service was upgraded to record where checks ended has a check placed
   * already: it reads on from the window that check was placed for, not again from its start.
   */
  private Instant cursor(Step s) {
    if (s.row.checkedUntil() != null) {
      return s.row.checkedUntil();
    }
    Instant firstSplit = s.state.stages().get(0).soakStartedAt();
    if (firstSplit == null) {
      return null;
    }
    Instant first = CheckGrid.atOrBefore(firstSplit.plus(telemetryLag), s.interval(), s.row.accountId())
      .minus(telemetryLag);
    Instant placed = s.row.nextCheckAt() == null ? null : s.row.nextCheckAt().minus(telemetryLag).minus(s.interval());
    return placed != null && placed.isAfter(first) ? placed : first;
  }

  /** The stage's pooled evidence as a check shows it ({@code stage}); null when the window was not its own. */
  private static JsonObject stageJson(StageJudge.Judgement judgement) {
    if (judgement.pooled() == null) {
      return null;
    }
    PooledStats pooled = judgement.evidence().newStats();
    return new JsonObject()
      .put("verdict", judgement.pooled().verdict().wireName())
      .put("reason", judgement.pooled().reason())
      .put("windows", judgement.evidence().windows())
      .put("look", judgement.look())
      .put("requests", pooled.requests())
      .put("errors", pooled.errors())
      .put("errorRate", pooled.errorRate())
      .put("exceptions", pooled.exceptions())
      .put("slos", CheckRepository.slos(judgement.pooled()));
  }

  private static Optional<Effect.Finished> finished(List<Effect> effects) {
    return effects.stream().filter(Effect.Finished.class::isInstance).map(Effect.Finished.class::cast).findFirst();
  }

  private record Judged(StageJudge.Judgement judgement, VersionStats newStats, VersionStats oldStats) {
  }

  private Judged judge(Step s, CheckTelemetry telemetry, Attribution where, StageEvidence before, Instant windowStart,
                       Instant windowEnd) {
    VersionStats newStats = StatsMapping.of(telemetry.byVersion().get(s.row.newVersionId()));
    VersionStats oldStats = StatsMapping.of(telemetry.byVersion().get(s.row.oldVersionId()));
    StageJudge.Judgement judgement = StageJudge.judge(s.plan, before, where.counted(), windowEnd, newStats, oldStats,
      s.baseline);
    if (oldStats.requests() >= s.plan.minRequests()) {
      s.row = s.row.withBaseline(StatsMapping.toJson(oldStats));
    }
    // Cheap outside-deployment detection: traffic to a version that is neither ours nor the old
    // one, or no traffic to the new version where the split gives it plenty. Confirm by reading
    // the deployment (the deployer does) before believing it.
    boolean strangers = telemetry.byVersion().entrySet().stream().anyMatch(e -> e.getValue().requests() > 0
      && !e.getKey().equals(s.row.newVersionId()) && !e.getKey().equals(s.row.oldVersionId()));
    StageState stage = s.state.currentStage();
    boolean starved = stage.soakStartedAt() != null && stage.soakStartedAt().isBefore(windowStart)
      && newStats.requests() == 0 && oldStats.requests() >= s.plan.minRequests();
    if (strangers || starved) {
      s.verifyDeployment = true;
    }
    return new Judged(judgement, newStats, oldStats);
  }

  /**
   * The soak's end and the approval deadline, when they have come. At its soak's end a stage is
   * decided if its evidence allows; otherwise it waits (for evidence, until its longest soak; for
   * the checks of its last seconds), and the next checks decide it, or its longest soak's end
   * (see {@link dev.hmd.slo.ReleaseMachine}).
   */
  private Future<Void> fireTimers(Step s) {
    for (int guard = 0; guard < 3 && !s.state.isTerminal(); guard++) {
      StageState stage = s.state.currentStage();
      if (s.state.status() == ReleaseStatus.RUNNING && stage.status() == StageStatus.SOAKING
        && stage.soakEndsAt() != null && !s.now.isBefore(stage.soakEndsAt()) && soakTimerDue(s, stage)) {
        if (transition(s, new ReleaseInput.SoakElapsed(s.now)).isEmpty() && s.state.currentStage().equals(stage)) {
          break;
        }
      } else if (s.state.status() == ReleaseStatus.AWAITING_APPROVAL && stage.approvalDeadline() != null
        && !s.now.isBefore(stage.approvalDeadline())) {
        transition(s, new ReleaseInput.ApprovalTimedOut(s.now));
      } else {
        break;
      }
    }
    return Future.succeededFuture();
  }

  /** The soak's end not yet taken in, or the end of the longest soak of a stage waiting for evidence. */
  private static boolean soakTimerDue(Step s, StageState stage) {
    if (stage.waiting() == Waiting.NONE) {
      return true;
    }
    Instant longest = stage.maxSoakEndsAt() != null ? stage.maxSoakEndsAt()
      : stage.soakStartedAt().plusSeconds(s.plan.stage(stage.index()).effectiveMaxSoakSeconds());
    return stage.waiting() == Waiting.EVIDENCE && !s.now.isBefore(longest);
  }

  /** Saves what changed, due at the earliest of what the row still owes and what an effect asked for. */
  private Future<End> save(Step s) {
    // a window asked again is due at its retry, without moving the grid instant it belongs to
    ReleaseRow timing = s.retryCheckAt == null ? s.row : s.row.withNextCheck(s.retryCheckAt);
    Instant due = s.retryAt != null ? s.retryAt : Releases.nextDue(timing, s.state, s.now);
    if (s.retryAt == null && !s.state.isTerminal()) {
      due = earliest(due, s.wakeAt);
    }
    if (s.state.isTerminal() && s.row.desiredSplit() == null) {
      due = null;
    }
    s.row = s.row.withNextDue(due);
    End end = due == null ? End.DONE : End.DUE;
    if (s.row.equals(s.original) && s.checks.isEmpty() && s.events.isEmpty()) {
      return Future.succeededFuture(end);
    }
    return saves.save(new Releases.Save(s.row, s.checks, s.events, s.changed)).map(end);
  }

  private static Instant earliest(Instant a, Instant b) {
    return a == null ? b : b == null ? a : (a.isBefore(b) ? a : b);
  }
}
