package dev.hmd.releases;

import dev.hmd.bus.Kicks;
import dev.hmd.cloudflare.CloudflareClient;
import dev.hmd.cloudflare.VersionSplit;
import dev.hmd.cloudflare.WorkerDeployment;
import dev.hmd.cloudflare.WorkerVersion;
import dev.hmd.connections.ConnectionRepository;
import dev.hmd.connections.ConnectionsApi;
import dev.hmd.connections.PlanJson;
import dev.hmd.connections.PlanRepository;
import dev.hmd.db.Ids;
import dev.hmd.events.NotifiedCache;
import dev.hmd.http.ApiException;
import dev.hmd.http.Json;
import dev.hmd.http.Pagination;
import dev.hmd.slo.InsufficientDataPolicy;
import dev.hmd.slo.Plan;
import dev.hmd.slo.ReleaseInput;
import dev.hmd.slo.ReleaseMachine;
import dev.hmd.slo.ReleaseStatus;
import dev.hmd.slo.Stage;
import dev.hmd.slo.Transition;
import dev.hmd.tenancy.AuditLog;
import dev.hmd.tenancy.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Releases: start one from a connection's plan, follow it, decide on it (approve, deny, cancel,
 * pause, resume, promote), revert one that succeeded, read its checks.
 */
public final class ReleasesApi {

  /** Only the last 100 uploaded versions can be deployed. */
  static final int DEPLOYABLE_VERSIONS = 100;
  private static final int NOTE_MAX = 500;
  private static final int CONFLICT_RETRIES = 5;

  private final Vertx vertx;
  private final Pool pool;
  private final ConnectionRepository connections;
  private final PlanRepository plans;
  private final Releases releases;
  private final CheckRepository checks;
  private final AuditLog audit;
  private final CloudflareClient cloudflare;
  /** Encoded views by {@code tenantId/releaseId}, dropped with their tenant. */
  private final NotifiedCache<Buffer> views;

  public ReleasesApi(Vertx vertx, Pool pool, ConnectionRepository connections, PlanRepository plans, Releases releases,
                     CheckRepository checks, AuditLog audit, CloudflareClient cloudflare, NotifiedCache<Buffer> views) {
    this.vertx = vertx;
    this.pool = pool;
    this.connections = connections;
    this.plans = plans;
    this.releases = releases;
    this.checks = checks;
    this.audit = audit;
    this.cloudflare = cloudflare;
    this.views = views;
  }

  /** {@code POST /v1/connections/{id}/releases {newVersionId, oldVersionId?}}: starts at once from the plan. */
  public void create(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String connectionId = ctx.pathParam("id");
    JsonObject body = Json.body(ctx);
    String newVersionId = Json.requiredText(body, "newVersionId", 100);
    String requestedOld = Json.optionalText(body, "oldVersionId", 100);
    connections.credentials(principal.tenantId(), connectionId)
      .map(found -> found.orElseThrow(() -> ConnectionsApi.unknown(connectionId)))
      .compose(creds -> {
        String token = creds.token();
        ConnectionRepository.Connection c = creds.connection();
        Future<WorkerDeployment> serving = cloudflare.currentDeployment(token, c.accountId(), c.workerName());
        Future<List<WorkerVersion>> versions = cloudflare.listVersions(token, c.accountId(), c.workerName());
        return Future.all(serving, versions)
          .recover(err -> Future.failedFuture(ConnectionsApi.upstream(err)))
          .compose(both -> plans.get(principal.tenantId(), connectionId))
          .compose(plan -> {
            String oldVersionId = checkVersions(serving.result(), versions.result(), newVersionId, requestedOld);
            ReleaseRow row = newRelease(principal.tenantId(), c, plan, oldVersionId, newVersionId, serving.result());
            return pool.withTransaction(tx -> releases.insert(tx, row)
              .compose(saved -> audit.record(tx, principal, "release.create", "release", saved.id(),
                  new JsonObject().put("connectionId", connectionId).put("newVersionId", newVersionId)
                    .put("oldVersionId", oldVersionId))
                .map(saved)));
          });
      })
      .recover(err -> Future.failedFuture(alreadyActive(err)))
      .onSuccess(saved -> {
        Kicks.scheduler(vertx, saved.tenantId(), saved.id());
        ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json")
          .putHeader("Location", "/v1/releases/" + saved.id())
          .end(ReleaseView.toJson(saved).encode());
      })
      .onFailure(ctx::fail);
  }

  /**
   * The old version: the one at 100% unless given. Refuses a Worker split from outside (a release
   * would silently take traffic from a version nobody chose), unknown or undeployable versions,
   * and the same version twice.
   */
  static String checkVersions(WorkerDeployment serving, List<WorkerVersion> versions, String newVersionId,
    String requestedOld) {
    List<VersionSplit> live = serving.versions().stream().filter(v -> v.percentage() > 0).toList();
    if (live.size() != 1) {
      throw ApiException.conflict("the Worker is split between " + live.size() + " versions by deployment "
        + serving.id() + "; finish or roll back that split first");
    }
    String current = live.get(0).versionId();
    String oldVersionId = requestedOld == null ? current : requestedOld;
    List<String> deployable = versions.stream().limit(DEPLOYABLE_VERSIONS).map(WorkerVersion::id).toList();
    if (!deployable.contains(newVersionId)) {
      throw ApiException.invalid("newVersionId",
        "is not one of the Worker's last " + DEPLOYABLE_VERSIONS + " versions");
    }
    if (!deployable.contains(oldVersionId)) {
      throw ApiException.invalid("oldVersionId",
        "is not one of the Worker's last " + DEPLOYABLE_VERSIONS + " versions");
    }
    if (oldVersionId.equals(newVersionId)) {
      throw ApiException.invalid(requestedOld == null ? "newVersionId" : "oldVersionId",
        "the new version is the one already serving; nothing to release");
    }
    return oldVersionId;
  }

  private static ReleaseRow newRelease(String tenantId, ConnectionRepository.Connection c,
    PlanRepository.StoredPlan stored,
                                       String oldVersionId, String newVersionId, WorkerDeployment serving) {
    Plan plan = stored.plan();
    Instant now = Instant.now();
    Transition started = new ReleaseMachine(plan).start(now);
    ReleaseRow blank = new ReleaseRow(Ids.newId("r"), tenantId, c.id(), c.accountId(), c.workerName(), oldVersionId,
      newVersionId, stored.revision(), PlanJson.toJson(plan), ReleaseStatus.RUNNING, 0, new JsonArray(), null, null,
      now, null, null, now, null, null, null, serving.split(), serving.id(), null, null, 0, null, null, null, 0);
    return Releases.withState(blank, started.next(), now);
  }

  private static Throwable alreadyActive(Throwable err) {
    if (err instanceof PgException pg && "23505".equals(pg.getSqlState())) {
      return ApiException.conflict("a release is already active for this Cloudflare Worker");
    }
    return err;
  }

  /** {@code GET /v1/releases?connectionId=&state=&from=&to=&limit=&cursor=}: newest first. */
  public void list(RoutingContext ctx) {
    String tenantId = Principal.of(ctx).tenantId();
    int limit = Pagination.limit(ctx);
    String state = ctx.queryParams().get("state");
    if (state != null && !state.isEmpty() && ReleaseStatus.fromWireName(state).isEmpty()) {
      throw ApiException.invalid("state", "must be one of running, awaiting_approval, paused, succeeded, rolled_back, "
        + "cancelled, failed");
    }
    String connectionId = emptyToNull(ctx.queryParams().get("connectionId"));
    Instant from = instantParam(ctx, "from");
    Instant to = instantParam(ctx, "to");
    Cursor cursor = Cursor.parse(ctx.queryParams().get("cursor"));
    releases.repository().list(tenantId, connectionId, emptyToNull(state), cursor == null ? null : cursor.createdAt(),
        cursor == null ? null : cursor.id(), from, to, limit + 1)
      .onSuccess(rows -> {
        JsonArray items = new JsonArray();
        rows.stream().limit(limit).forEach(r -> items.add(ReleaseView.toJson(r)));
        String next = rows.size() > limit ? new Cursor(rows.get(limit - 1).createdAt(), rows.get(limit - 1).id())
          .encode() : null;
        ctx.json(new JsonObject().put("items", items).put("nextCursor", next));
      })
      .onFailure(ctx::fail);
  }

  /** {@code GET /v1/releases/{id}}. */
  public void get(RoutingContext ctx) {
    String tenantId = Principal.of(ctx).tenantId();
    String id = ctx.pathParam("id");
    Buffer cached = views.get(tenantId + "/" + id);
    if (cached != null) {
      ctx.response().putHeader("Content-Type", "application/json").end(cached);
      return;
    }
    long stamp = views.stamp();
    releases.repository().get(tenantId, id)
      .map(found -> found.orElseThrow(() -> unknown(id)))
      .onSuccess(row -> {
        Buffer view = ReleaseView.toJson(row).toBuffer();
        views.put(tenantId + "/" + id, tenantId, view, stamp);
        ctx.response().putHeader("Content-Type", "application/json").end(view);
      })
      .onFailure(ctx::fail);
  }

  /** {@code GET /v1/releases/{id}/checks?limit=&cursor=}: oldest first. */
  public void checks(RoutingContext ctx) {
    String tenantId = Principal.of(ctx).tenantId();
    String id = ctx.pathParam("id");
    int limit = ctx.queryParams().contains("limit") ? Pagination.limit(ctx) : 1000;
    Long after = Pagination.longCursor(ctx);
    releases.repository().get(tenantId, id)
      .map(found -> found.orElseThrow(() -> unknown(id)))
      .compose(row -> checks.list(tenantId, id, after, limit + 1))
      .onSuccess(list -> {
        JsonArray items = new JsonArray();
        list.stream().limit(limit).forEach(items::add);
        String next = list.size() > limit ? list.get(limit - 1).getString("id") : null;
        ctx.json(new JsonObject().put("items", items).put("nextCursor", next));
      })
      .onFailure(ctx::fail);
  }

  public void approve(RoutingContext ctx) {
    act(ctx, "approve", (note, body) -> now -> new ReleaseInput.Approve(now, note));
  }

  public void deny(RoutingContext ctx) {
    act(ctx, "deny", (note, body) -> now -> new ReleaseInput.Deny(now, note));
  }

  public void cancel(RoutingContext ctx) {
    act(ctx, "cancel", (note, body) -> now -> new ReleaseInput.Cancel(now, note));
  }

  /** {@code POST /v1/releases/{id}/pause {reason?}}: the soak clock stops; checks go on. */
  public void pause(RoutingContext ctx) {
    act(ctx, "pause", (note, body) -> now -> new ReleaseInput.Pause(now, note));
  }

  /** {@code POST /v1/releases/{id}/resume {reason?}}: the soak goes on, ending as much later as it was paused. */
  public void resume(RoutingContext ctx) {
    act(ctx, "resume", (note, body) -> now -> new ReleaseInput.Resume(now, note));
  }

  /** {@code POST /v1/releases/{id}/promote {full?, reason?}}: ends the soak now and goes on (to 100% with full). */
  public void promote(RoutingContext ctx) {
    act(ctx, "promote", (note, body) -> now -> new ReleaseInput.Promote(now, full(body), note));
  }

  /** {@code full}: absent or false, true; anything else is a 400. */
  private static boolean full(JsonObject body) {
    Object full = body.getValue("full");
    if (full != null && !(full instanceof Boolean)) {
      throw ApiException.invalid("full", "must be true or false");
    }
    return Boolean.TRUE.equals(full);
  }

  /**
   * The person's words on a decision: {@code note}, or {@code reason} (the controls' name for it);
   * null when neither is given.
   */
  private static String noteOf(JsonObject body) {
    String note = Json.optionalText(body, "note", NOTE_MAX);
    String reason = Json.optionalText(body, "reason", NOTE_MAX);
    return note != null ? note : reason;
  }

  /**
   * A person's decision, applied through the state machine: 409 when it does not apply to the
   * release's state. The decision goes into the release's {@code decisions} and the audit log, in
   * the transaction of the change.
   */
  private void act(RoutingContext ctx, String action, BiFunction<String, JsonObject, Function<Instant,
    ReleaseInput>> input) {
    Principal principal = Principal.of(ctx);
    String id = ctx.pathParam("id");
    JsonObject body = Json.optionalBody(ctx);
    String note = noteOf(body);
    boolean full = "promote".equals(action) && full(body);
    String by = note == null ? "by " + principal.keyName() : "by " + principal.keyName() + ": " + note;
    attempt(principal, id, action, note, full, input.apply(by, body), CONFLICT_RETRIES)
      .onSuccess(row -> {
        // this process reads its own write at once; the others when the events' notification arrives
        views.invalidate(row.tenantId());
        Kicks.scheduler(vertx, row.tenantId(), row.id());
        ctx.json(ReleaseView.toJson(row));
      })
      .onFailure(ctx::fail);
  }

  private Future<ReleaseRow> attempt(Principal principal, String id, String action, String note, boolean full,
                                     Function<Instant, ReleaseInput> input, int retries) {
    return releases.repository().get(principal.tenantId(), id)
      .map(found -> found.orElseThrow(() -> unknown(id)))
      .compose(row -> {
        Instant now = Instant.now();
        Transition t = new ReleaseMachine(Releases.plan(row)).apply(Releases.state(row), input.apply(now));
        if (t.isRejected()) {
          return Future.failedFuture(ApiException.conflict(t.rejection()));
        }
        JsonObject decision = decision(principal, action, row.currentStageIndex(), now, note);
        if (full) {
          decision.put("full", true);
        }
        // due now: the scheduler applies the split this decision wants
        ReleaseRow next = Releases.withState(row, t.next(), now).withNextDue(now);
        next = next.withControls(next.controls().withDecision(decision));
        return releases.save(next, List.of(), List.of(), true,
          tx -> audit.record(tx, principal, "release." + action, "release", id, auditDetail(decision)));
      })
      .recover(err -> err instanceof Releases.ConcurrentChange && retries > 0
        ? attempt(principal, id, action, note, full, input, retries - 1)
        : Future.failedFuture(err));
  }

  /** One entry of a release's {@code decisions}: {@code {action, stageIndex, at, by: {keyId, name}, note}}. */
  static JsonObject decision(Principal principal, String action, int stageIndex, Instant at, String note) {
    return new JsonObject().put("action", action).put("stageIndex", stageIndex).put("at", ReleaseView.time(at))
      .put("by", new JsonObject().put("keyId", principal.keyId()).put("name", principal.keyName()))
      .put("note", note);
  }

  /** The audit entry's detail of a decision: the stage it was taken at and the person's note. */
  private static JsonObject auditDetail(JsonObject decision) {
    JsonObject detail = new JsonObject().put("stageIndex", decision.getInteger("stageIndex"))
      .put("note", decision.getString("note"));
    if (decision.containsKey("full")) {
      detail.put("full", decision.getBoolean("full"));
    }
    return detail;
  }

  /**
   * {@code POST /v1/releases/{id}/revert {reason?}}: a new release of kind {@code revert} that puts
   * the version the succeeded release replaced back at 100%, at once and without checks. 409 unless
   * the release succeeded and its deployment still serves (nothing was deployed since).
   */
  public void revert(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String id = ctx.pathParam("id");
    String note = noteOf(Json.optionalBody(ctx));
    revertAttempt(principal, id, note, CONFLICT_RETRIES)
      .recover(err -> Future.failedFuture(alreadyActive(err)))
      .onSuccess(saved -> {
        views.invalidate(saved.tenantId());
        Kicks.scheduler(vertx, saved.tenantId(), saved.id());
        ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json")
          .putHeader("Location", "/v1/releases/" + saved.id())
          .end(ReleaseView.toJson(saved).encode());
      })
      .onFailure(ctx::fail);
  }

  private Future<ReleaseRow> revertAttempt(Principal principal, String id, String note, int retries) {
    return releases.repository().get(principal.tenantId(), id)
      .map(found -> found.orElseThrow(() -> unknown(id)))
      .compose(row -> {
        if (row.state() != ReleaseStatus.SUCCEEDED) {
          return Future.failedFuture(ApiException.conflict("only a succeeded release can be reverted: this one is "
            + row.state().wireName()));
        }
        return connections.credentials(principal.tenantId(), row.connectionId())
          .map(found -> found.orElseThrow(() -> ApiException.conflict("the connection release " + id
            + " ran on is gone; revert from the Cloudflare dashboard")))
          .compose(creds -> cloudflare.currentDeployment(creds.token(), row.accountId(), row.workerName())
            .recover(err -> Future.failedFuture(ConnectionsApi.upstream(err))))
          .compose(serving -> {
            boolean stillServing = serving.id().equals(row.appliedDeploymentId())
              && serving.split().percentOf(row.newVersionId()) == 100;
            if (!stillServing) {
              return Future.failedFuture(ApiException.conflict("something else was deployed since release " + id
                + " succeeded: deployment " + serving.id() + " serves " + serving.split() + "; revert from there"));
            }
            Instant now = Instant.now();
            ReleaseRow revert = revertRelease(principal, row, serving, now, note);
            JsonObject decision = decision(principal, "revert", row.currentStageIndex(), now, note)
              .put("releaseId", revert.id());
            ReleaseRow original = row.withControls(row.controls().withDecision(decision));
            AtomicReference<ReleaseRow> inserted = new AtomicReference<>();
            return releases.save(original, List.of(), List.of(), true, tx -> releases.insert(tx, revert)
                .compose(saved -> {
                  inserted.set(saved);
                  return audit.record(tx, principal, "release.revert", "release", id, new JsonObject()
                    .put("note", note).put("revertReleaseId", saved.id()).put("stageIndex", row.currentStageIndex()));
                }))
              .map(v -> inserted.get());
          });
      })
      .recover(err -> err instanceof Releases.ConcurrentChange && retries > 0
        ? revertAttempt(principal, id, note, retries - 1)
        : Future.failedFuture(err));
  }

  /**
   * The revert of {@code original}: the version it replaced is the new one, going straight to 100%
   * in one stage that the scheduler ends as soon as its split serves (no soak, no checks).
   */
  private static ReleaseRow revertRelease(Principal principal, ReleaseRow original, WorkerDeployment serving,
                                          Instant now, String note) {
    Plan plan = new Plan(List.of(new Stage(100, 1, true, "revert")), List.of(), Plan.DEFAULT_POLL_INTERVAL_SECONDS,
      Plan.DEFAULT_MIN_REQUESTS, Plan.DEFAULT_FAILURE_THRESHOLD, InsufficientDataPolicy.PROCEED, null);
    Transition started = new ReleaseMachine(plan).start(now);
    JsonObject decision = decision(principal, "revert", 0, now, note).put("releaseId", original.id());
    ReleaseRow blank = new ReleaseRow(Ids.newId("r"), original.tenantId(), original.connectionId(),
      original.accountId(),
      original.workerName(), original.newVersionId(), original.oldVersionId(), original.planRevision(),
      PlanJson.toJson(plan), ReleaseStatus.RUNNING, 0, new JsonArray(), null, null, now, null, null, now, null, null,
      null, serving.split(), serving.id(), null, null, 0, null, null,
      new ReleaseRow.Controls(ReleaseRow.KIND_REVERT, original.id(), new JsonObject(), new JsonArray().add(decision)),
        0);
    return Releases.withState(blank, started.next(), now);
  }

  static ApiException unknown(String id) {
    return ApiException.notFound("no release " + id);
  }

  private static String emptyToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  private static Instant instantParam(RoutingContext ctx, String name) {
    String raw = emptyToNull(ctx.queryParams().get(name));
    if (raw == null) {
      return null;
    }
    try {
      return Instant.parse(raw);
    } catch (DateTimeParseException e) {
      throw ApiException.invalid(name, "must be an RFC 3339 time such as 2026-11-27T10:00:00Z");
    }
  }

  /** Keyset pagination over (createdAt, id), opaque to clients. */
  record Cursor(Instant createdAt, String id) {
    String encode() {
      return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((createdAt.toString() + "|" + id).getBytes(StandardCharsets.UTF_8));
    }

    static Cursor parse(String raw) {
      if (raw == null || raw.isEmpty()) {
        return null;
      }
      try {
        String[] parts = new String(Base64.getUrlDecoder().decode(raw), StandardCharsets.UTF_8).split("\\|", 2);
        return new Cursor(Instant.parse(parts[0]), parts[1]);
      } catch (RuntimeException e) {
        throw ApiException.invalid("cursor", "is not a cursor this API returned");
      }
    }
  }
}
