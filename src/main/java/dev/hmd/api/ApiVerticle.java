package dev.hmd.api;

import dev.hmd.cloudflare.CloudflareClient;
import dev.hmd.config.Config;
import dev.hmd.connections.ConnectionRepository;
import dev.hmd.connections.ConnectionsApi;
import dev.hmd.connections.PlanRepository;
import dev.hmd.connections.PlansApi;
import dev.hmd.db.Database;
import dev.hmd.db.DatabaseUrl;
import dev.hmd.events.EventHub;
import dev.hmd.events.EventLog;
import dev.hmd.events.NotifiedCache;
import dev.hmd.http.ApiException;
import dev.hmd.http.InputFilter;
import dev.hmd.http.Problems;
import dev.hmd.http.SecurityHeaders;
import dev.hmd.notify.DeliveryRepository;
import dev.hmd.notify.WebhookRepository;
import dev.hmd.notify.WebhookSettings;
import dev.hmd.notify.WebhooksApi;
import dev.hmd.releases.CheckRepository;
import dev.hmd.releases.Releases;
import dev.hmd.releases.ReleasesApi;
import dev.hmd.secrets.Secrets;
import dev.hmd.tenancy.AuditLog;
import dev.hmd.tenancy.AuthFailureLimiter;
import dev.hmd.tenancy.Authenticator;
import dev.hmd.tenancy.KeyRateLimiter;
import dev.hmd.tenancy.Role;
import dev.hmd.tenancy.Sessions;
import dev.hmd.tenancy.TenancyApi;
import dev.hmd.tenancy.TenantRepository;
import static dev.hmd.tenancy.Authenticator.require;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The HTTP face of the service: REST, SSE, the dashboard, health and metrics. */
public final class ApiVerticle extends VerticleBase {

  /** Large enough for any plan; anything bigger is a mistake or an attack. */
  public static final long BODY_LIMIT_BYTES = 64 * 1024;

  private final Config config;
  private final Pool pool;
  private final PrometheusMeterRegistry registry;
  private final String schemaVersion;
  private final Secrets secrets;
  private final CloudflareClient cloudflare;
  private final DatabaseUrl databaseUrl;
  private final Releases releases;
  private HttpServer server;
  private EventHub hub;
  private EventStreamsApi streams;
  private Router router;
  private ConnectionGuard guard;

  public ApiVerticle(Config config, Pool pool, PrometheusMeterRegistry registry, String schemaVersion, Secrets secrets,
                     CloudflareClient cloudflare, DatabaseUrl databaseUrl, Releases releases) {
    this.config = config;
    this.pool = pool;
    this.registry = registry;
    this.schemaVersion = schemaVersion;
    this.secrets = secrets;
    this.cloudflare = cloudflare;
    this.databaseUrl = databaseUrl;
    this.releases = releases;
  }

  @Override
  public Future<?> start() {
    TenantRepository tenantRepository = new TenantRepository(pool);
    AuditLog audit = new AuditLog(pool);
    Sessions sessions = new Sessions(vertx, secrets.jwtSecret(), config.sessionTtl());
    EventLog eventLog = new EventLog(pool);
    hub = new EventHub(vertx, eventLog, databaseUrl.connectOptions());
    NotifiedCache<TenantRepository.KeyRecord> keys = new NotifiedCache<>("api_key", hub::listening, registry);
    NotifiedCache<Buffer> views = new NotifiedCache<>("release", hub::listening, registry);
    hub.changes(new EventHub.Changes() {
      @Override
      public void tenantChanged(String tenantId) {
        views.invalidate(tenantId);
      }

      @Override
      public void keyRevoked(String keyId) {
        keys.invalidate(keyId);
        streams.keyChanged(keyId);
      }

      @Override
      public void resynced() {
        keys.clear();
        views.clear();
        // a revocation may have gone unheard while the connection was down
        streams.recheckAll();
      }
    });
    Authenticator auth = new Authenticator(tenantRepository, sessions, new KeyRateLimiter(config.rateLimitPerMinute()),
      new AuthFailureLimiter(config.authFailuresPerMinute()), config.adminToken(), keys);
    TenancyApi tenancy = new TenancyApi(pool, tenantRepository, audit, auth, sessions, config.maxKeysPerTenant());
    ConnectionRepository connectionRepository = new ConnectionRepository(pool, secrets.cipher());
    ConnectionsApi connections = new ConnectionsApi(pool, connectionRepository, audit, cloudflare);
    PlanRepository planRepository = new PlanRepository(pool);
    PlansApi plans = new PlansApi(pool, connectionRepository, planRepository, audit);
    ReleasesApi releasesApi = new ReleasesApi(vertx, pool, connectionRepository, planRepository, releases,
      new CheckRepository(pool), audit, cloudflare, views);
    WebhooksApi webhooks = new WebhooksApi(vertx, pool, new WebhookRepository(pool, secrets.cipher()),
      new DeliveryRepository(pool), connectionRepository, audit, WebhookSettings.from(config));
    streams = new EventStreamsApi(vertx, config.sseHeartbeat(), eventLog, hub, releases.repository(), registry,
      config.maxStreamsPerKey(), config.maxStreamsPerTenant(), tenantRepository::activeSessionGenerations);

    guard = new ConnectionGuard(vertx, config.httpReadTimeout(), config.httpIdleTimeout(),
      config.maxConnectionsPerAddress(), registry);
    router = Router.router(vertx);
    router.route().handler(guard::route);
    SecurityHeaders.install(router);
    router.route().handler(InputFilter::request);
    router.get("/health/live").handler(this::live);
    router.get("/health/ready").handler(this::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    Buffer openapi = classpathResource("openapi.yaml");
    router.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml").end(openapi));

    // the media type is checked before the body is read (a route takes its body handler first, hence two)
    router.route("/v1/*").handler(InputFilter::mediaType);
    router.route("/v1/*").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT_BYTES)).handler(InputFilter::body);
    Handler<RoutingContext> viewer = require(Role.VIEWER);
    Handler<RoutingContext> admin = require(Role.ADMIN);

    router.post("/v1/admin/tenants").handler(auth::authenticateAdmin).handler(tenancy::createTenant);
    router.get("/v1/admin/tenants").handler(auth::authenticateAdmin).handler(tenancy::listTenants);

    router.post("/v1/session").handler(tenancy::signIn);
    router.delete("/v1/session").handler(tenancy::signOut);

    // everything below needs a tenant's key or session
    router.route("/v1/*").handler(auth::authenticate);
    router.get("/v1/session").handler(viewer).handler(tenancy::whoAmI);

    router.post("/v1/api-keys").handler(admin).handler(tenancy::createKey);
    router.get("/v1/api-keys").handler(admin).handler(tenancy::listKeys);
    router.delete("/v1/api-keys/:id").handler(admin).handler(tenancy::revokeKey);
    router.get("/v1/audit").handler(admin).handler(tenancy::listAudit);

    router.post("/v1/connections").handler(admin).handler(connections::create);
    router.get("/v1/connections").handler(viewer).handler(connections::list);
    router.get("/v1/connections/:id").handler(viewer).handler(connections::get);
    router.patch("/v1/connections/:id").handler(admin).handler(connections::update);
    router.delete("/v1/connections/:id").handler(admin).handler(connections::delete);
    router.get("/v1/connections/:id/versions").handler(viewer).handler(connections::versions);
    router.get("/v1/connections/:id/deployment").handler(viewer).handler(connections::deployment);

    router.get("/v1/connections/:id/plan").handler(viewer).handler(plans::get);
    router.put("/v1/connections/:id/plan").handler(require(Role.OPERATOR)).handler(plans::put);

    router.post("/v1/connections/:id/webhooks").handler(admin).handler(webhooks::create);
    router.get("/v1/connections/:id/webhooks").handler(viewer).handler(webhooks::list);
    router.delete("/v1/webhooks/:id").handler(admin).handler(webhooks::delete);
    router.get("/v1/webhooks/:id/deliveries").handler(viewer).handler(webhooks::deliveries);
    router.post("/v1/webhooks/:id/test").handler(admin).handler(webhooks::test);


    Handler<RoutingContext> operator = require(Role.OPERATOR);
    router.post("/v1/connections/:id/releases").handler(operator).handler(releasesApi::create);
    router.get("/v1/releases").handler(viewer).handler(releasesApi::list);
    router.get("/v1/releases/:id").handler(viewer).handler(releasesApi::get);
    router.get("/v1/releases/:id/checks").handler(viewer).handler(releasesApi::checks);
    router.post("/v1/releases/:id/approve").handler(operator).handler(releasesApi::approve);
    router.post("/v1/releases/:id/deny").handler(operator).handler(releasesApi::deny);
    router.post("/v1/releases/:id/cancel").handler(operator).handler(releasesApi::cancel);

    router.get("/v1/events").handler(viewer).handler(streams::tenantStream);
    router.get("/v1/releases/:id/events").handler(viewer).handler(streams::releaseStream);

    // the dashboard's files keep their names across versions: browsers must revalidate, not keep them a day
    router.route("/*").method(HttpMethod.GET).method(HttpMethod.HEAD)
      .handler(ctx -> {
        ctx.response().putHeader("Cache-Control", "no-cache");
        ctx.next();
      })
      .handler(StaticHandler.create("webroot").setCachingEnabled(false));

    router.route().failureHandler(Problems::handle);
    for (int status : Problems.ROUTER_STATUSES) {
      router.errorHandler(status, Problems::handle);
    }
    return hub.start()
      .compose(v -> vertx.createHttpServer(new HttpServerOptions()
          // HTTP/1.1 only: the h2c upgrade check holds a connection back from the connection handler until a
          // whole request head has come, which is what the read deadline must not wait for
          .setHttp2ClearTextEnabled(false)
          // nothing read or written this long: closed (an event stream's heartbeat is writing)
          .setIdleTimeout((int) config.httpIdleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectionHandler(guard::connected)
        .requestHandler(guard.requests(router))
        // requests the HTTP decoder refused (a request line or headers too long, a malformed header) never reach the router
        .invalidRequestHandler(Problems::invalidRequest)
        .listen(config.httpPort()))
      .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    streams.closeAll();
    return hub.stop();
  }

  /** The port actually bound (useful when configured with 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** Every route of the router, in order (the OpenAPI tests compare them with the document). */
  public List<Route> routes() {
    return router.getRoutes();
  }

  private void live(RoutingContext ctx) {
    ctx.json(new JsonObject().put("status", "up"));
  }

  /** 200 when the database answers with our schema; otherwise a 503 problem, as every failure is. */
  private void ready(RoutingContext ctx) {
    Database.ready(pool, schemaVersion)
      .recover(err -> Future.succeededFuture(false))
      .onSuccess(ok -> {
        JsonObject body = ok
          ? new JsonObject().put("status", "ready")
          : new ApiException(503, "Service Unavailable", "the database is down or its schema is behind this build",
            java.util.List.of(), null).toJson();
        body.put("database", ok ? "up" : "down or schema behind").put("schemaVersion", schemaVersion);
        ctx.response().setStatusCode(ok ? 200 : 503)
          .putHeader("Content-Type", ok ? "application/json" : Problems.CONTENT_TYPE)
          .end(body.encode());
      });
  }

  private static Buffer classpathResource(String name) {
    try (var in = ApiVerticle.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the classpath");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
