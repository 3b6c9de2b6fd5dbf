package dev.hmd.tenancy;

import dev.hmd.db.Ids;
import dev.hmd.http.ApiException;
import dev.hmd.http.Json;
import dev.hmd.http.Pagination;
import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.Optional;

/** Tenants (platform admin), API keys, dashboard sessions and the audit log. */
public final class TenancyApi {

  private static final int NAME_MAX = 200;
  private static final String ADMIN_ACTOR = "platform-admin";

  private final Pool pool;
  private final TenantRepository tenants;
  private final AuditLog audit;
  private final Authenticator auth;
  private final Sessions sessions;
  private final int maxKeys;

  public TenancyApi(Pool pool, TenantRepository tenants, AuditLog audit, Authenticator auth, Sessions sessions,
                    int maxKeys) {
    this.pool = pool;
    this.tenants = tenants;
    this.audit = audit;
    this.auth = auth;
    this.sessions = sessions;
    this.maxKeys = maxKeys;
  }

  /** {@code POST /v1/admin/tenants {name}}: a tenant and its first admin key, shown once. */
  public void createTenant(RoutingContext ctx) {
    String name = Json.requiredText(Json.body(ctx), "name", NAME_MAX);
    String tenantId = Ids.newId("t");
    String keyId = Ids.newId("k");
    String key = ApiKeys.newKey();
    pool.withTransaction(tx -> tenants.insertTenant(tx, tenantId, name)
        .compose(created -> tenants.insertKey(tx, keyId, tenantId, "admin", Role.ADMIN, ApiKeys.hash(key)))
        .compose(k -> audit.record(tx, tenantId, null, ADMIN_ACTOR, "tenant.create", "tenant", tenantId,
          new JsonObject().put("name", name)).map(k)))
      .onSuccess(k -> ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json")
        .end(new JsonObject()
          .put("tenant", new JsonObject().put("id", tenantId).put("name", name))
          .put("apiKey", new JsonObject().put("id", k.id()).put("name", k.name()).put("role", k.role().wireName())
            .put("key", key).put("createdAt", Json.time(k.createdAt())))
          .encode()))
      .onFailure(ctx::fail);
  }

  /** {@code GET /v1/admin/tenants}. */
  public void listTenants(RoutingContext ctx) {
    tenants.listTenants()
      .onSuccess(items -> ctx.json(new JsonObject().put("items", new JsonArray(items))))
      .onFailure(ctx::fail);
  }

  /**
   * {@code POST /v1/api-keys {name, role}}: the key is in this answer and nowhere else, ever. A
   * tenant has at most {@code HMD_MAX_KEYS_PER_TENANT} active keys (409 beyond).
   */
  public void createKey(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    JsonObject body = Json.body(ctx);
    String name = Json.requiredText(body, "name", NAME_MAX);
    Object rawRole = body.getValue("role");
    Role role = rawRole instanceof String r ? Role.parse(r).orElse(null) : null;
    if (role == null) {
      throw ApiException.invalid("role", "must be one of viewer, operator, admin");
    }
    String keyId = Ids.newId("k");
    String key = ApiKeys.newKey();
    pool.withTransaction(tx -> tenants.lockAndCountActiveKeys(tx, principal.tenantId())
        .compose(n -> n >= maxKeys
          ? Future.failedFuture(ApiException.conflict("the tenant has " + n + " active API keys, the most it may have; "
            + "revoke one first"))
          : tenants.insertKey(tx, keyId, principal.tenantId(), name, role, ApiKeys.hash(key)))
        .compose(k -> audit.record(tx, principal, "api_key.create", "api_key", keyId,
          new JsonObject().put("name", name).put("role", role.wireName())).map(k)))
      .onSuccess(k -> ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json")
        .end(k.toJson().put("key", key).encode()))
      .onFailure(ctx::fail);
  }

  /** {@code GET /v1/api-keys}: never the keys themselves. */
  public void listKeys(RoutingContext ctx) {
    tenants.listKeys(Principal.of(ctx).tenantId())
      .onSuccess(keys -> {
        JsonArray items = new JsonArray();
        keys.forEach(k -> items.add(k.toJson()));
        ctx.json(new JsonObject().put("items", items));
      })
      .onFailure(ctx::fail);
  }

  /**
   * {@code DELETE /v1/api-keys/{id}}: the key, its sessions and its event streams stop working at
   * once, on every process. The tenant's last active admin key cannot go (409): nobody could
   * manage the tenant's keys and connections any more.
   */
  public void revokeKey(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String keyId = ctx.pathParam("id");
    pool.withTransaction(tx -> tenants.lockActiveAdmins(tx, principal.tenantId())
        .compose(admins -> admins.size() == 1 && admins.contains(keyId)
          ? Future.failedFuture(ApiException.conflict("this is the tenant's last active admin key; create another "
            + "admin key before revoking it"))
          : tenants.revokeKey(tx, principal.tenantId(), keyId))
        .compose(found -> found.isEmpty()
          ? Future.<Void>failedFuture(ApiException.notFound("no API key " + keyId))
          : audit.record(tx, principal, "api_key.revoke", "api_key", keyId,
            new JsonObject().put("name", found.get().name()))))
      .onSuccess(v -> {
        // other processes hear of it from the notification the revocation sent
        auth.revoked(keyId);
        ctx.response().setStatusCode(204).end();
      })
      .onFailure(ctx::fail);
  }

  /** {@code POST /v1/session {apiKey}}: sets the session cookie. */
  public void signIn(RoutingContext ctx) {
    Object key = Json.body(ctx).getValue("apiKey");
    if (!(key instanceof String apiKey) || apiKey.isBlank()) {
      throw ApiException.invalid("apiKey", "is required and must be a string");
    }
    auth.signIn(ctx, apiKey)
      .onSuccess(p -> ctx.response()
        .addCookie(sessions.issue(p.tenantId(), p.keyId(), p.sessionGeneration(), isSecure(ctx)))
        .setStatusCode(204).end())
      .onFailure(ctx::fail);
  }

  /**
   * {@code DELETE /v1/session}: ends the session on the server, then clears the cookie. Ending it
   * moves the key to its next generation of sessions, so every session made from that key ends,
   * here and on every process (its event streams too); a cookie that does not verify has nothing
   * to end, and is cleared all the same.
   */
  public void signOut(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(Sessions.COOKIE);
    Future<Optional<Sessions.Claims>> claims = cookie == null || cookie.getValue().isEmpty()
      ? Future.succeededFuture(Optional.empty())
      : auth.sessionClaims(cookie.getValue()).map(Optional::of)
        .recover(err -> Future.succeededFuture(Optional.empty()));
    claims
      .compose(c -> c.isEmpty() ? Future.succeededFuture(false)
        : pool.withTransaction(tx -> tenants.endSessions(tx, c.get().tenantId(), c.get().keyId(), c.get().generation()))
          .onSuccess(ended -> {
            if (ended) {
              // other processes hear of it from the notification the change sent
              auth.revoked(c.get().keyId());
            }
          }))
      .onSuccess(v -> ctx.response().addCookie(Sessions.cleared(isSecure(ctx))).setStatusCode(204).end())
      .onFailure(ctx::fail);
  }

  /** {@code GET /v1/session}: who the caller is, for the dashboard. */
  public void whoAmI(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    ctx.json(new JsonObject()
      .put("tenantId", p.tenantId())
      .put("key", new JsonObject().put("id", p.keyId()).put("name", p.keyName()).put("role", p.role().wireName()))
      .put("viaSession", p.viaSession()));
  }

  /** {@code GET /v1/audit?limit=&cursor=}. */
  public void listAudit(RoutingContext ctx) {
    int limit = Pagination.limit(ctx);
    Long cursor = Pagination.longCursor(ctx);
    audit.list(Principal.of(ctx).tenantId(), cursor, limit)
      .onSuccess(ctx::json)
      .onFailure(ctx::fail);
  }

  private static boolean isSecure(RoutingContext ctx) {
    return ctx.request().isSSL() || "https".equalsIgnoreCase(ctx.request().getHeader("X-Forwarded-Proto"));
  }
}
