package dev.hmd.notify;

import dev.hmd.bus.Kicks;
import dev.hmd.connections.ConnectionRepository;
import dev.hmd.db.Ids;
import dev.hmd.http.ApiException;
import dev.hmd.http.Json;
import dev.hmd.http.OutboundUrls;
import dev.hmd.http.Pagination;
import dev.hmd.tenancy.AuditLog;
import dev.hmd.tenancy.Principal;
import dev.hmd.tenancy.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Webhooks of a connection (admin manages them) and their deliveries (any role reads them). The
 * signing secret is in the creation's answer and nowhere else, ever.
 */
public final class WebhooksApi {

  /** Webhooks per connection: a notification fans out to each, in the release's transaction. */
  public static final int MAX_PER_CONNECTION = 20;

  private final Vertx vertx;
  private final Pool pool;
  private final WebhookRepository webhooks;
  private final DeliveryRepository deliveries;
  private final ConnectionRepository connections;
  private final AuditLog audit;
  private final WebhookSettings settings;

  public WebhooksApi(Vertx vertx, Pool pool, WebhookRepository webhooks, DeliveryRepository deliveries,
                     ConnectionRepository connections, AuditLog audit, WebhookSettings settings) {
    this.vertx = vertx;
    this.pool = pool;
    this.webhooks = webhooks;
    this.deliveries = deliveries;
    this.connections = connections;
    this.audit = audit;
    this.settings = settings;
  }

  /** {@code POST /v1/connections/{id}/webhooks {url, events?}}: 201 with the secret, shown once. */
  public void create(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String connectionId = ctx.pathParam("id");
    JsonObject body = Json.body(ctx);
    List<ApiException.FieldError> errors = new ArrayList<>();
    String url = url(body, errors);
    List<String> events = events(body, errors);
    if (!errors.isEmpty()) {
      throw ApiException.invalid(errors);
    }
    String id = Ids.newId("wh");
    String secret = Signatures.newSecret();
    connections.get(principal.tenantId(), connectionId)
      .map(found -> found.orElseThrow(() -> unknownConnection(connectionId)))
      .compose(c -> publicOnly(url))
      .compose(v -> pool.withTransaction(tx -> webhooks.count(tx, principal.tenantId(), connectionId)
        .compose(n -> n >= MAX_PER_CONNECTION
          ? Future.failedFuture(ApiException.conflict("connection " + connectionId + " has " + n
            + " webhooks already, the most it may have; delete one first"))
          : webhooks.insert(tx, id, principal.tenantId(), connectionId, url, events, secret))
        .compose(w -> audit.record(tx, principal, "webhook.create", "webhook", id, new JsonObject()
          .put("connectionId", connectionId).put("origin", OutboundUrls.origin(url))
            .put("events", new JsonArray(events)))
          .map(w))))
      .onSuccess(w -> ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json")
        .putHeader("Location", "/v1/webhooks/" + w.id())
        .end(w.toJson(true).put("secret", secret).encode()))
      .onFailure(ctx::fail);
  }

  /** {@code GET /v1/connections/{id}/webhooks}: without secrets; below admin, URLs show only their origin. */
  public void list(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String connectionId = ctx.pathParam("id");
    boolean fullUrls = principal.role().includes(Role.ADMIN);
    connections.get(principal.tenantId(), connectionId)
      .map(found -> found.orElseThrow(() -> unknownConnection(connectionId)))
      .compose(c -> webhooks.list(principal.tenantId(), connectionId))
      .onSuccess(items -> {
        JsonArray array = new JsonArray();
        items.forEach(w -> array.add(w.toJson(fullUrls)));
        ctx.json(new JsonObject().put("items", array));
      })
      .onFailure(ctx::fail);
  }

  /** {@code DELETE /v1/webhooks/{id}}: its pending deliveries go with it. */
  public void delete(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String id = ctx.pathParam("id");
    pool.withTransaction(tx -> webhooks.delete(tx, principal.tenantId(), id)
        .compose(deleted -> deleted
          ? audit.record(tx, principal, "webhook.delete", "webhook", id, null)
          : Future.failedFuture(unknown(id))))
      .onSuccess(v -> ctx.response().setStatusCode(204).end())
      .onFailure(ctx::fail);
  }

  /** {@code GET /v1/webhooks/{id}/deliveries?limit=&cursor=}: newest first. */
  public void deliveries(RoutingContext ctx) {
    String tenantId = Principal.of(ctx).tenantId();
    String id = ctx.pathParam("id");
    int limit = Pagination.limit(ctx);
    Long before = Pagination.longCursor(ctx);
    webhooks.get(tenantId, id)
      .map(found -> found.orElseThrow(() -> unknown(id)))
      .compose(w -> deliveries.list(tenantId, id, before, limit + 1))
      .onSuccess(list -> {
        JsonArray items = new JsonArray();
        list.stream().limit(limit).forEach(d -> items.add(d.toJson()));
        String next = list.size() > limit ? String.valueOf(list.get(limit - 1).seq()) : null;
        ctx.json(new JsonObject().put("items", items).put("nextCursor", next));
      })
      .onFailure(ctx::fail);
  }

  /**
   * {@code POST /v1/webhooks/{id}/test}: enqueues a {@code ping}; 202 with its delivery, to follow in the deliveries.
   */
  public void test(RoutingContext ctx) {
    Principal principal = Principal.of(ctx);
    String id = ctx.pathParam("id");
    // no body is needed, but one that is there must be a JSON object, as everywhere
    Json.optionalBody(ctx);
    webhooks.get(principal.tenantId(), id)
      .map(found -> found.orElseThrow(() -> unknown(id)))
      .compose(w -> connections.get(principal.tenantId(), w.connectionId()).compose(c -> {
        String worker = c.map(ConnectionRepository.Connection::workerName).orElse(w.connectionId());
        JsonObject payload = new JsonObject().put("text", NotificationText.ping(id, worker))
          .put("event", WebhookEvent.PING.wireName()).putNull("release")
          .put("webhook", new JsonObject().put("id", id).put("connectionId", w.connectionId()));
        return pool.withTransaction(tx -> DeliveryRepository.enqueuePing(tx, principal.tenantId(), id, payload)
          .compose(d -> audit.record(tx, principal, "webhook.test", "webhook", id, null).map(d)));
      }))
      .onSuccess(d -> {
        Kicks.notifier(vertx, principal.tenantId());
        ctx.response().setStatusCode(202).putHeader("Content-Type", "application/json").end(d.toJson().encode());
      })
      .onFailure(ctx::fail);
  }

  /** With {@code HMD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES=false}, a URL whose host is not public is a 400. */
  private Future<Void> publicOnly(String url) {
    if (settings.allowPrivate()) {
      return Future.succeededFuture();
    }
    return OutboundUrls.notPublic(vertx, url).compose(problem -> problem.isEmpty() ? Future.succeededFuture()
      : Future.failedFuture(ApiException.invalid("url", problem.get())));
  }

  private static String url(JsonObject body, List<ApiException.FieldError> errors) {
    Object value = body.getValue("url");
    if (!(value instanceof String url) || url.isBlank()) {
      errors.add(new ApiException.FieldError("url", "is required and must be an http or https URL"));
      return null;
    }
    String problem = OutboundUrls.problem(url.trim()).orElse(null);
    if (problem != null) {
      errors.add(new ApiException.FieldError("url", problem));
      return null;
    }
    return url.trim();
  }

  /** Absent or null: every release event. Otherwise a non-empty list of them, duplicates dropped. */
  private static List<String> events(JsonObject body, List<ApiException.FieldError> errors) {
    Object value = body.getValue("events");
    if (value == null) {
      return WebhookEvent.RELEASE_EVENTS.stream().map(WebhookEvent::wireName).toList();
    }
    String rule = "must be a non-empty list of " + String.join(", ",
      WebhookEvent.RELEASE_EVENTS.stream().map(WebhookEvent::wireName).toList());
    if (!(value instanceof JsonArray array) || array.isEmpty()) {
      errors.add(new ApiException.FieldError("events", rule));
      return null;
    }
    Set<String> events = new LinkedHashSet<>();
    for (int i = 0; i < array.size(); i++) {
      Object item = array.getValue(i);
      boolean known = item instanceof String name && WebhookEvent.fromWireName(name)
        .filter(WebhookEvent.RELEASE_EVENTS::contains).isPresent();
      if (!known) {
        errors.add(new ApiException.FieldError("events[" + i + "]", rule));
        continue;
      }
      events.add((String) item);
    }
    return List.copyOf(events);
  }

  static ApiException unknown(String id) {
    return ApiException.notFound("no webhook " + id);
  }

  private static ApiException unknownConnection(String id) {
    return ApiException.notFound("no connection " + id);
  }
}
