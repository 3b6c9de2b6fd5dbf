package dev.hmd.bench;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.secrets.Secrets;
import dev.hmd.sim.SimOptions;
import dev.hmd.sim.SimulatorVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One benchmark's world in this process: a throw-away embedded Postgres ({@link BenchDatabase}), the Cloudflare
 * simulator
 * on its own Vert.x instance, the service (started exactly as {@code serve} starts it) and a
 * client Vert.x instance that seeds and drives them over real sockets. The three Vert.x
 * instances keep the load generator's and the simulator's event loops off the service's.
 */
final class BenchEnvironment implements AutoCloseable {

  static final String ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";
  /** Requests in flight from the seeding client; enough to keep two cores busy. */
  static final int CLIENT_POOL = 256;
  /**
   * The simulator's per-token limit, lifted to 10,000 calls a second: a benchmark measures the
   * service, not the limit. (The simulator keeps a slot per allowed call, so "per second" keeps it small.)
   */
  static final int SIM_RATE_LIMIT = 10_000;
  /** The service's per-key API limit, lifted for the same reason. */
  static final int API_RATE_LIMIT_PER_MINUTE = 100_000_000;

  private final BenchDatabase database;
  private final Path dataDir;
  private final Vertx simVertx;
  private final int simPort;
  private final Service service;
  private final Vertx clientVertx;
  private final WebClient http;
  private final Map<String, String> serviceEnv;
  private boolean serviceStopped;

  private BenchEnvironment(BenchDatabase database, Path dataDir, Vertx simVertx, int simPort, Service service,
                           Vertx clientVertx, Map<String, String> serviceEnv) {
    this.database = database;
    this.dataDir = dataDir;
    this.simVertx = simVertx;
    this.simPort = simPort;
    this.service = service;
    this.clientVertx = clientVertx;
    this.serviceEnv = serviceEnv;
    this.http = WebClient.create(clientVertx, new WebClientOptions().setDefaultHost("localhost").setKeepAlive(true)
      .setConnectTimeout(10_000), new PoolOptions().setHttp1MaxSize(CLIENT_POOL).setMaxWaitQueueSize(-1));
  }

  /**
   * Starts everything. {@code serviceEnv} overrides the service's settings (HMD_DB_POOL_SIZE ...);
   * {@code durableDb} keeps Postgres' fsync and synchronous commit on, as a production database has.
   */
  static BenchEnvironment start(SimOptions simOptions, Map<String, String> serviceEnv, boolean durableDb) {
    Path dataDir = tempDir();
    BenchDatabase database = BenchDatabase.start(dataDir.resolve("pg"), durableDb);
    Vertx simVertx = null;
    try {
      simVertx = Vertx.vertx();
      simVertx.exceptionHandler(BenchEnvironment::unhandled);
      SimulatorVerticle sim = new SimulatorVerticle(0, simOptions.withRateLimit(SIM_RATE_LIMIT, Duration.ofSeconds(1)));
      simVertx.deployVerticle(sim).await();
      Map<String, String> env = new HashMap<>();
      env.put(Config.DATABASE_URL, database.url());
      env.put(Config.HTTP_PORT, "0");
      env.put(Config.CLOUDFLARE_API_BASE, "http://localhost:" + sim.actualPort() + "/client/v4");
      env.put(Config.ADMIN_TOKEN, ADMIN_TOKEN);
      env.put(Config.MASTER_KEY, Secrets.newKey());
      env.put(Config.JWT_SECRET, "bench-jwt-secret-" + Secrets.newKey());
      env.put(Config.DATA_DIR, dataDir.toString());
      env.put(Config.RATE_LIMIT_PER_MINUTE, String.valueOf(API_RATE_LIMIT_PER_MINUTE));
      env.put(Config.LOG_FORMAT, "plain");
      env.putAll(serviceEnv);
      Service service = Service.start(Config.from(env));
      Vertx clientVertx = Vertx.vertx();
      clientVertx.exceptionHandler(BenchEnvironment::unhandled);
      service.vertx().exceptionHandler(BenchEnvironment::unhandled);
      return new BenchEnvironment(database, dataDir, simVertx, sim.actualPort(), service, clientVertx, Map.copyOf(env));
    } catch (RuntimeException e) {
      if (simVertx != null) {
        simVertx.close().await();
      }
      database.close();
      deleteTree(dataDir);
      throw e;
    }
  }

  Service service() {
    return service;
  }

  Vertx clientVertx() {
    return clientVertx;
  }

  int simPort() {
    return simPort;
  }

  int servicePort() {
    return service.httpPort();
  }

  /** The settings the service runs with, minus secrets: for the report. */
  JsonObject serviceSettings() {
    JsonObject json = new JsonObject();
    Config c = service.config();
    json.put(Config.DB_POOL_SIZE, c.dbPoolSize())
      .put(Config.SCHEDULER_TICK_MS, c.schedulerTick().toMillis())
      .put(Config.LEASE_SECONDS, c.leaseDuration().toSeconds())
      .put(Config.TELEMETRY_LAG_SECONDS, c.telemetryLag().toSeconds())
      .put(Config.RATE_LIMIT_PER_MINUTE, c.rateLimitPerMinute())
      .put("CLAIM_BATCH", dev.hmd.scheduler.ReleaseSchedulerVerticle.CLAIM_BATCH)
      .put("BATCH_QUIET_MS", dev.hmd.observe.ObservabilityPollerVerticle.BATCH_QUIET_MS)
      .put("BATCH_MAX_MS", dev.hmd.observe.ObservabilityPollerVerticle.BATCH_MAX_MS);
    serviceEnv.forEach((k, v) -> {
      if (!json.containsKey(k) && !k.contains("KEY") && !k.contains("SECRET") && !k.contains("TOKEN")
        && !k.equals(Config.DATABASE_URL)) {
        json.put(k, v);
      }
    });
    return json;
  }

  /** The embedded Postgres' port (to find its processes for the CPU figures). */
  int databasePort() {
    return database.port();
  }

  // ---- platform admin and simulator control

  /** A tenant and its first admin key. */
  record Tenant(String id, String key) {
  }

  Future<Tenant> newTenant(String name) {
    return call(HttpMethod.POST, servicePort(), "/v1/admin/tenants", ADMIN_TOKEN, new JsonObject().put("name", name),
      201)
      .map(json ->
        new Tenant(json.getJsonObject("tenant").getString("id"), json.getJsonObject("apiKey").getString("key")));
  }

  /** A simulated account with a token bound to it; ids are derived from {@code seed}, so runs repeat. */
  record Account(String accountId, String token) {
  }

  Future<Account> newAccount(String seed) {
    String accountId = HexFormat.of().formatHex(sha256("bench-account-" + seed), 0, 16);
    String token = "bench-cf-token-" + HexFormat.of().formatHex(sha256("bench-token-" + seed), 0, 16);
    return sim(HttpMethod.POST, "/sim/tokens", new JsonObject().put("token", token).put("accountId", accountId), 201)
      .map(json -> new Account(accountId, token));
  }

  /** Creates a Worker with its first version deployed at 100%; the answer is that version's id. */
  Future<String> newWorker(Account account, String script, double rps) {
    return sim(HttpMethod.POST, "/sim/accounts/" + account.accountId() + "/workers/" + script,
      new JsonObject().put("rps", rps), 201).map(json -> json.getString("versionId"));
  }

  /** Uploads a version (not deployed); the answer is its id. */
  Future<String> newVersion(Account account, String script, JsonObject profile) {
    return sim(HttpMethod.POST, "/sim/accounts/" + account.accountId() + "/workers/" + script + "/versions", profile,
      201)
      .map(json -> json.getString("id"));
  }

  Future<JsonObject> changeVersion(Account account, String script, String versionId, JsonObject profile) {
    return sim(HttpMethod.PATCH,
      "/sim/accounts/" + account.accountId() + "/workers/" + script + "/versions/" + versionId,
      profile, 200);
  }

  /** The simulator's view of a Worker: deployments (newest first) with createdOn, versions, traffic. */
  Future<JsonObject> worker(Account account, String script) {
    return sim(HttpMethod.GET, "/sim/accounts/" + account.accountId() + "/workers/" + script, null, 200);
  }

  Future<JsonObject> sim(HttpMethod method, String path, JsonObject body, int expected) {
    return call(method, simPort, path, null, body, expected);
  }

  /** A call to the service's API as {@code key}. */
  Future<JsonObject> api(HttpMethod method, String path, String key, JsonObject body, int expected) {
    return call(method, servicePort(), path, key, body, expected);
  }

  private Future<JsonObject> call(HttpMethod method, int port, String path, String bearer, JsonObject body,
    int expected) {
    HttpRequest<Buffer> request = http.request(method, port, "localhost", path).timeout(60_000);
    if (bearer != null) {
      request.putHeader("Authorization", "Bearer " + bearer);
    }
    Future<HttpResponse<Buffer>> sent = body == null ? request.send() : request.sendJsonObject(body);
    return sent.compose(res -> {
      if (res.statusCode() != expected) {
        return Future.failedFuture(new IllegalStateException(method + " " + path + " answered " + res.statusCode()
          + " (expected " + expected + "): " + res.bodyAsString()));
      }
      Buffer buffer = res.body();
      return Future.succeededFuture(buffer == null || buffer.length() == 0 ? new JsonObject() : buffer.toJsonObject());
    });
  }

  /** Stops the service alone (to weigh what it held on the heap); the rest stays up until {@link #close()}. */
  void stopService() {
    if (!serviceStopped) {
      serviceStopped = true;
      service.close();
    }
  }

  @Override
  public void close() {
    try {
      http.close();
      clientVertx.close().await();
      stopService();
      simVertx.close().await();
    } finally {
      database.close();
      deleteTree(dataDir);
    }
  }

  /** A failure nobody handled, with its whole stack (the log pattern keeps one line of it). */
  private static void unhandled(Throwable failure) {
    System.err.println("unhandled failure on " + Thread.currentThread().getName() + ":");
    failure.printStackTrace();
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("hmd-bench-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory; the OS cleans it eventually
    }
  }
}
