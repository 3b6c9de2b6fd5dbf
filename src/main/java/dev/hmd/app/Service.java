package dev.hmd.app;

import dev.hmd.api.ApiVerticle;
import dev.hmd.api.EventStreamsApi;
import dev.hmd.api.Health;
import dev.hmd.bus.LocalCodec;
import dev.hmd.cloudflare.CloudflareClient;
import dev.hmd.cloudflare.CloudflareClientOptions;
import dev.hmd.config.Config;
import dev.hmd.connections.ConnectionRepository;
import dev.hmd.connections.ConnectionTokens;
import dev.hmd.connections.ConnectionsApi;
import dev.hmd.connections.PlanRepository;
import dev.hmd.connections.PlansApi;
import dev.hmd.controls.ControlSettings;
import dev.hmd.controls.ControlsVerticle;
import dev.hmd.controls.GateSecrets;
import dev.hmd.controls.GateSecretsApi;
import dev.hmd.db.Database;
import dev.hmd.db.DatabaseUrl;
import dev.hmd.db.EmbeddedDatabase;
import dev.hmd.db.Migrations;
import dev.hmd.deploy.DeployerVerticle;
import dev.hmd.events.ChangeFeed;
import dev.hmd.events.EventLog;
import dev.hmd.events.NotifiedCache;
import dev.hmd.notify.DeliveryRepository;
import dev.hmd.notify.Notifications;
import dev.hmd.notify.NotifierVerticle;
import dev.hmd.notify.WebhookRepository;
import dev.hmd.notify.WebhookSettings;
import dev.hmd.notify.WebhooksApi;
import dev.hmd.observe.ObservabilityPollerVerticle;
import dev.hmd.releases.CheckRepository;
import dev.hmd.releases.ReleaseRepository;
import dev.hmd.releases.Releases;
import dev.hmd.releases.ReleasesApi;
import dev.hmd.scheduler.ReleaseSchedulerVerticle;
import dev.hmd.secrets.KeyRotation;
import dev.hmd.secrets.Secrets;
import dev.hmd.tenancy.AuditLog;
import dev.hmd.tenancy.AuthFailureLimiter;
import dev.hmd.tenancy.Authenticator;
import dev.hmd.tenancy.KeyRateLimiter;
import dev.hmd.tenancy.Sessions;
import dev.hmd.tenancy.TenancyApi;
import dev.hmd.tenancy.TenantRepository;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Route;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running service process: database (configured or embedded), migrations, metrics, the
 * event bus and the four verticles, deployed in dependency order. {@code serve}, {@code demo},
 * benchmarks and tests all start it the same way.
 */
public final class Service implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Service.class);
  /** Where {@code serve} keeps the embedded Postgres, under the data directory. */
  public static final String EMBEDDED_DIR = "pg";
  /** The HTTP methods /metrics names; any other is counted as OTHER. */
  private static final Set<String> STANDARD_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE",
    "PATCH", "OPTIONS", "TRACE", "CONNECT");

  private final Config config;
  private final Vertx vertx;
  private final Pool pool;
  private final PrometheusMeterRegistry registry;
  private final Optional<EmbeddedDatabase> embedded;
  private final int httpPort;
  private final ApiVerticle.Handlers handlers;
  private final ChangeFeed changes;
  private final List<String> deployments;

  private Service(Config config, Vertx vertx, Pool pool, PrometheusMeterRegistry registry,
                  Optional<EmbeddedDatabase> embedded, int httpPort, ApiVerticle.Handlers handlers, ChangeFeed changes,
                  List<String> deployments) {
    this.config = config;
    this.vertx = vertx;
    this.pool = pool;
    this.registry = registry;
    this.embedded = embedded;
    this.httpPort = httpPort;
    this.handlers = handlers;
    this.changes = changes;
    this.deployments = List.copyOf(deployments);
  }

  /**
   * The process's parts, each built once and handed to whoever uses it: repositories are
   * stateless over the shared pool, the caches and the rate limiter are thread-safe, so one of
   * each serves every API instance and verticle.
   */
  private static final class Parts {
    final CloudflareClient cloudflare;
    final Releases releases;
    final ConnectionTokens tokens;
    final DeliveryRepository deliveries;
    final WebhookRepository webhooks;
    final GateSecrets gateSecrets;
    final ApiVerticle.Handlers api;

    Parts(Config config, Vertx vertx, Pool pool, PrometheusMeterRegistry registry, Secrets secrets, ChangeFeed changes,
          String schemaVersion) {
      cloudflare = new CloudflareClient(vertx,
        CloudflareClientOptions.defaults().withBaseUrl(config.cloudflareApiBase()),
        registry);
      ReleaseRepository releaseRows = new ReleaseRepository(pool);
      CheckRepository checks = new CheckRepository(pool);
      releases = new Releases(pool, releaseRows, checks, Notifications.HOOK);
      ConnectionRepository connections = new ConnectionRepository(pool, secrets.cipher());
      tokens = new ConnectionTokens(connections);
      deliveries = new DeliveryRepository(pool);
      webhooks = new WebhookRepository(pool, secrets.cipher());
      gateSecrets = new GateSecrets(pool, secrets.cipher());
      TenantRepository tenants = new TenantRepository(pool);
      PlanRepository plans = new PlanRepository(pool);
      AuditLog audit = new AuditLog(pool);
      EventLog eventLog = new EventLog(pool);

      // the API's copies of its hottest reads, kept true by the notifications of every process
      NotifiedCache<TenantRepository.KeyRecord> keys = new NotifiedCache<>("api_key", changes::listening, registry);
      NotifiedCache<Buffer> views = new NotifiedCache<>("release", changes::listening, registry);
      changes.listen(EventLog.CHANNEL, payload -> {
        String tenantId = EventLog.tenantOf(payload);
        if (tenantId != null) {
          views.invalidate(tenantId);
        }
      });
      changes.listen(ChangeFeed.KEYS_CHANNEL, keys::invalidate);
      changes.onResync(() -> {
        keys.clear();
        views.clear();
      });

      Sessions sessions = new Sessions(vertx, secrets.jwtSecret(), config.sessionTtl());
      Authenticator auth = new Authenticator(tenants, sessions, new KeyRateLimiter(config.rateLimitPerMinute()),
        new AuthFailureLimiter(config.authFailuresPerMinute()), config.adminToken(), keys);
      api = new ApiVerticle.Handlers(
        new Health(pool, schemaVersion),
        auth,
        new TenancyApi(pool, tenants, audit, auth, sessions, config.maxKeysPerTenant()),
        new ConnectionsApi(pool, connections, audit, cloudflare),
        new PlansApi(pool, connections, plans, audit, vertx, config.webhookAllowPrivate()),
        new ReleasesApi(vertx, pool, connections, plans, releases, checks, audit, cloudflare, views),
        new WebhooksApi(vertx, pool, webhooks, deliveries, connections, audit, WebhookSettings.from(config)),
        new ApiVerticle.Streams(eventLog, releaseRows, changes, EventStreamsApi.Meters.register(registry),
          new EventStreamsApi.Limits(config.maxStreamsPerKey(), config.maxStreamsPerTenant()), config.sseHeartbeat(),
          tenants::activeSessionGenerations),
        new GateSecretsApi(pool, connections, gateSecrets, audit),
        ApiVerticle.Network.of(config.httpIdleTimeout(), config.httpReadTimeout(), config.maxConnectionsPerAddress()),
        registry);
    }
  }

  /**
   * Deploys the API instances on {@code port}; they share one listening socket. Port 0 asks for any
   * free port, which Vert.x shares between servers only when it is asked as a negative port.
   */
  private static int deployApi(Vertx vertx, ApiVerticle.Handlers handlers, int port, int count,
                               List<String> deployments) {
    int listen = port == 0 ? -1 : port;
    List<ApiVerticle> instances = new java.util.concurrent.CopyOnWriteArrayList<>();
    deployments.add(vertx.deployVerticle(() -> {
      ApiVerticle instance = new ApiVerticle(handlers, listen);
      instances.add(instance);
      return instance;
    }, new DeploymentOptions().setInstances(count)).await());
    return instances.get(0).actualPort();
  }

  /**
   * Starts everything and returns once the API listens. Blocking: call it from a main or test
   * thread, never from an event loop.
   */
  public static Service start(Config config) {
    return start(config, EMBEDDED_DIR);
  }

  /**
   * As {@link #start(Config)}, with the embedded Postgres (when no database is configured) in
   * {@code embeddedDir} under the data directory: the demo keeps its own, so a demo and a
   * {@code serve} can run side by side from one directory.
   */
  public static Service start(Config config, String embeddedDir) {
    Optional<EmbeddedDatabase> embedded = Optional.empty();
    DatabaseUrl url;
    if (config.databaseUrl().isPresent()) {
      url = DatabaseUrl.parse(config.databaseUrl().get());
    } else {
      Path dir = config.dataDir().resolve(embeddedDir);
      LOG.info("{} is not set: starting an embedded Postgres under {}", Config.DATABASE_URL, dir);
      embedded = Optional.of(EmbeddedDatabase.start(dir));
      url = embedded.get().url();
    }
    // closed again if the start fails half-way, so a refused start leaves no threads behind
    java.util.concurrent.atomic.AtomicReference<Vertx> started = new java.util.concurrent.atomic.AtomicReference<>();
    try {
      String schemaVersion = migrate(url);
      Secrets secrets = Secrets.load(config);
      PrometheusMeterRegistry registry = newRegistry();
      embedded.ifPresent(db -> db.supervise(registry));
      Vertx vertx = Vertx.builder()
        // Netty's epoll transport where there is one (Linux): fewer syscalls and copies per write
        .with(new VertxOptions().setPreferNativeTransport(true).setMetricsOptions(new MicrometerMetricsOptions()
          .setEnabled(true)
          .setJvmMetricsEnabled(false)
          .setLabels(
            EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.HTTP_ROUTE, Label.POOL_TYPE, Label.POOL_NAME))))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
      started.set(vertx);
      LocalCodec.register(vertx);
      Pool pool = Database.pool(vertx, url, config.dbPoolSize());
      KeyRotation.resealStale(pool, secrets.cipher()).await();
      ChangeFeed changes = new ChangeFeed(vertx, url.connectOptions(),
        List.of(EventLog.CHANNEL, ChangeFeed.KEYS_CHANNEL, DeliveryRepository.CHANNEL));
      Parts parts = new Parts(config, vertx, pool, registry, secrets, changes, schemaVersion);
      changes.start().await();
      List<String> deployments = new ArrayList<>();
      vertx.deployVerticle(new DeployerVerticle(parts.cloudflare)).map(deployments::add)
        .compose(v -> vertx.deployVerticle(new ObservabilityPollerVerticle(parts.cloudflare)).map(deployments::add))
        .compose(v -> vertx.deployVerticle(new ControlsVerticle(parts.cloudflare, parts.gateSecrets,
          ControlSettings.from(config), Clock.systemUTC())).map(deployments::add))
        .compose(v -> vertx.deployVerticle(new ReleaseSchedulerVerticle(pool, parts.releases, parts.tokens, registry,
          config.instanceId(), config.leaseDuration(), config.schedulerTick(), config.telemetryLag(),
            Clock.systemUTC()))
          .map(deployments::add))
        .compose(v -> vertx.deployVerticle(new NotifierVerticle(parts.deliveries, parts.webhooks, registry,
          WebhookSettings.from(config), config.instanceId(), changes, Clock.systemUTC())).map(deployments::add))
        .await();
      int port = deployApi(vertx, parts.api, config.httpPort(), config.apiInstances(), deployments);
      config.retention().ifPresent(keep -> new Retention(pool, keep, Clock.systemUTC(), registry).schedule(vertx));
      LOG.info("service {} listening on :{} ({} API instances, {} transport)", config.instanceId(), port,
        config.apiInstances(), vertx.isNativeTransportEnabled() ? "epoll" : "NIO");
      return new Service(config, vertx, pool, registry, embedded, port, parts.api, changes, deployments);
    } catch (RuntimeException e) {
      if (started.get() != null) {
        started.get().close();
      }
      embedded.ifPresent(EmbeddedDatabase::close);
      throw e;
    }
  }


  private static String migrate(DatabaseUrl url) {
    try {
      return Migrations.apply(url);
    } catch (RuntimeException e) {
      throw new StartupException("cannot use the database at " + url + ": " + rootMessage(e), e);
    }
  }

  private static PrometheusMeterRegistry newRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // An HTTP client's connection pool is named after the server it connects to: for the webhook
    // client that is a tenant's receiver, which an unauthenticated scrape must not list (and
    // every new host would add series forever). HTTP client pools are left out of /metrics.
    registry.config().meterFilter(MeterFilter.deny(id -> id.getName().startsWith("vertx.pool.")
      && "http".equals(id.getTag("pool_type"))));
    // any client may send any method name: each new one would be a new series of an unauthenticated scrape
    registry.config().meterFilter(MeterFilter.replaceTagValues("method",
      method -> STANDARD_METHODS.contains(method) ? method : "OTHER"));
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return registry;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  public Config config() {
    return config;
  }

  public Vertx vertx() {
    return vertx;
  }

  public Pool pool() {
    return pool;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Every route of the API, in order (the OpenAPI tests compare them with the document). */
  public List<Route> routes() {
    return ApiVerticle.routes(vertx, handlers);
  }

  public int httpPort() {
    return httpPort;
  }

  /**
   * Stops in the reverse order of the start, while the pool and the Cloudflare client still work:
   * the API stops taking requests and ends its streams with a retry hint, the scheduler finishes
   * the steps under way and gives its leases back, then the poller and deployer go. Only then
   * does Vert.x close the pool, and the embedded Postgres (if any) stops last, with nobody left
   * connected: the one close path for SIGTERM (the commands' shutdown hooks), tests and benchmarks.
   */
  @Override
  public void close() {
    try {
      Future<Void> stopped = Future.succeededFuture();
      for (int i = deployments.size() - 1; i >= 0; i--) {
        String id = deployments.get(i);
        stopped = stopped.compose(v -> vertx.undeploy(id).recover(err -> {
          // the others still stop: a verticle that failed to stop cleanly must not keep them running
          LOG.warn("stopping deployment {} failed", id, err);
          return Future.succeededFuture();
        }));
      }
      stopped.compose(v -> changes.stop().recover(err -> {
        LOG.warn("closing the listening connection failed", err);
        return Future.succeededFuture();
      })).await();
      vertx.close().await();
    } finally {
      embedded.ifPresent(EmbeddedDatabase::close);
    }
  }

  /** The service cannot start; the message tells the operator why. */
  public static final class StartupException extends RuntimeException {
    public StartupException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
