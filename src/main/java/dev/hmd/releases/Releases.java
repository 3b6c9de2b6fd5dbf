package dev.hmd.releases;

import dev.hmd.cloudflare.TrafficSplit;
import dev.hmd.connections.PlanJson;
import dev.hmd.events.EventLog;
import dev.hmd.slo.Outcome;
import dev.hmd.slo.Plan;
import dev.hmd.slo.ReleaseMachine;
import dev.hmd.slo.ReleaseState;
import dev.hmd.slo.ReleaseStatus;
import dev.hmd.slo.StageState;
import dev.hmd.slo.StageStatus;
import dev.hmd.events.EventLog.NewEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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

  public static Plan plan(ReleaseRow row) {
    return PlanJson.fromJson(row.plan());
  }

  public static ReleaseState state(ReleaseRow row) {
    List<StageState> stages = new ArrayList<>();
    for (int i = 0; i < row.stages().size(); i++) {
      stages.add(StageState.fromMap(row.stages().getJsonObject(i).getMap()));
    }
    ReleaseStatus status = row.state();
    Outcome outcome = row.outcomeCode() == null ? null : new Outcome(
      dev.hmd.slo.OutcomeCode.fromWireName(row.outcomeCode()).orElseThrow(), row.outcomeMessage());
    return new ReleaseState(status, row.currentStageIndex(), stages, row.consecutiveErrors(), outcome);
  }

  /** The row with {@code next} written into it: state, stages, outcome, times and the wanted split. */
  public static ReleaseRow withState(ReleaseRow row, ReleaseState next, Instant now) {
    ReleaseMachine machine = new ReleaseMachine(plan(row));
    JsonArray stages = new JsonArray();
    next.stages().forEach(s -> stages.add(new JsonObject(s.toMap())));
    Integer wanted = machine.wantedNewPercent(next);
    TrafficSplit desired = wanted == null ? null : TrafficSplit.between(row.newVersionId(), row.oldVersionId(), wanted);
    Instant started = row.startedAt() == null && next.isStarted() ? next.stages().get(0).startedAt() : row.startedAt();
    Instant finished = next.isTerminal() && row.finishedAt() == null ? now : row.finishedAt();
    return new ReleaseRow(row.id(), row.tenantId(), row.connectionId(), row.accountId(), row.workerName(),
      row.oldVersionId(), row.newVersionId(), row.planRevision(), row.plan(), next.status(),
      next.currentStageIndex(), stages, next.outcome() == null ? null : next.outcome().code().wireName(),
      next.outcome() == null ? null : next.outcome().message(), row.createdAt(), started, finished, row.nextDueAt(),
      row.leaseOwner(), row.leaseExpiresAt(), desired, row.appliedSplit(), row.appliedDeploymentId(), row.nextCheckAt(),
      next.consecutiveErrors(), row.baseline(), row.rowVersion());
  }

  /** Whether the split the release wants is not what it last saw serving. */
  public static boolean splitPending(ReleaseRow row) {
    return row.desiredSplit() != null && !row.desiredSplit().sameTraffic(row.appliedSplit());
  }

  /**
   * When the scheduler must look next: now while a split is pending, else the earliest of the
   * next check, the soak's end (while it is still to come: a soak past its end waits for the
   * checks of its last seconds, which come at the next check) and the approval deadline; null
   * when nothing is left to do.
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
    return pool.withTransaction(tx -> beforeSave(tx, next)
      .compose(v -> write(tx, next.tenantId(), List.of(new Save(next, newChecks, before, releaseChanged)))))
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
      && stored.get().rowVersion() == next.rowVersion() ? hook.changing(tx, stored.get(), next) : Future.succeededFuture());
  }

  /** One release's save, for {@link #saveAll}. */
  public record Save(ReleaseRow next, List<CheckRepository.NewCheck> checks, List<NewEvent> events,
                     boolean releaseChanged) {
  }

  /**
   * Whether a save may share its transaction with others: the {@link SaveHook} has nothing to add
   * (the others read the stored row first and must roll back alone when it moved).
   */
  public static boolean batchable(ReleaseRow next) {
    return next.active() && next.state() != ReleaseStatus.AWAITING_APPROVAL;
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
        throw new IllegalArgumentException("release " + save.next().id() + " cannot be saved in a batch of " + tenantId);
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

  /** A {@code deployment} event: the split Cloudflare now serves for the release. */
  public static NewEvent deploymentEvent(String releaseId, TrafficSplit serving, String deploymentId) {
    return new NewEvent(releaseId, "deployment", new JsonObject().put("releaseId", releaseId)
      .put("deploymentId", deploymentId).put("versions", serving.toJson()));
  }

  private static Instant min(Instant a, Instant b) {
    return a == null ? b : b == null ? a : (a.isBefore(b) ? a : b);
  }
}
