package dev.hmd.connections;

import dev.hmd.http.ApiException;
import dev.hmd.http.Json;
import dev.hmd.slo.PlanValidation;
import dev.hmd.tenancy.AuditLog;
import dev.hmd.tenancy.Principal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

/** The release plan of a connection: validated in full on the server, revised in place. */
public final class PlansApi {

  private final Pool pool;
  private final ConnectionRepository connections;
  private final PlanRepository plans;
  private final AuditLog audit;

  public PlansApi(Pool pool, ConnectionRepository connections, PlanRepository plans, AuditLog audit) {
    this.pool = pool;
    this.connections = connections;
    this.plans = plans;
    this.audit = audit;
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
    connections.get(principal.tenantId(), id)
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
}
