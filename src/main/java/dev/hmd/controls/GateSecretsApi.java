package dev.hmd.controls;

import dev.hmd.connections.ConnectionRepository;
import dev.hmd.connections.ConnectionsApi;
import dev.hmd.http.Json;
import dev.hmd.notify.Signatures;
import dev.hmd.tenancy.AuditLog;
import dev.hmd.tenancy.Principal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

/**
 * {@code POST /v1/connections/{id}/gate-secret}: a new secret for the connection's gate requests,
 * shown in this answer and nowhere else, ever; the old one stops signing at once. A gate verifies
 * {@code X-HMD-Signature} with it as a webhook receiver does.
 */
public final class GateSecretsApi {

  private final Pool pool;
  private final ConnectionRepository connections;
  private final GateSecrets secrets;
  private final AuditLog audit;

  public GateSecretsApi(Pool pool, ConnectionRepository connections, GateSecrets secrets, AuditLog audit) {
    this.pool = pool;
    this.connections = connections;
    this.secrets = secrets;
    this.audit = audit;
  }

  public void create(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String connectionId = ctx.pathParam("id");
    // any body is ignored, but one that is there must be a JSON object
    Json.optionalBody(ctx);
    String secret = Signatures.newSecret();
    connections.get(principal.tenantId(), connectionId)
      .map(found -> found.orElseThrow(() -> ConnectionsApi.unknown(connectionId)))
      .compose(connection -> pool.withTransaction(tx -> secrets.replace(tx, principal.tenantId(), connectionId, secret)
        .compose(createdAt -> audit.record(tx, principal, "connection.gate_secret", "connection", connectionId, null)
          .map(createdAt))))
      .onSuccess(createdAt -> ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("connectionId", connectionId).put("secret", secret)
          .put("createdAt", Json.time(createdAt)).encode()))
      .onFailure(ctx::fail);
  }
}
