package dev.hmd.scheduler;

import dev.hmd.cloudflare.TrafficSplit;
import dev.hmd.retry.Backoff;
import dev.hmd.bus.Addresses;
import dev.hmd.connections.ConnectionTokens;
import dev.hmd.releases.CheckRepository;
import dev.hmd.releases.ReleaseRepository;
import dev.hmd.releases.ReleaseRow;
import dev.hmd.releases.Releases;
import dev.hmd.releases.StatsMapping;
import dev.hmd.releases.UnreadableRelease;
import dev.hmd.slo.CheckEvaluation;
import dev.hmd.slo.Outcome;
import dev.hmd.slo.OutcomeCode;
import dev.hmd.slo.Plan;
import dev.hmd.slo.ReleaseInput;
import dev.hmd.slo.ReleaseMachine;
import dev.hmd.slo.ReleaseState;
import dev.hmd.slo.ReleaseStatus;
import dev.hmd.slo.SloEvaluator;
import dev.hmd.slo.StageState;
import dev.hmd.slo.StageStatus;
import dev.hmd.slo.Transition;
import dev.hmd.slo.VersionStats;
import dev.hmd.bus.Messages.ApplySplit;
import dev.hmd.bus.Messages.CheckRequest;
import dev.hmd.bus.Messages.CheckTelemetry;
import dev.hmd.bus.Messages.ReleaseKick;
import dev.hmd.bus.Messages.SplitResult;
import dev.hmd.events.EventLog.NewEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The release state machine's shell. Every tick it claims the releases that are due (with
 * {@code FOR UPDATE SKIP LOCKED} and a lease, so each release is driven by one process) and
 * steps each: apply the wanted split through the deployer, run a due check through the poller,
 * fire elapsed soaks and approval deadlines, and save the result with its events. Everything it
 * knows comes from the row, so another process can take over at any point; its timers only
 * decide when to look.
 */
public final class ReleaseSchedulerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ReleaseSchedulerVerticle.class);
  /**
   * How many times a window in which no version served anything is asked again before it counts
   * as inconclusive: a Worker with traffic never has an empty window, so an empty one usually
   * means telemetry is later than {@code HMD_TELEMETRY_LAG_SECONDS}, and the data will come.
   */
  public static final int EMPTY_WINDOW_RETRIES = 3;
  /** Releases claimed per tick. */
  public static final int CLAIM_BATCH = 500;
  /** Most releases of one tenant saved in one transaction. */
  public static final int SAVE_BATCH = 200;
  /** Longest wait between two attempts to apply a split; a rollback is retried at least this often, forever. */
  public static final Duration MAX_DEPLOY_BACKOFF = Duration.ofSeconds(30);
  private static final Backoff DEPLOY_BACKOFF = new Backoff(Duration.ofSeconds(1), MAX_DEPLOY_BACKOFF, Backoff.Jitter.HALF);
  private static final Duration BUS_TIMEOUT = Duration.ofSeconds(60);
  private static final String MARKER = "HMD release ";

  /** What one step of one release accumulates before it is saved. */
  private static final class Step {
    final ReleaseRow original;
    ReleaseRow row;
    ReleaseState state;
    final ReleaseMachine machine;
    final Plan plan;
    final Instant now;
    final List<NewEvent> events = new ArrayList<>();
    final List<CheckRepository.NewCheck> checks = new ArrayList<>();
    boolean changed;
    boolean verifyDeployment;
    Instant retryAt;
    Instant retryCheckAt;

    final VersionStats baseline;

    /** Throws {@link UnreadableRelease} for a row this build cannot read. */
    Step(ReleaseRow row, Instant now) {
      Releases.Read read = Releases.read(row);
      this.original = row;
      this.row = row;
      this.plan = read.plan();
      this.machine = new ReleaseMachine(plan);
      this.state = read.state();
      this.baseline = read.baseline();
      this.now = now;
    }
  }

  private final Pool pool;
  private final Releases releases;
  private final ConnectionTokens tokens;
  private final MeterRegistry registry;
  private final String owner;
  private final Duration lease;
  private final Duration tick;
  private final Duration telemetryLag;
  private final Clock clock;
  private final Set<String> inFlight = new HashSet<>();
  private final Map<String, Integer> deployAttempts = new HashMap<>();
  /** Empty windows asked again, per release: telemetry may be later than the configured lag. */
  private final Map<String, Integer> emptyWindowRetries = new HashMap<>();
  /** End of the window whose failing check rolled a release back, until the rollback lands (for the latency metric). */
  private final Map<String, Instant> rollbackSince = new HashMap<>();
  /** The saves of each tenant with saves under way (see {@link #inTurn}). */
  private final Map<String, TenantSaves> tenantSaves = new HashMap<>();
  private final AtomicLong active = new AtomicLong();
  private boolean ticking;
  private boolean tickAgain;
  private boolean stopping;
  private long tickTimer = -1;
  private long renewTimer = -1;
  private long gaugeTimer = -1;
  private Timer checkDuration;
  private Timer rollbackLatency;
  private Timer schedulerLag;
  private Counter takeovers;
  private Counter unreadable;

  public ReleaseSchedulerVerticle(Pool pool, Releases releases, ConnectionTokens tokens, MeterRegistry registry,
                                  String owner, Duration lease, Duration tick, Duration telemetryLag, Clock clock) {
    this.pool = pool;
    this.releases = releases;
    this.tokens = tokens;
    this.registry = registry;
    this.owner = owner;
    this.lease = lease;
    this.tick = tick;
    this.telemetryLag = telemetryLag;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    Gauge.builder("hmd.releases.active", active, AtomicLong::get)
      .description("releases running or awaiting approval, across all processes").register(registry);
    checkDuration = Timer.builder("hmd.check.duration").description("from asking for telemetry to the verdict")
      .publishPercentileHistogram().register(registry);
    rollbackLatency = Timer.builder("hmd.rollback.latency")
      .description("from the end of the failing check's window to the rollback applied at Cloudflare")
      .publishPercentileHistogram().register(registry);
    // every outcome and verdict is a series from the start, at 0, so dashboards and alerts see them
    for (OutcomeCode code : OutcomeCode.values()) {
      outcomeCounter(code.wireName());
    }
    for (dev.hmd.slo.Verdict verdict : dev.hmd.slo.Verdict.values()) {
      checkCounter(verdict.wireName());
    }
    schedulerLag = Timer.builder("hmd.scheduler.lag")
      .description("how late a check starts: when it ran minus when it was due").publishPercentileHistogram()
      .register(registry);
    takeovers = Counter.builder("hmd.lease.takeovers").description("releases taken over from a process whose lease ran out")
      .register(registry);
    unreadable = Counter.builder("hmd.releases.unreadable")
      .description("releases this build could not read, ended failed without touching the Worker").register(registry);
    tickTimer = vertx.setPeriodic(tick.toMillis(), id -> runTick());
    renewTimer = vertx.setPeriodic(Math.max(1000, lease.toMillis() / 3), id -> renewLeases());
    gaugeTimer = vertx.setPeriodic(5_000, id -> countActive());
    countActive();
    return vertx.eventBus().<ReleaseKick>consumer(Addresses.SCHEDULER_KICK, message -> runTick()).completion();
  }

  /** Stops claiming, waits for the steps under way, then gives the leases up so another process takes over at once. */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(tickTimer);
    vertx.cancelTimer(renewTimer);
    vertx.cancelTimer(gaugeTimer);
    return waitForSteps(50).compose(v -> releases.repository().releaseLeases(owner))
      .onSuccess(n -> LOG.info("released {} lease(s) of {}", n, owner))
      .recover(err -> Future.succeededFuture());
  }

  private Future<Void> waitForSteps(int polls) {
    if (inFlight.isEmpty() || polls == 0) {
      return Future.succeededFuture();
    }
    return vertx.timer(100).compose(v -> waitForSteps(polls - 1));
  }

  private void runTick() {
    if (stopping) {
      return;
    }
    if (ticking) {
      tickAgain = true;
      return;
    }
    ticking = true;
    releases.repository().claimDue(owner, (int) lease.toSeconds(), CLAIM_BATCH, inFlight)
      .onComplete(result -> {
        ticking = false;
        if (result.failed()) {
          LOG.warn("claiming due releases failed: {}", result.cause().getMessage());
          return;
        }
        for (ReleaseRepository.Claimed claimed : result.result()) {
          String id = claimed.key().id();
          if (claimed.takenOver()) {
            takeovers.increment();
            about(LOG.atInfo(), claimed.key()).log("release {} taken over after its lease ran out", id);
          }
          if (inFlight.add(id)) {
            // composed, so that nothing a step throws can leave its release in flight, and so never stepped again
            Future.succeededFuture().compose(v -> claimed.row() == null
                ? failUnreadable(claimed.key(), claimed.unreadable()) : step(claimed.row()))
              .onComplete(done -> inFlight.remove(id));
          }
        }
        if (tickAgain || result.result().size() == CLAIM_BATCH) {
          tickAgain = false;
          vertx.runOnContext(v -> runTick());
        }
      });
  }

  private void renewLeases() {
    releases.repository().renewLeases(owner, (int) lease.toSeconds())
      .onFailure(err -> LOG.warn("renewing leases failed: {}", err.getMessage()));
  }

  private void countActive() {
    pool.query("select count(*) from releases where state in ('running', 'awaiting_approval')").execute()
      .onSuccess(rows -> active.set(rows.iterator().next().getLong(0)));
  }

  /** One pass over one release: split, check, timers, split again (a transition may want another), save. */
  private Future<Void> step(ReleaseRow row) {
    Step s;
    try {
      s = new Step(row, clock.instant());
    } catch (UnreadableRelease e) {
      return failUnreadable(ReleaseRepository.Key.of(row), e);
    }
    return applySplit(s)
        .compose(v -> runCheck(s))
        .compose(v -> fireTimers(s))
        .compose(v -> applySplit(s))
        .compose(v -> save(s))
        .recover(err -> {
          if (err instanceof Releases.ConcurrentChange) {
            // the API changed the release meanwhile (approve, cancel); it left it due now
            return Future.succeededFuture();
          }
          about(LOG.atWarn(), row).setCause(err).log("release {}: step failed, due again at the next tick", row.id());
          return Future.succeededFuture();
        });
  }

  /**
   * Ends a release this build cannot read: failed with outcome error and a message naming what
   * could not be read, its release event emitted, the Worker left as it serves (the split it wants
   * cannot be known, so none is guessed), the lease given up. A failure to save leaves it due: the
   * next tick tries again.
   */
  private Future<Void> failUnreadable(ReleaseRepository.Key key, UnreadableRelease problem) {
    about(LOG.atError(), key).setCause(problem).log("release {}: {}; ending it failed, the Worker is left as it serves",
      key.id(), problem.getMessage());
    return releases.failUnreadable(key, problem)
      .onSuccess(view -> {
        if (view.isPresent()) {
          unreadable.increment();
        }
      })
      .<Void>mapEmpty()
      .recover(err -> {
        about(LOG.atWarn(), key).setCause(err).log("release {}: could not end it failed, trying again at the next tick",
          key.id());
        return Future.succeededFuture();
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

  private void transition(Step s, ReleaseInput input) {
    ReleaseState before = s.state;
    Transition t = s.machine.apply(s.state, input);
    if (t.isRejected()) {
      return;
    }
    s.state = t.next();
    s.row = Releases.withState(s.row, s.state, s.now);
    s.changed = true;
    if (!before.isTerminal() && s.state.isTerminal()) {
      outcomeCounter(s.state.outcome().code().wireName()).increment();
      about(LOG.atInfo(), s.row).log("release {} ended {} ({}): {}", s.row.id(), s.state.status().wireName(),
        s.state.outcome().code().wireName(), s.state.outcome().message());
    }
    recordStageDurations(before, s.state);
  }

  private void recordStageDurations(ReleaseState before, ReleaseState after) {
    for (int i = 0; i < after.stages().size(); i++) {
      StageState was = before.stages().get(i);
      StageState is = after.stages().get(i);
      if (was.completedAt() == null && is.completedAt() != null && is.startedAt() != null) {
        Timer.builder("hmd.stage.duration").tag("state", is.status().wireName())
          .description("from a stage's start to its end").register(registry)
          .record(Duration.between(is.startedAt(), is.completedAt()));
      }
    }
  }

  /** Level-triggered: ask the deployer for the wanted split whenever it is not what we last saw serving. */
  private Future<Void> applySplit(Step s) {
    // An ended release always asks the deployer, which reads what really serves: the step that
    // applied the last split may have lost its save to the API's cancel, leaving the row's idea of
    // what serves out of date. Once the final split is confirmed the release is due no more.
    if (s.retryAt != null || s.row.desiredSplit() == null
      || (!Releases.splitPending(s.row) && !s.verifyDeployment && !s.state.isTerminal())) {
      return Future.succeededFuture();
    }
    s.verifyDeployment = false;
    int wanted = s.machine.wantedNewPercent(s.state);
    String message = MARKER + s.row.id() + (s.state.isTerminal()
      ? " " + s.state.status().wireName() + ": " + wanted + "% new"
      : " stage " + (s.state.currentStageIndex() + 1) + ": " + wanted + "% new");
    return tokens.token(s.row.tenantId(), s.row.connectionId())
      .compose(token -> vertx.eventBus().<SplitResult>request(Addresses.DEPLOY_APPLY,
        new ApplySplit(s.row.tenantId(), s.row.id(), s.row.accountId(), s.row.workerName(), token,
          s.row.desiredSplit(), message, s.row.appliedDeploymentId(), MARKER + s.row.id()),
        new DeliveryOptions().setSendTimeout(BUS_TIMEOUT.toMillis())))
      .map(reply -> {
        SplitResult result = reply.body();
        deployAttempts.remove(s.row.id());
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
        Instant failedAt = rollbackSince.remove(s.row.id());
        if (failedAt != null && wanted == 0) {
          rollbackLatency.record(Duration.between(failedAt, clock.instant()));
        }
        if (!s.state.isTerminal()) {
          transition(s, new ReleaseInput.SplitApplied(s.now, wanted));
        }
        return null;
      })
      .recover(err -> {
        int attempt = deployAttempts.merge(s.row.id(), 1, Integer::sum);
        s.retryAt = s.now.plus(DEPLOY_BACKOFF.after(attempt));
        about(LOG.atWarn(), s.row).log("release {}: applying {} failed (attempt {}), retrying at {}: {}", s.row.id(), s.row.desiredSplit(),
          attempt, s.retryAt, err.getMessage());
        return Future.succeededFuture();
      })
      .mapEmpty();
  }

  /** Somebody deployed from outside: end an active release without touching their deployment, or stop a pending rollback. */
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

  /** Runs the check that is due, if any; schedules the next one on the account's grid. */
  private Future<Void> runCheck(Step s) {
    if (s.state.isTerminal() || !s.machine.acceptsChecks(s.state)) {
      s.row = s.row.withNextCheck(null);
      return Future.succeededFuture();
    }
    Duration interval = Duration.ofSeconds(s.plan.pollIntervalSeconds());
    if (s.row.nextCheckAt() == null) {
      s.row = s.row.withNextCheck(CheckGrid.next(s.now, interval, s.row.accountId()));
      return Future.succeededFuture();
    }
    if (s.now.isBefore(s.row.nextCheckAt())) {
      return Future.succeededFuture();
    }
    if (!emptyWindowRetries.containsKey(s.row.id())) {
      schedulerLag.record(Duration.between(s.row.nextCheckAt(), s.now));
    }
    Instant windowEnd = s.row.nextCheckAt().minus(telemetryLag);
    Instant windowStart = windowEnd.minus(interval);
    long started = System.nanoTime();
    return tokens.token(s.row.tenantId(), s.row.connectionId())
      .compose(token -> vertx.eventBus().<CheckTelemetry>request(Addresses.OBSERVE_CHECK,
        new CheckRequest(s.row.tenantId(), s.row.id(), s.row.accountId(), s.row.workerName(), token, windowStart, windowEnd),
        new DeliveryOptions().setSendTimeout(BUS_TIMEOUT.toMillis())))
      .map(reply -> evaluate(s, reply.body(), windowStart))
      .recover(err -> Future.succeededFuture(new Evaluated(
        CheckEvaluation.error("telemetry query failed: " + err.getMessage()), null, null)))
      .map(evaluated -> {
        if (evaluated.newStats() != null && evaluated.newStats().requests() == 0 && evaluated.oldStats().requests() == 0
          && s.state.currentStage().measuredThisSoak(windowStart)
          && emptyWindowRetries.merge(s.row.id(), 1, Integer::sum) <= EMPTY_WINDOW_RETRIES) {
          // ask for the same window again a little later; the due check stays where it is. Only a
          // window that began inside the soak is worth it: an earlier one counts only by failing,
          // and no data never fails (asking again for it pushed the stage's next check past its
          // grid instant, and a short soak could end a check short)
          s.retryCheckAt = s.now.plus(Duration.ofMillis(Math.max(1000, interval.toMillis() / 2)));
          return null;
        }
        emptyWindowRetries.remove(s.row.id());
        checkDuration.record(Duration.ofNanos(System.nanoTime() - started));
        checkCounter(evaluated.evaluation().verdict().wireName()).increment();
        int stageIndex = s.state.currentStageIndex();
        ReleaseStatus before = s.state.status();
        transition(s, new ReleaseInput.CheckCompleted(s.now, evaluated.evaluation().verdict(), windowStart));
        if (before != s.state.status() && s.state.outcome() != null && evaluated.evaluation().reason() != null
          && (s.state.outcome().code() == OutcomeCode.SLO_VIOLATION || s.state.outcome().code() == OutcomeCode.ERROR)) {
          // the machine says how many checks failed; the people reading it want to know which SLO
          s.state = new ReleaseState(s.state.status(), s.state.currentStageIndex(), s.state.stages(),
            s.state.consecutiveErrors(), new Outcome(s.state.outcome().code(),
              s.state.outcome().message() + "; last check: " + evaluated.evaluation().reason()));
          s.row = Releases.withState(s.row, s.state, s.now);
        }
        s.checks.add(new CheckRepository.NewCheck(s.row.tenantId(), s.row.id(), stageIndex, s.now, windowStart, windowEnd,
          evaluated.evaluation(), evaluated.newStats(), evaluated.oldStats()));
        if (before != s.state.status() && s.state.outcome() != null
          && s.state.outcome().code() == OutcomeCode.SLO_VIOLATION) {
          rollbackSince.put(s.row.id(), windowEnd);
        }
        s.row = s.row.withNextCheck(CheckGrid.next(s.now, interval, s.row.accountId()));
        s.changed = true;
        return null;
      });
  }

  private record Evaluated(CheckEvaluation evaluation, VersionStats newStats, VersionStats oldStats) {
  }

  private Evaluated evaluate(Step s, CheckTelemetry telemetry, Instant windowStart) {
    VersionStats newStats = StatsMapping.of(telemetry.byVersion().get(s.row.newVersionId()));
    VersionStats oldStats = StatsMapping.of(telemetry.byVersion().get(s.row.oldVersionId()));
    CheckEvaluation evaluation = SloEvaluator.evaluate(s.plan, newStats, oldStats, s.baseline);
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
    return new Evaluated(evaluation, newStats, oldStats);
  }

  /**
   * The soak's end and the approval deadline, when they have come. A soak without a conclusive
   * pass ends only once its last seconds have been checked: telemetry arrives {@code lag} late
   * and checks come once an interval, so at {@code soakEndsAt} the traffic of up to lag + interval
   * before it is still unchecked, and a soak shorter than that would never have a window of its
   * own (a 10 s soak checked every 10 s, 5 s late). Deciding on less than the whole soak made
   * short soaks of healthy versions end without a pass ({@code onInsufficientData}).
   */
  private Future<Void> fireTimers(Step s) {
    for (int guard = 0; guard < 3 && !s.state.isTerminal(); guard++) {
      StageState stage = s.state.currentStage();
      if (s.state.status() == ReleaseStatus.RUNNING && stage.status() == StageStatus.SOAKING
        && stage.soakEndsAt() != null && !s.now.isBefore(stage.soakEndsAt()) && soakChecked(s, stage)) {
        transition(s, new ReleaseInput.SoakElapsed(s.now));
      } else if (s.state.status() == ReleaseStatus.AWAITING_APPROVAL && stage.approvalDeadline() != null
        && !s.now.isBefore(stage.approvalDeadline())) {
        transition(s, new ReleaseInput.ApprovalTimedOut(s.now));
      } else {
        break;
      }
    }
    return Future.succeededFuture();
  }

  /**
   * Whether the soak can be decided: a pass settled it, or the checks have covered it, that is
   * every window up to its end has been checked, and at least one whole window of its own (one
   * that began after the split was applied, the only kind that can pass). The next check's
   * window begins where the last one ended; a window asked again for being empty keeps the next
   * check where it is, so it is still to come. A soak shorter than the poll interval thus lasts
   * until one window of its own has been checked.
   */
  private boolean soakChecked(Step s, StageState stage) {
    if (stage.hadConclusivePass() || s.row.nextCheckAt() == null || stage.soakStartedAt() == null) {
      return true;
    }
    Duration interval = Duration.ofSeconds(s.plan.pollIntervalSeconds());
    Instant nextWindowStart = s.row.nextCheckAt().minus(telemetryLag).minus(interval);
    Instant covered = stage.soakStartedAt().plus(interval);
    return !nextWindowStart.isBefore(stage.soakEndsAt()) && !nextWindowStart.isBefore(covered);
  }

  private Future<Void> save(Step s) {
    // a window asked again is due at its retry, without moving the grid instant it belongs to
    ReleaseRow timing = s.retryCheckAt == null ? s.row : s.row.withNextCheck(s.retryCheckAt);
    Instant due = s.retryAt != null ? s.retryAt : Releases.nextDue(timing, s.state, s.now);
    if (s.state.isTerminal() && s.row.desiredSplit() == null) {
      due = null;
    }
    s.row = s.row.withNextDue(due);
    if (s.row.equals(s.original) && s.checks.isEmpty() && s.events.isEmpty()) {
      return Future.succeededFuture();
    }
    return inTurn(new Releases.Save(s.row, s.checks, s.events, s.changed));
  }

  /** A save waiting for its tenant's turn. */
  private record QueuedSave(Releases.Save save, Promise<Void> done) {
  }

  /** A tenant's saves: the ones waiting, and whether a transaction of the tenant is under way. */
  private static final class TenantSaves {
    final List<QueuedSave> waiting = new ArrayList<>();
    boolean writing;
  }

  /**
   * Saves a tenant's steps one transaction at a time, and the ones that queued meanwhile together
   * in the next (group commit). Each save appends events, which locks the tenant's event counter
   * until it commits, so a tenant's saves cannot overlap anyway; started together (a tenant's
   * releases are due on the same grid instant) each would hold a pooled connection while it
   * waited, and one tenant's burst would take the whole pool. Queued here, a tenant uses one
   * connection at a time, and a hundred releases due together cost a few transactions, not a
   * hundred.
   */
  private Future<Void> inTurn(Releases.Save save) {
    String tenantId = save.next().tenantId();
    TenantSaves tenant = tenantSaves.computeIfAbsent(tenantId, id -> new TenantSaves());
    Promise<Void> done = Promise.promise();
    tenant.waiting.add(new QueuedSave(save, done));
    if (!tenant.writing) {
      writeNext(tenantId, tenant);
    }
    return done.future();
  }

  private void writeNext(String tenantId, TenantSaves tenant) {
    if (tenant.waiting.isEmpty()) {
      tenantSaves.remove(tenantId);
      return;
    }
    tenant.writing = true;
    List<QueuedSave> batch = new ArrayList<>();
    List<QueuedSave> alone = new ArrayList<>();
    for (QueuedSave queued : tenant.waiting) {
      (Releases.batchable(queued.save().next()) && batch.size() < SAVE_BATCH ? batch : alone).add(queued);
    }
    tenant.waiting.clear();
    // those that did not fit the batch wait for the next turn, as do the rare ones that notify
    QueuedSave single = alone.stream().filter(q -> !Releases.batchable(q.save().next())).findFirst().orElse(null);
    alone.stream().filter(q -> q != single).forEach(tenant.waiting::add);
    Future<Void> written = batch.isEmpty() ? Future.succeededFuture() : releases.saveAll(tenantId,
        batch.stream().map(QueuedSave::save).toList())
      .andThen(result -> {
        for (int i = 0; i < batch.size(); i++) {
          Promise<Void> promise = batch.get(i).done();
          if (result.failed()) {
            promise.fail(result.cause());
          } else if (result.result().get(i).isEmpty()) {
            promise.fail(new Releases.ConcurrentChange(batch.get(i).save().next().id()));
          } else {
            promise.complete();
          }
        }
      }).mapEmpty();
    if (single != null) {
      Releases.Save save = single.save();
      written = written.transform(ignored -> releases.save(save.next(), save.checks(), save.events(), save.releaseChanged())
        .andThen(result -> {
          if (result.failed()) {
            single.done().fail(result.cause());
          } else {
            single.done().complete();
          }
        })).mapEmpty();
    }
    written.onComplete(ignored -> {
      tenant.writing = false;
      writeNext(tenantId, tenant);
    });
  }

  private Counter outcomeCounter(String outcome) {
    return Counter.builder("hmd.release.outcomes").tag("outcome", outcome).description("releases ended, by outcome")
      .register(registry);
  }

  private Counter checkCounter(String verdict) {
    return Counter.builder("hmd.checks").tag("verdict", verdict).description("checks completed, by verdict")
      .register(registry);
  }
}
