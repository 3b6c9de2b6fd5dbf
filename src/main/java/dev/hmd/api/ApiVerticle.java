package dev.hmd.api;

import static dev.hmd.tenancy.Authenticator.require;

import dev.hmd.connections.ConnectionsApi;
import dev.hmd.connections.PlansApi;
import dev.hmd.controls.GateSecretsApi;
import dev.hmd.events.ChangeFeed;
import dev.hmd.events.EventHub;
import dev.hmd.events.EventLog;
import dev.hmd.http.InputFilter;
import dev.hmd.http.Problems;
import dev.hmd.http.SecurityHeaders;
import dev.hmd.notify.WebhooksApi;
import dev.hmd.releases.ReleaseRepository;
import dev.hmd.releases.ReleasesApi;
import dev.hmd.tenancy.Authenticator;
import dev.hmd.tenancy.Role;
import dev.hmd.tenancy.TenancyApi;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The HTTP face of the service: REST, SSE, the dashboard, health and metrics. Deployed once per
 * event loop: the handlers are shared (they keep no state of their own, or only thread-safe state),
 * and each instance has its own router, SSE streams and {@link EventHub}, fed by the process's one
 * {@link ChangeFeed}.
 */
public final class ApiVerticle extends VerticleBase {

  /** Large enough for any plan; anything bigger is a mistake or an attack. */
  public static final long BODY_LIMIT_BYTES = 64 * 1024;

  /** What every instance serves with, built once by the service. */
  public record Handlers(Health health, Authenticator auth, TenancyApi tenancy, ConnectionsApi connections,
                         PlansApi plans, ReleasesApi releases, WebhooksApi webhooks, Streams streams,
                         GateSecretsApi gateSecrets, Network network, PrometheusMeterRegistry registry) {
  }

  /**
   * What the SSE streams of each instance are made of; the meters and the limits count for the
   * process. {@code activeKeys} answers, of some key ids, the active ones with their session
   * generation: what a stream's credentials must still match.
   */
  public record Streams(EventLog log, ReleaseRepository releases, ChangeFeed changes, EventStreamsApi.Meters meters,
                        EventStreamsApi.Limits limits, Duration heartbeat,
                        Function<Collection<String>, Future<Map<String, Integer>>> activeKeys) {
  }

  /** How long a connection may idle or take to send a request, and how many one address may hold (0: any). */
  public record Network(Duration idleTimeout, Duration readTimeout, int maxPerAddress,
                        Map<String, Integer> openPerAddress) {
    public static Network of(Duration idleTimeout, Duration readTimeout, int maxPerAddress) {
      return new Network(idleTimeout, readTimeout, maxPerAddress, new ConcurrentHashMap<>());
    }
  }

  private final Handlers handlers;
  private final int port;
  private HttpServer server;
  private EventHub hub;
  private EventStreamsApi streams;
  private Runnable unlisten = () -> { };
  private Runnable unresync = () -> { };

  /** An instance listening on {@code port} (0: any free port; instances listening on one port share it). */
  public ApiVerticle(Handlers handlers, int port) {
    this.handlers = handlers;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    Streams s = handlers.streams();
    hub = new EventHub(vertx, s.log(), s.changes());
    streams = streams(vertx, s, hub);
    // a revoked key (or ended session) ends its streams here; after a reconnect, every stream's key is checked
    Context context = vertx.getOrCreateContext();
    unlisten = s.changes()
      .listen(ChangeFeed.KEYS_CHANNEL, keyId -> context.runOnContext(v -> streams.keyChanged(keyId)));
    unresync = s.changes().onResync(() -> context.runOnContext(v -> streams.recheckAll()));
    Network c = handlers.network();
    ConnectionGuard guard = new ConnectionGuard(vertx, c.readTimeout(), c.idleTimeout(), c.maxPerAddress(),
      c.openPerAddress(), handlers.registry());
    guard.start();
    Router router = router(vertx, handlers, streams, guard);
    return hub.start()
      .compose(v -> vertx.createHttpServer(new HttpServerOptions()
          // HTTP/1.1 only: the h2c upgrade check holds a connection back from the connection handler until a
          // whole request head has come, which is what the read deadline must not wait for
          .setHttp2ClearTextEnabled(false)
          // nothing read or written this long: closed (an event stream's heartbeat is writing)
          .setIdleTimeout((int) c.idleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectionHandler(guard::connected)
        .requestHandler(guard.requests(router))
        // requests the HTTP decoder refused (a request line or headers too long, a malformed header) never reach the
        // router
        .invalidRequestHandler(Problems::invalidRequest)
        .listen(port))
      .onSuccess(listening -> server = listening);
  }

  private static EventStreamsApi streams(Vertx vertx, Streams s, EventHub hub) {
    return new EventStreamsApi(vertx, s.heartbeat(), s.log(), hub, s.releases(), s.meters(), s.limits(),
      s.activeKeys());
  }

  /** The route table, which reads like the API. */
  static Router router(Vertx vertx, Handlers handlers, EventStreamsApi streams, ConnectionGuard guard) {
    Health health = handlers.health();
    Authenticator auth = handlers.auth();
    TenancyApi tenancy = handlers.tenancy();
    ConnectionsApi connections = handlers.connections();
    PlansApi plans = handlers.plans();
    ReleasesApi releasesApi = handlers.releases();
    WebhooksApi webhooks = handlers.webhooks();
    PrometheusMeterRegistry registry = handlers.registry();

    Router router = Router.router(vertx);
    router.route().handler(guard::route);
    SecurityHeaders.install(router);
    router.route().handler(InputFilter::request);
    router.get("/health/live").handler(health::live);
    router.get("/health/ready").handler(health::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    Buffer openapi = classpathResource("openapi.yaml");
    router.get("/openapi.yaml")
      .handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml").end(openapi));

    // the media type is checked before the body is read (a route takes its body handler first, hence two)
    router.route("/v1/*").handler(InputFilter::mediaType);
    // a GET's (or a HEAD's) body is never read, nor buffered
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(BODY_LIMIT_BYTES);
    router.route("/v1/*").handler(ctx -> {
      HttpMethod method = ctx.request().method();
      if (method == HttpMethod.GET || method == HttpMethod.HEAD) {
        ctx.next();
      } else {
        bodies.handle(ctx);
      }
    }).handler(InputFilter::body);
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
    router.post("/v1/connections/:id/gate-secret").handler(admin).handler(handlers.gateSecrets()::create);

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
    router.post("/v1/releases/:id/pause").handler(operator).handler(releasesApi::pause);
    router.post("/v1/releases/:id/resume").handler(operator).handler(releasesApi::resume);
    router.post("/v1/releases/:id/promote").handler(operator).handler(releasesApi::promote);
    router.post("/v1/releases/:id/revert").handler(operator).handler(releasesApi::revert);

    router.get("/v1/events").handler(viewer).handler(streams::tenantStream);
    router.get("/v1/releases/:id/events").handler(viewer).handler(streams::releaseStream);

    // the dashboard's files keep their names across versions: browsers must revalidate, not keep them a day
    router.route("/*").method(HttpMethod.GET).method(HttpMethod.HEAD)
      .handler(ctx -> {
        ctx.response().putHeader("Cache-Control", "no-cache");
        ctx.next();
      })
      .handler(StaticHandler.create("webroot").setCachingEnabled(false));

    router.route().failureHandler(Problems.handler(registry));
    for (int status : Problems.ROUTER_STATUSES) {
      router.errorHandler(status, Problems::handle);
    }
    return router;
  }

  /** Every route, in order, as an instance serves them (the OpenAPI tests compare them with the document). */
  public static List<Route> routes(Vertx vertx, Handlers handlers) {
    Streams s = handlers.streams();
    Network c = handlers.network();
    EventStreamsApi streams = streams(vertx, s, new EventHub(vertx, s.log(), s.changes()));
    ConnectionGuard guard = new ConnectionGuard(vertx, c.readTimeout(), c.idleTimeout(), c.maxPerAddress(),
      c.openPerAddress(), handlers.registry());
    List<Route> routes = router(vertx, handlers, streams, guard).getRoutes();
    streams.closeAll();
    return routes;
  }

  @Override
  public Future<?> stop() {
    unlisten.run();
    unresync.run();
    streams.closeAll();
    return hub.stop();
  }

  /** The port actually bound (useful when configured with 0). */
  public int actualPort() {
    return server.actualPort();
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
