package dev.hmd.connections;

import dev.hmd.http.ApiException;
import dev.hmd.http.Json;
import dev.hmd.http.OutboundUrls;
import dev.hmd.slo.Plan;
import dev.hmd.slo.PlanValidation;
import dev.hmd.tenancy.AuditLog;
import dev.hmd.tenancy.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The release plan of a connection: validated in full on the server, revised in place. */
public final class PlansApi {

  private final Pool pool;
  private final ConnectionRepository connections;
  private final PlanRepository plans;
  private final AuditLog audit;
  private final Vertx vertx;
  /** {@code HMD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES}: whether gate and smoke-test hosts may be private. */
  private final boolean allowPrivate;

  public PlansApi(Pool pool, ConnectionRepository connections, PlanRepository plans, AuditLog audit, Vertx vertx,
                  boolean allowPrivate) {
    this.pool = pool;
    this.connections = connections;
    this.plans = plans;
    this.audit = audit;
    this.vertx = vertx;
    this.allowPrivate = allowPrivate;
  }

  /** {@code GET /v1/connections/{id}/plan}: the default plan until one is saved. */
  public void get(RoutingContext ctx) {
    String tenantId = Principal.of(ctx).tenantId();
    String id = ctx.pathParam("id");
    connections.get(tenantId, id)
      .compose(found -> found.isEmpty() ? Future.failedFuture(ConnectionsApi.unknown(id)) : plans.get(tenantId, id))
      .onSuccess(plan -> ctx.json(plan.toJson()))
      .onFailure(ctx::fail);
  }

  /** {@code PUT /v1/connections/{id}/plan}: 400 with one entry per problem, or the saved plan. */
  public void put(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String id = ctx.pathParam("id");
    JsonObject body = Json.body(ctx);
    PlanValidation validation = PlanJson.validate(body);
    if (validation instanceof PlanValidation.Invalid invalid) {
      throw ApiException.invalid(invalid.errors().stream()
        .map(e -> new ApiException.FieldError(e.field(), e.message())).toList());
    }
    PlanValidation.Valid valid = (PlanValidation.Valid) validation;
    // the lookup runs before the transaction: a transaction that waited for a second pooled
    // connection would deadlock the pool once as many saves as connections ran at once
    publicOnly(valid.plan())
      .compose(v -> connections.get(principal.tenantId(), id))
      .compose(found -> found.isEmpty() ? Future.failedFuture(ConnectionsApi.unknown(id))
        : pool.withTransaction(tx -> plans.save(tx, principal.tenantId(), id, valid.plan())
          .compose(saved -> {
            PlanRepository.StoredPlan plan = saved.orElseThrow(() -> ConnectionsApi.unknown(id));
            return audit.record(tx, principal, "plan.save", "connection", id,
              new JsonObject().put("revision", plan.revision())).map(plan);
          })))
      .onSuccess(plan -> ctx.json(plan.toJson()))
      .onFailure(ctx::fail);
  }

  /**
   * With private addresses refused, a plan whose gate or smoke-test host resolves to one (or does
   * not resolve) is a 400 naming each such URL, as a webhook's is: the release would only fail
   * on it later. Every call is judged again when it is made.
   */
  private Future<Void> publicOnly(Plan plan) {
    if (allowPrivate) {
      return Future.succeededFuture();
    }
    Map<String, String> urls = new LinkedHashMap<>();
    if (plan.smokeTest() != null) {
      urls.put("smokeTest.url", plan.smokeTest().url());
    }
    for (int i = 0; i < plan.gates().size(); i++) {
      urls.put("gates[" + i + "].url", plan.gates().get(i).url());
    }
    Map<String, String> problems = new java.util.concurrent.ConcurrentHashMap<>();
    List<Future<Void>> judged = new ArrayList<>();
    urls.forEach((field, url) -> judged.add(OutboundUrls.notPublic(vertx, url).map(problem -> {
      problem.ifPresent(message -> problems.put(field, message));
      return null;
    })));
    return Future.all(judged).compose(all -> {
      // in the plan's order, whichever host was judged first
      List<ApiException.FieldError> errors = urls.keySet().stream().filter(problems::containsKey)
        .map(field -> new ApiException.FieldError(field, problems.get(field))).toList();
      return errors.isEmpty() ? Future.succeededFuture() : Future.failedFuture(ApiException.invalid(errors));
    });
  }
}
