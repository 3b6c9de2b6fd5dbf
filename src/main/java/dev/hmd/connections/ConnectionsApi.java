package dev.hmd.connections;

import dev.hmd.cloudflare.CloudflareClient;
import dev.hmd.cloudflare.CloudflareException;
import dev.hmd.cloudflare.WorkerDeployment;
import dev.hmd.cloudflare.WorkerVersion;
import dev.hmd.db.Ids;
import dev.hmd.http.ApiException;
import dev.hmd.http.Json;
import dev.hmd.tenancy.AuditLog;
import dev.hmd.tenancy.Principal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Connections to a Cloudflare account and Worker, and what Cloudflare says about that Worker. */
public final class ConnectionsApi {

  private static final Pattern ACCOUNT_ID = Pattern.compile("^[0-9a-f]{32}$");
  private static final Pattern WORKER_NAME = Pattern.compile("^[a-z0-9_][a-z0-9-_]{0,62}$");
  private static final int TOKEN_MIN = 8;
  private static final int TOKEN_MAX = 512;
  private static final int NAME_MAX = 200;

  private final Pool pool;
  private final ConnectionRepository connections;
  private final AuditLog audit;
  private final CloudflareClient cloudflare;

  public ConnectionsApi(Pool pool, ConnectionRepository connections, AuditLog audit, CloudflareClient cloudflare) {
    this.pool = pool;
    this.connections = connections;
    this.audit = audit;
    this.cloudflare = cloudflare;
  }

  /** {@code POST /v1/connections}: the token is proven at Cloudflare by listing the Worker's versions. */
  public void create(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    JsonObject body = Json.body(ctx);
    List<ApiException.FieldError> errors = new ArrayList<>();
    String accountId = field(body, "accountId", ACCOUNT_ID, "must be a Cloudflare account id (32 hex characters)",
      errors);
    String workerName = field(body, "workerName", WORKER_NAME,
      "must be a Worker script name (lowercase letters, digits, - and _)", errors);
    String token = token(body, true, errors);
    String name = optionalName(body, errors);
    if (!errors.isEmpty()) {
      throw ApiException.invalid(errors);
    }
    String id = Ids.newId("c");
    cloudflare.listVersions(token, accountId, workerName)
      .recover(err -> Future.failedFuture(refused(err)))
      .compose(versions -> pool.withTransaction(tx ->
        connections.insert(tx, id, principal.tenantId(), name == null ? workerName : name, accountId, workerName, token)
          .compose(c -> audit.record(tx, principal, "connection.create", "connection", id,
            new JsonObject().put("accountId", accountId).put("workerName", workerName)).map(c))))
      .recover(err -> Future.failedFuture(duplicate(err, accountId, workerName)))
      .onSuccess(c -> ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json")
        .end(c.toJson().encode()))
      .onFailure(ctx::fail);
  }

  public void list(RoutingContext ctx) {
    connections.list(Principal.of(ctx).tenantId())
      .onSuccess(items -> {
        JsonArray array = new JsonArray();
        items.forEach(c -> array.add(c.toJson()));
        ctx.json(new JsonObject().put("items", array));
      })
      .onFailure(ctx::fail);
  }

  public void get(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    connections.get(Principal.of(ctx).tenantId(), id)
      .map(found -> found.orElseThrow(() -> unknown(id)))
      .onSuccess(c -> ctx.json(c.toJson()))
      .onFailure(ctx::fail);
  }

  /** {@code PATCH /v1/connections/{id} {name?, apiToken?}}: a new token is proven at Cloudflare first. */
  public void update(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String id = ctx.pathParam("id");
    JsonObject body = Json.body(ctx);
    List<ApiException.FieldError> errors = new ArrayList<>();
    String name = optionalName(body, errors);
    String token = token(body, false, errors);
    if (errors.isEmpty() && name == null && token == null) {
      errors.add(new ApiException.FieldError("", "give a new name or apiToken"));
    }
    if (!errors.isEmpty()) {
      throw ApiException.invalid(errors);
    }
    connections.get(principal.tenantId(), id)
      .map(found -> found.orElseThrow(() -> unknown(id)))
      .compose(c -> token == null ? Future.succeededFuture(c)
        : cloudflare.listVersions(token, c.accountId(), c.workerName())
          .recover(err -> Future.failedFuture(refused(err))).map(c))
      .compose(c -> pool.withTransaction(tx -> connections.update(tx, principal.tenantId(), id, name, token)
        .compose(updated -> audit.record(tx, principal, token == null ? "connection.rename" : "connection.rotate_token",
          "connection", id, new JsonObject().put("name", name)).map(updated))))
      .map(updated -> updated.orElseThrow(() -> unknown(id)))
      .onSuccess(c -> ctx.json(c.toJson()))
      .onFailure(ctx::fail);
  }

  /** {@code DELETE /v1/connections/{id}}: 409 while a release still works on it. */
  public void delete(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String id = ctx.pathParam("id");
    pool.withTransaction(tx -> connections.activeRelease(tx, principal.tenantId(), id)
        .compose(active -> {
          if (active.isPresent()) {
            return Future.failedFuture(
              ApiException.conflict("release " + active.get() + " is active on this connection; "
              + "cancel it or let it finish first"));
          }
          return connections.delete(tx, principal.tenantId(), id);
        })
        .compose(deleted -> deleted
          ? audit.record(tx, principal, "connection.delete", "connection", id, null)
          : Future.failedFuture(unknown(id))))
      .onSuccess(v -> ctx.response().setStatusCode(204).end())
      .onFailure(ctx::fail);
  }

  /** {@code GET /v1/connections/{id}/versions}: every version Cloudflare lists, newest first. */
  public void versions(RoutingContext ctx) {
    withCredentials(ctx, creds -> cloudflare.listVersions(creds.token(), creds.connection().accountId(),
        creds.connection().workerName()))
      .onSuccess(versions -> {
        JsonArray items = new JsonArray();
        for (WorkerVersion v : versions) {
          items.add(new JsonObject().put("id", v.id()).put("number", v.number())
            .put("createdOn", Json.time(v.createdOn()))
            .put("message", v.message()).put("source", v.source()).put("tag", v.tag()));
        }
        ctx.json(new JsonObject().put("items", items));
      })
      .onFailure(ctx::fail);
  }

  /** {@code GET /v1/connections/{id}/deployment}: the deployment serving now. */
  public void deployment(RoutingContext ctx) {
    withCredentials(ctx, creds -> cloudflare.currentDeployment(creds.token(), creds.connection().accountId(),
        creds.connection().workerName()))
      .onSuccess(d -> ctx.json(deploymentJson(d)))
      .onFailure(ctx::fail);
  }

  public static JsonObject deploymentJson(WorkerDeployment d) {
    JsonArray versions = new JsonArray();
    d.versions()
      .forEach(v -> versions.add(new JsonObject().put("versionId", v.versionId()).put("percentage", v.percentage())));
    return new JsonObject().put("id", d.id()).put("createdOn", Json.time(d.createdOn())).put("versions", versions)
      .put("message", d.message()).put("source", d.source());
  }

  private <T> Future<T> withCredentials(RoutingContext ctx,
    java.util.function.Function<ConnectionRepository.Credentials, Future<T>> call) {
    String id = ctx.pathParam("id");
    return connections.credentials(Principal.of(ctx).tenantId(), id)
      .map(found -> found.orElseThrow(() -> unknown(id)))
      .compose(creds -> call.apply(creds).recover(err -> Future.failedFuture(upstream(err))));
  }

  public static ApiException unknown(String id) {
    return ApiException.notFound("no connection " + id);
  }

  /** Cloudflare refused what the user gave us: their input is wrong, so 400 with Cloudflare's reason. */
  private static Throwable refused(Throwable err) {
    if (err instanceof CloudflareException cf) {
      return switch (cf.kind()) {
        case UNAUTHORIZED, FORBIDDEN, NOT_FOUND, BAD_REQUEST ->
          new ApiException(400, "Cloudflare refused the connection", "Cloudflare refused: " + cf.getMessage(),
            List.of(new ApiException.FieldError(cf.kind() == CloudflareException.Kind.NOT_FOUND ? "workerName"
              : "apiToken",
              cf.getMessage())), null);
        default -> upstream(err);
      };
    }
    return err;
  }

  /** Cloudflare failed or refused a call made for a stored connection: 502 with its reason. */
  public static Throwable upstream(Throwable err) {
    if (err instanceof CloudflareException cf) {
      return ApiException.badGateway("Cloudflare: " + cf.getMessage());
    }
    return err;
  }

  private static Throwable duplicate(Throwable err, String accountId, String workerName) {
    if (err instanceof PgException pg && "23505".equals(pg.getSqlState())) {
      return ApiException.conflict("a connection to Worker " + workerName + " of account " + accountId
        + " already exists");
    }
    return err;
  }

  private static String field(JsonObject body, String name, Pattern pattern, String rule,
                              List<ApiException.FieldError> errors) {
    Object value = body.getValue(name);
    if (!(value instanceof String text) || !pattern.matcher(text).matches()) {
      errors.add(new ApiException.FieldError(name, value == null ? "is required; it " + rule : rule));
      return null;
    }
    return text;
  }

  private static String token(JsonObject body, boolean required, List<ApiException.FieldError> errors) {
    Object value = body.getValue("apiToken");
    if (value == null && !required) {
      return null;
    }
    if (!(value instanceof String token) || token.isBlank()) {
      errors.add(new ApiException.FieldError("apiToken", "is required and must be a string"));
      return null;
    }
    if (token.length() < TOKEN_MIN || token.length() > TOKEN_MAX || !token.chars().allMatch(c -> c > 32 && c < 127)) {
      errors.add(new ApiException.FieldError("apiToken", "must be " + TOKEN_MIN + " to " + TOKEN_MAX
        + " printable characters without spaces"));
      return null;
    }
    return token;
  }

  private static String optionalName(JsonObject body, List<ApiException.FieldError> errors) {
    Object value = body.getValue("name");
    if (value == null) {
      return null;
    }
    if (!(value instanceof String name) || name.isBlank() || name.length() > NAME_MAX) {
      errors.add(
        new ApiException.FieldError("name", "must be a non-empty string of at most " + NAME_MAX + " characters"));
      return null;
    }
    return name.trim();
  }
}
