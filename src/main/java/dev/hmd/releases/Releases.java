package dev.hmd.releases;

import dev.hmd.cloudflare.TrafficSplit;
import dev.hmd.connections.PlanJson;
import dev.hmd.events.EventLog;
import dev.hmd.events.EventLog.NewEvent;
import dev.hmd.slo.ControlState;
import dev.hmd.slo.FieldError;
import dev.hmd.slo.Outcome;
import dev.hmd.slo.OutcomeCode;
import dev.hmd.slo.Plan;
import dev.hmd.slo.PlanValidation;
import dev.hmd.slo.ReleaseMachine;
import dev.hmd.slo.ReleaseState;
import dev.hmd.slo.ReleaseStatus;
import dev.hmd.slo.StageState;
import dev.hmd.slo.StageStatus;
import dev.hmd.slo.VersionStats;
import dev.hmd.slo.Waiting;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Moving a release row through the pure state machine and saving the result: the one place
 * that maps rows to machine states and back, used by the scheduler and by the API's actions.
 * A save appends the events of the change in the same transaction and succeeds only if nobody
 * changed the row since it was read.
 */
public final class Releases {

  /** The row was changed by someone else since it was read; read it again. */
  public static final class ConcurrentChange extends RuntimeException {
    public ConcurrentChange(String releaseId) {
      super("release " + releaseId + " changed meanwhile", null, false, false);
    }
  }

  private final Pool pool;
  private final ReleaseRepository releases;
  private final CheckRepository checks;
  private final SaveHook hook;

  public Releases(Pool pool, ReleaseRepository releases, CheckRepository checks, SaveHook hook) {
    this.pool = pool;
    this.releases = releases;
    this.checks = checks;
    this.hook = hook;
  }

  public ReleaseRepository repository() {
    return releases;
  }

  /**
   * What the engine reads from a row: its plan, the machine's state and the old version's last good stats (or null).
   */
  public record Read(Plan plan, ReleaseState state, VersionStats baseline) {
  }

  /**
   * Everything the engine needs from a row, checked to agree (a stage per stage of the plan):
   * throws {@link UnreadableRelease} naming the first field this build cannot read.
   */
  public static Read read(ReleaseRow row) {
    Plan plan = plan(row);
    ReleaseState state = state(row);
    if (state.stages().size() != plan.stageCount()) {
      throw new UnreadableRelease("stages", "stages has " + state.stages().size() + " entries for the plan's "
        + plan.stageCount() + " stages", null);
    }
    VersionStats baseline;
    try {
      baseline = row.baseline() == null ? null : StatsMapping.fromJson(row.baseline());
    } catch (RuntimeException e) {
      throw new UnreadableRelease("baseline", "baseline: " + e.getMessage(), e);
    }
    return new Read(plan, state, baseline);
  }

  /** The plan snapshot; one the validator refuses throws {@link UnreadableRelease} naming its first problem. */
  public static Plan plan(ReleaseRow row) {
    if (row.plan() == null) {
      throw new UnreadableRelease("plan", "plan is missing", null);
    }
    PlanValidation validation;
    try {
      validation = PlanJson.validate(row.plan());
    } catch (RuntimeException e) {
      throw new UnreadableRelease("plan", "plan: " + e, e);
    }
    if (validation instanceof PlanValidation.Valid valid) {
      return valid.plan();
    }
    FieldError first = validation.errors().get(0);
    int more = validation.errors().size() - 1;
    throw new UnreadableRelease("plan", "plan." + first.field() + " " + first.message()
      + (more == 0 ? "" : " (and " + more + " more problem" + (more == 1 ? "" : "s") + ")"), null);
  }

  /** The machine's state; a field this build cannot read throws {@link UnreadableRelease} naming it. */
  public static ReleaseState state(ReleaseRow row) {
    if (row.stages() == null) {
      throw new UnreadableRelease("stages", "stages is missing", null);
    }
    List<StageState> stages = new ArrayList<>();
    for (int i = 0; i < row.stages().size(); i++) {
      stages.add(stage(row.stages().getValue(i), i));
    }
    Outcome outcome = null;
    if (row.outcomeCode() != null) {
      outcome = new Outcome(OutcomeCode.fromWireName(row.outcomeCode()).orElseThrow(() -> new UnreadableRelease(
        "outcome_code", "outcome_code " + UnreadableRelease.shown(row.outcomeCode()) + " is unknown", null)),
        row.outcomeMessage());
    } else if (row.state().isTerminal()) {
      throw new UnreadableRelease("outcome_code", "outcome_code is missing for a release that ended "
        + row.state().wireName(), null);
    }
    if (row.currentStageIndex() < 0 || row.currentStageIndex() >= stages.size()) {
      throw new UnreadableRelease("current_stage_index", "current_stage_index " + row.currentStageIndex()
        + " is outside the " + stages.size() + " stages", null);
    }
    ControlState controls;
    try {
      controls = ControlState.fromMap(row.controls().state().getMap());
    } catch (RuntimeException e) {
      throw new UnreadableRelease("controls", "controls: " + e.getMessage(), e);
    }
    return new ReleaseState(row.state(), row.currentStageIndex(), stages, row.consecutiveErrors(), outcome, controls);
  }

  private static StageState stage(Object value, int index) {
    String at = "stages[" + index + "]";
    if (!(value instanceof JsonObject json)) {
      throw new UnreadableRelease("stages", at + " is " + UnreadableRelease.shown(value) + ", not an object", null);
    }
    Object status = json.getValue("state");
    if (!(status instanceof String name) || StageStatus.fromWireName(name).isEmpty()) {
      throw new UnreadableRelease("stages", at + ".state " + UnreadableRelease.shown(status) + " is unknown", null);
    }
    StageState stage;
    try {
      stage = StageState.fromMap(dev.hmd.http.Json.plain(json));
    } catch (RuntimeException e) {
      throw new UnreadableRelease("stages", at + ": " + e.getMessage(), e);
    }
    if (stage.index() != index) {
      throw new UnreadableRelease("stages", at + ".index is " + stage.index() + ", not " + index, null);
    }
    return stage;
  }

  /**
   * The row with {@code next} written into it: state, stages, outcome, times, the wanted split and
   * the controls' part of the state.
   */
  public static ReleaseRow withState(ReleaseRow row, ReleaseState next, Instant now) {
    ReleaseMachine machine = new ReleaseMachine(plan(row));
    JsonArray stages = new JsonArray();
    next.stages().forEach(s -> stages.add(new JsonObject(s.toMap())));
    Integer wanted = machine.wantedNewPercent(next);
    TrafficSplit desired = wanted == null ? null : machine.wantsStandby(next)
      ? TrafficSplit.standby(row.newVersionId(), row.oldVersionId())
      : TrafficSplit.between(row.newVersionId(), row.oldVersionId(), wanted);
    JsonObject controls = row.controls().state().copy();
    next.controls().toMap().forEach(controls::put);
    Instant started = row.startedAt() == null && next.isStarted() ? next.stages().get(0).startedAt() : row.startedAt();
    Instant finished = next.isTerminal() && row.finishedAt() == null ? now : row.finishedAt();
    return new ReleaseRow(row.id(), row.tenantId(), row.connectionId(), row.accountId(), row.workerName(),
      row.oldVersionId(), row.newVersionId(), row.planRevision(), row.plan(), next.status(),
      next.currentStageIndex(), stages, next.outcome() == null ? null : next.outcome().code().wireName(),
      next.outcome() == null ? null : next.outcome().message(), row.createdAt(), started, finished, row.nextDueAt(),
      row.leaseOwner(), row.leaseExpiresAt(), desired, row.appliedSplit(), row.appliedDeploymentId(), row.nextCheckAt(),
      row.checkedUntil(), next.consecutiveErrors(), row.baseline(), row.blocked(), row.controls().withState(controls),
      row.rowVersion());
  }

  /**
   * Whether the split the release wants is not what it last saw serving (a version listed at 0%
   * counts: the smoke test needs it listed, and a release that ends before its first stage takes
   * it away again).
   */
  public static boolean splitPending(ReleaseRow row) {
    return row.desiredSplit() != null && !row.desiredSplit().sameDeployment(row.appliedSplit());
  }

  /**
   * When the scheduler must look next: now while a split is pending, else the earliest of the
   * next check, the soak's end (while it is still to come: a soak past its end waits for the
   * checks of its last seconds, which come at the next check), the end of its longest soak while
   * it waits for evidence, and the approval deadline; null when nothing is left to do.
   */
  public static Instant nextDue(ReleaseRow row, ReleaseState state, Instant now) {
    if (splitPending(row)) {
      return now;
    }
    if (state.isTerminal()) {
      return null;
    }
    Instant due = row.nextCheckAt();
    StageState stage = state.currentStage();
    if (state.status() == ReleaseStatus.RUNNING && stage.status() == StageStatus.SOAKING && stage.soakEndsAt() != null
      && stage.soakEndsAt().isAfter(now)) {
      due = min(due, stage.soakEndsAt());
    }
    if (state.status() == ReleaseStatus.RUNNING && stage.waiting() == Waiting.EVIDENCE && stage.maxSoakEndsAt() != null
      && stage.maxSoakEndsAt().isAfter(now)) {
      due = min(due, stage.maxSoakEndsAt());
    }
    if (state.status() == ReleaseStatus.AWAITING_APPROVAL && stage.approvalDeadline() != null) {
      due = min(due, stage.approvalDeadline());
    }
    return due;
  }

  /**
   * Saves {@code next} (conditional on the version it was read at) with its checks and events in
   * one transaction; {@code releaseChanged} adds a {@code release} event with the saved release.
   * Fails with {@link ConcurrentChange} when the row moved meanwhile.
   */
  public Future<ReleaseRow> save(ReleaseRow next, List<CheckRepository.NewCheck> newChecks, List<NewEvent> before,
                                 boolean releaseChanged) {
    return save(next, newChecks, before, releaseChanged, tx -> Future.succeededFuture());
  }

  /**
   * As {@link #save(ReleaseRow, List, List, boolean)}, with {@code alongside} written in the same
   * transaction once the row is: a person's decision and its audit row commit together or not at
   * all.
   */
  public Future<ReleaseRow> save(ReleaseRow next, List<CheckRepository.NewCheck> newChecks, List<NewEvent> before,
                                 boolean releaseChanged, Function<SqlClient, Future<?>> alongside) {
    return pool.withTransaction(tx -> beforeSave(tx, next)
      .compose(v -> write(tx, next.tenantId(), List.of(new Save(next, newChecks, before, releaseChanged))))
      .compose(saved -> saved.get(0).isPresent() ? alongside.apply(tx).map(saved) : Future.succeededFuture(saved)))
      .compose(saved -> saved.get(0).map(Future::succeededFuture)
        .orElseGet(() -> Future.failedFuture(new ConcurrentChange(next.id()))));
  }

  /**
   * A new release, in the caller's transaction: the row, what the hook adds, and its first
   * {@code release} event.
   */
  public Future<ReleaseRow> insert(SqlClient tx, ReleaseRow row) {
    return releases.insert(tx, row)
      .compose(saved -> hook.changing(tx, null, saved)
        .compose(v -> EventLog.append(tx, saved.tenantId(),
          List.of(new NewEvent(saved.id(), "release", ReleaseView.toJson(saved)))))
        .map(saved));
  }

  /**
   * Gives the hook the stored row and {@code next}, for a change that can matter to it. If the
   * stored row is not the version {@code next} was made from, the save fails anyway and takes what
   * the hook wrote with it.
   */
  private Future<Void> beforeSave(SqlClient tx, ReleaseRow next) {
    if (batchable(next)) {
      return Future.succeededFuture();
    }
    return releases.get(tx, next.tenantId(), next.id()).compose(stored -> stored.isPresent()
      && stored.get().rowVersion() == next.rowVersion() ? hook.changing(tx, stored.get(), next)
        : Future.succeededFuture());
  }

  /** One release's save, for {@link #saveAll}. */
  public record Save(ReleaseRow next, List<CheckRepository.NewCheck> checks, List<NewEvent> events,
                     boolean releaseChanged) {
  }

  /**
   * Whether a save may share its transaction with others: the {@link SaveHook} has nothing to add
   * (the others read the stored row first and must roll back alone when it moved). An active
   * release neither awaiting approval nor blocked.
   */
  public static boolean batchable(ReleaseRow next) {
    return next.active() && next.state() != ReleaseStatus.AWAITING_APPROVAL && next.blocked() == null;
  }

  /**
   * Saves several releases of one tenant in one transaction, as {@link #save} saves one: each row
   * conditional on its version, with its checks and events; the events of all of them appended in
   * one statement. A row that moved meanwhile is left out (its answer is empty) and the others
   * still save. Every save must be {@link #batchable}. This is the scheduler's group commit: a
   * tenant's releases come due together, and one transaction and one event append for the lot
   * costs the database a fraction of one each.
   */
  public Future<List<Optional<ReleaseRow>>> saveAll(String tenantId, List<Save> saves) {
    for (Save save : saves) {
      if (!batchable(save.next()) || !save.next().tenantId().equals(tenantId)) {
        throw new IllegalArgumentException("release " + save.next().id() + " cannot be saved in a batch of "
          + tenantId);
      }
    }
    return pool.withTransaction(tx -> write(tx, tenantId, saves));
  }

  /**
   * The rows (each conditional on its version), their checks and their events, in the caller's
   * transaction; empty answers for the rows that moved meanwhile, whose checks and events are
   * left out too.
   */
  private Future<List<Optional<ReleaseRow>>> write(SqlClient tx, String tenantId, List<Save> saves) {
    return releases.saveAll(tx, saves.stream().map(Save::next).toList()).compose(saved -> {
      List<CheckRepository.NewCheck> newChecks = new ArrayList<>();
      for (int i = 0; i < saves.size(); i++) {
        if (saved.get(i).isPresent()) {
          newChecks.addAll(saves.get(i).checks());
        }
      }
      return checks.insertAll(tx, newChecks).compose(stored -> {
        List<NewEvent> events = new ArrayList<>();
        int checkIndex = 0;
        for (int i = 0; i < saves.size(); i++) {
          if (saved.get(i).isEmpty()) {
            continue;
          }
          Save save = saves.get(i);
          ReleaseRow row = saved.get(i).get();
          events.addAll(save.events());
          for (int c = 0; c < save.checks().size(); c++) {
            events.add(new NewEvent(row.id(), "check", stored.get(checkIndex++)));
          }
          if (save.releaseChanged()) {
            events.add(new NewEvent(row.id(), "release", ReleaseView.toJson(row)));
          }
        }
        return EventLog.append(tx, tenantId, events).map(saved);
      });
    });
  }

  /**
   * Ends a release this build cannot read {@code failed} with outcome {@code error} and
   * {@code problem}'s message, leaving the Worker as it serves and the lease free, with its
   * {@code release} event (the full view, or what can be shown when the row is still unreadable).
   * Returns that view, or empty when the row moved meanwhile. No webhook goes out: a
   * notification's text is made from the plan and stages this build could not read.
   */
  public Future<Optional<JsonObject>> failUnreadable(ReleaseRepository.Key key, UnreadableRelease problem) {
    return pool.withTransaction(tx -> releases.failUnreadable(tx, key, problem.getMessage(),
        "applied_split".equals(problem.column()))
      .compose(stored -> {
        if (stored.isEmpty()) {
          return Future.succeededFuture(Optional.<JsonObject>empty());
        }
        JsonObject view = viewOf(stored.get());
        return EventLog.append(tx, key.tenantId(), List.of(new NewEvent(key.id(), "release", view)))
          .map(Optional.of(view));
      }));
  }

  private static JsonObject viewOf(io.vertx.sqlclient.Row stored) {
    try {
      return ReleaseView.toJson(ReleaseRow.from(stored));
    } catch (RuntimeException e) {
      return ReleaseView.minimal(stored);
    }
  }

  /** A {@code deployment} event: the split Cloudflare now serves for the release. */
  public static NewEvent deploymentEvent(String releaseId, TrafficSplit serving, String deploymentId) {
    return new NewEvent(releaseId, "deployment", new JsonObject().put("releaseId", releaseId)
      .put("deploymentId", deploymentId).put("versions", serving.toJson()));
  }

  private static Instant min(Instant a, Instant b) {
    return a == null ? b : b == null ? a : (a.isBefore(b) ? a : b);
  }
}
