package dev.hmd.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Every tunable of the service, read once from the environment. Each has a named default here,
 * so the table in the README and this class are the same list. It keeps no copy of the
 * environment, and {@link #toString()} shows no secret.
 */
public record Config(
  Optional<String> databaseUrl,
  int httpPort,
  String cloudflareApiBase,
  Optional<String> adminToken,
  Optional<String> masterKey,
  List<String> previousMasterKeys,
  Optional<String> jwtSecret,
  int simPort,
  Path dataDir,
  String instanceId,
  int dbPoolSize,
  Duration leaseDuration,
  Duration schedulerTick,
  Duration sessionTtl,
  int rateLimitPerMinute,
  Duration sseHeartbeat,
  Duration telemetryLag,
  String logFormat,
  Optional<Duration> retention,
  Duration webhookTimeout,
  int webhookMaxAttempts,
  Duration webhookRetryBase,
  Duration webhookRetryMax,
  Duration webhookPoll,
  boolean webhookAllowPrivate,
  Duration httpIdleTimeout,
  Duration httpReadTimeout,
  int maxConnectionsPerAddress,
  int maxKeysPerTenant,
  int maxStreamsPerKey,
  int maxStreamsPerTenant,
  int authFailuresPerMinute,
  int apiInstances) {

  public static final String DATABASE_URL = "HMD_DATABASE_URL";
  public static final String HTTP_PORT = "HMD_HTTP_PORT";
  public static final String CLOUDFLARE_API_BASE = "HMD_CLOUDFLARE_API_BASE";
  public static final String ADMIN_TOKEN = "HMD_ADMIN_TOKEN";
  public static final String MASTER_KEY = "HMD_MASTER_KEY";
  public static final String MASTER_KEY_PREVIOUS = "HMD_MASTER_KEY_PREVIOUS";
  public static final String JWT_SECRET = "HMD_JWT_SECRET";
  public static final String SIM_PORT = "HMD_SIM_PORT";
  public static final String DATA_DIR = "HMD_DATA_DIR";
  public static final String INSTANCE_ID = "HMD_INSTANCE_ID";
  public static final String DB_POOL_SIZE = "HMD_DB_POOL_SIZE";
  public static final String LEASE_SECONDS = "HMD_LEASE_SECONDS";
  public static final String SCHEDULER_TICK_MS = "HMD_SCHEDULER_TICK_MS";
  public static final String SESSION_TTL_MINUTES = "HMD_SESSION_TTL_MINUTES";
  public static final String RATE_LIMIT_PER_MINUTE = "HMD_RATE_LIMIT_PER_MINUTE";
  public static final String LOG_FORMAT = "HMD_LOG_FORMAT";
  public static final String SSE_HEARTBEAT_MS = "HMD_SSE_HEARTBEAT_MS";
  public static final String TELEMETRY_LAG_SECONDS = "HMD_TELEMETRY_LAG_SECONDS";
  public static final String RETENTION_DAYS = "HMD_RETENTION_DAYS";
  public static final String WEBHOOK_TIMEOUT_MS = "HMD_WEBHOOK_TIMEOUT_MS";
  public static final String WEBHOOK_MAX_ATTEMPTS = "HMD_WEBHOOK_MAX_ATTEMPTS";
  public static final String WEBHOOK_RETRY_BASE_MS = "HMD_WEBHOOK_RETRY_BASE_MS";
  public static final String WEBHOOK_RETRY_MAX_SECONDS = "HMD_WEBHOOK_RETRY_MAX_SECONDS";
  public static final String WEBHOOK_POLL_MS = "HMD_WEBHOOK_POLL_MS";
  /**
   * {@code false} (default) refuses webhook URLs that resolve to anything but public unicast
   * addresses, at creation and again before every attempt. {@code true} lets webhooks call
   * loopback, private and link-local addresses: for a service next to its receivers (the demo and
   * the tests), never where tenants are not trusted with the service's network position.
   */
  public static final String WEBHOOK_ALLOW_PRIVATE = "HMD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES";
  public static final String HTTP_IDLE_TIMEOUT_MS = "HMD_HTTP_IDLE_TIMEOUT_MS";
  public static final String HTTP_READ_TIMEOUT_MS = "HMD_HTTP_READ_TIMEOUT_MS";
  public static final String API_INSTANCES = "HMD_API_INSTANCES";
  public static final String HTTP_MAX_CONNECTIONS_PER_ADDRESS = "HMD_HTTP_MAX_CONNECTIONS_PER_ADDRESS";
  public static final String MAX_KEYS_PER_TENANT = "HMD_MAX_KEYS_PER_TENANT";
  public static final String SSE_MAX_STREAMS_PER_KEY = "HMD_SSE_MAX_STREAMS_PER_KEY";
  public static final String SSE_MAX_STREAMS_PER_TENANT = "HMD_SSE_MAX_STREAMS_PER_TENANT";
  public static final String AUTH_FAILURES_PER_MINUTE = "HMD_AUTH_FAILURES_PER_MINUTE";

  /** Names this process as a lease owner; unique per process unless set. */
  private static final String DEFAULT_INSTANCE_ID = "hmd-" + UUID.randomUUID().toString().substring(0, 8);
  public static final int DEFAULT_HTTP_PORT = 8080;
  public static final String DEFAULT_CLOUDFLARE_API_BASE = "https://api.cloudflare.com/client/v4";
  public static final int DEFAULT_SIM_PORT = 8788;
  public static final String DEFAULT_DATA_DIR = ".hmd";
  public static final int DEFAULT_DB_POOL_SIZE = 16;
  public static final int DEFAULT_LEASE_SECONDS = 15;
  public static final int DEFAULT_SCHEDULER_TICK_MS = 250;
  public static final int DEFAULT_SESSION_TTL_MINUTES = 12 * 60;
  public static final int DEFAULT_RATE_LIMIT_PER_MINUTE = 600;
  public static final String DEFAULT_LOG_FORMAT = "json";
  /** A comment at least this often on every SSE stream (the contract asks for at most 15 s). */
  public static final int DEFAULT_SSE_HEARTBEAT_MS = 10_000;
  /** Check windows end this far in the past: Workers Observability receives events seconds late. */
  public static final int DEFAULT_TELEMETRY_LAG_SECONDS = 5;
  /** Events, checks and finished webhook deliveries are kept this long; 0 keeps them forever. */
  public static final int DEFAULT_RETENTION_DAYS = 30;
  public static final int DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
  public static final int DEFAULT_WEBHOOK_MAX_ATTEMPTS = 8;
  public static final int DEFAULT_WEBHOOK_RETRY_BASE_MS = 1_000;
  public static final int DEFAULT_WEBHOOK_RETRY_MAX_SECONDS = 300;
  public static final int DEFAULT_WEBHOOK_POLL_MS = 1_000;
  public static final boolean DEFAULT_WEBHOOK_ALLOW_PRIVATE = false;
  /**
   * A connection with nothing read or written this long is closed, and so is one that sends no
   * next request this long after a response. Above the Vert.x client's 60 s keep-alive, so a
   * client closes an idle connection first; above the SSE heartbeat, which keeps streams open.
   */
  public static final int DEFAULT_HTTP_IDLE_TIMEOUT_MS = 75_000;
  /**
   * A request's head must arrive in full this soon after the connection opens, and its body this soon after the head.
   */
  public static final int DEFAULT_HTTP_READ_TIMEOUT_MS = 10_000;
  /**
   * One API verticle (event loop) per core but one, at least one: each serves its share of the
   * connections; the last core is left to the engine's verticles, the database client and GC.
   * On two cores two instances were slower than one in both the API and the SSE benchmarks
   * (docs/BENCHMARKS.md).
   */
  public static final int DEFAULT_API_INSTANCES = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
  /** Open connections from one client address (an IPv6 /64 counts as one); 0 lifts the cap. */
  public static final int DEFAULT_HTTP_MAX_CONNECTIONS_PER_ADDRESS = 1_000;
  /**
   * Active API keys of one tenant: each is cached and checked, and a leaked admin key could otherwise mint any number.
   */
  public static final int DEFAULT_MAX_KEYS_PER_TENANT = 50;
  /** Open event streams per API key (a dashboard tab holds one or two), per process. */
  public static final int DEFAULT_SSE_MAX_STREAMS_PER_KEY = 20;
  /** Open event streams per tenant, per process. */
  public static final int DEFAULT_SSE_MAX_STREAMS_PER_TENANT = 200;
  /** Failed authentications (API keys, sign-ins, the admin token) per client address and minute; 0 lifts the limit. */
  public static final int DEFAULT_AUTH_FAILURES_PER_MINUTE = 30;

  public static Config fromEnv() {
    return from(System.getenv());
  }

  public static Config defaults() {
    return from(Map.of());
  }

  public static Config from(Map<String, String> variables) {
    Environment env = new Environment(variables);
    Duration heartbeat = Duration.ofMillis(env.positive(SSE_HEARTBEAT_MS, DEFAULT_SSE_HEARTBEAT_MS));
    Duration idle = Duration.ofMillis(env.positive(HTTP_IDLE_TIMEOUT_MS, DEFAULT_HTTP_IDLE_TIMEOUT_MS));
    if (idle.compareTo(heartbeat) <= 0) {
      throw new ConfigException(HTTP_IDLE_TIMEOUT_MS + " (" + idle.toMillis() + ") must be longer than "
        + SSE_HEARTBEAT_MS + " (" + heartbeat.toMillis() + "), else the idle timeout closes every event stream");
    }
    return new Config(
      env.text(DATABASE_URL),
      env.port(HTTP_PORT, DEFAULT_HTTP_PORT),
      env.text(CLOUDFLARE_API_BASE).orElse(DEFAULT_CLOUDFLARE_API_BASE),
      env.text(ADMIN_TOKEN),
      env.text(MASTER_KEY),
      env.text(MASTER_KEY_PREVIOUS).map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(k -> !k.isEmpty())
        .toList()).orElse(List.of()),
      env.text(JWT_SECRET),
      env.port(SIM_PORT, DEFAULT_SIM_PORT),
      Path.of(env.text(DATA_DIR).orElse(DEFAULT_DATA_DIR)),
      env.text(INSTANCE_ID).orElse(DEFAULT_INSTANCE_ID),
      env.positive(DB_POOL_SIZE, DEFAULT_DB_POOL_SIZE),
      Duration.ofSeconds(env.positive(LEASE_SECONDS, DEFAULT_LEASE_SECONDS)),
      Duration.ofMillis(env.positive(SCHEDULER_TICK_MS, DEFAULT_SCHEDULER_TICK_MS)),
      Duration.ofMinutes(env.positive(SESSION_TTL_MINUTES, DEFAULT_SESSION_TTL_MINUTES)),
      env.positive(RATE_LIMIT_PER_MINUTE, DEFAULT_RATE_LIMIT_PER_MINUTE),
      heartbeat,
      Duration.ofSeconds(env.nonNegative(TELEMETRY_LAG_SECONDS, DEFAULT_TELEMETRY_LAG_SECONDS)),
      env.text(LOG_FORMAT).orElse(DEFAULT_LOG_FORMAT),
      Optional.of(env.nonNegative(RETENTION_DAYS, DEFAULT_RETENTION_DAYS)).filter(days -> days > 0)
        .map(Duration::ofDays),
      Duration.ofMillis(env.positive(WEBHOOK_TIMEOUT_MS, DEFAULT_WEBHOOK_TIMEOUT_MS)),
      env.positive(WEBHOOK_MAX_ATTEMPTS, DEFAULT_WEBHOOK_MAX_ATTEMPTS),
      Duration.ofMillis(env.positive(WEBHOOK_RETRY_BASE_MS, DEFAULT_WEBHOOK_RETRY_BASE_MS)),
      Duration.ofSeconds(env.positive(WEBHOOK_RETRY_MAX_SECONDS, DEFAULT_WEBHOOK_RETRY_MAX_SECONDS)),
      Duration.ofMillis(env.positive(WEBHOOK_POLL_MS, DEFAULT_WEBHOOK_POLL_MS)),
      env.bool(WEBHOOK_ALLOW_PRIVATE, DEFAULT_WEBHOOK_ALLOW_PRIVATE),
      idle,
      Duration.ofMillis(env.positive(HTTP_READ_TIMEOUT_MS, DEFAULT_HTTP_READ_TIMEOUT_MS)),
      env.nonNegative(HTTP_MAX_CONNECTIONS_PER_ADDRESS, DEFAULT_HTTP_MAX_CONNECTIONS_PER_ADDRESS),
      env.positive(MAX_KEYS_PER_TENANT, DEFAULT_MAX_KEYS_PER_TENANT),
      env.positive(SSE_MAX_STREAMS_PER_KEY, DEFAULT_SSE_MAX_STREAMS_PER_KEY),
      env.positive(SSE_MAX_STREAMS_PER_TENANT, DEFAULT_SSE_MAX_STREAMS_PER_TENANT),
      env.nonNegative(AUTH_FAILURES_PER_MINUTE, DEFAULT_AUTH_FAILURES_PER_MINUTE),
      env.positive(API_INSTANCES, DEFAULT_API_INSTANCES));
  }

  /**
   * This configuration as the variables that make it, secrets included: for a child process (the
   * tests' {@code serve} in a second JVM) and for {@link #with}. {@code from(toEnv())} equals this.
   */
  public Map<String, String> toEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    databaseUrl.ifPresent(v -> env.put(DATABASE_URL, v));
    env.put(HTTP_PORT, String.valueOf(httpPort));
    env.put(CLOUDFLARE_API_BASE, cloudflareApiBase);
    adminToken.ifPresent(v -> env.put(ADMIN_TOKEN, v));
    masterKey.ifPresent(v -> env.put(MASTER_KEY, v));
    if (!previousMasterKeys.isEmpty()) {
      env.put(MASTER_KEY_PREVIOUS, String.join(",", previousMasterKeys));
    }
    jwtSecret.ifPresent(v -> env.put(JWT_SECRET, v));
    env.put(SIM_PORT, String.valueOf(simPort));
    env.put(DATA_DIR, dataDir.toString());
    env.put(INSTANCE_ID, instanceId);
    env.put(DB_POOL_SIZE, String.valueOf(dbPoolSize));
    env.put(LEASE_SECONDS, String.valueOf(leaseDuration.toSeconds()));
    env.put(SCHEDULER_TICK_MS, String.valueOf(schedulerTick.toMillis()));
    env.put(SESSION_TTL_MINUTES, String.valueOf(sessionTtl.toMinutes()));
    env.put(RATE_LIMIT_PER_MINUTE, String.valueOf(rateLimitPerMinute));
    env.put(SSE_HEARTBEAT_MS, String.valueOf(sseHeartbeat.toMillis()));
    env.put(TELEMETRY_LAG_SECONDS, String.valueOf(telemetryLag.toSeconds()));
    env.put(LOG_FORMAT, logFormat);
    env.put(RETENTION_DAYS, String.valueOf(retention.map(Duration::toDays).orElse(0L)));
    env.put(WEBHOOK_TIMEOUT_MS, String.valueOf(webhookTimeout.toMillis()));
    env.put(WEBHOOK_MAX_ATTEMPTS, String.valueOf(webhookMaxAttempts));
    env.put(WEBHOOK_RETRY_BASE_MS, String.valueOf(webhookRetryBase.toMillis()));
    env.put(WEBHOOK_RETRY_MAX_SECONDS, String.valueOf(webhookRetryMax.toSeconds()));
    env.put(WEBHOOK_POLL_MS, String.valueOf(webhookPoll.toMillis()));
    env.put(WEBHOOK_ALLOW_PRIVATE, String.valueOf(webhookAllowPrivate));
    env.put(HTTP_IDLE_TIMEOUT_MS, String.valueOf(httpIdleTimeout.toMillis()));
    env.put(HTTP_READ_TIMEOUT_MS, String.valueOf(httpReadTimeout.toMillis()));
    env.put(HTTP_MAX_CONNECTIONS_PER_ADDRESS, String.valueOf(maxConnectionsPerAddress));
    env.put(MAX_KEYS_PER_TENANT, String.valueOf(maxKeysPerTenant));
    env.put(SSE_MAX_STREAMS_PER_KEY, String.valueOf(maxStreamsPerKey));
    env.put(SSE_MAX_STREAMS_PER_TENANT, String.valueOf(maxStreamsPerTenant));
    env.put(AUTH_FAILURES_PER_MINUTE, String.valueOf(authFailuresPerMinute));
    env.put(API_INSTANCES, String.valueOf(apiInstances));
    return env;
  }

  /** The same configuration with one variable set differently. */
  public Config with(String name, String value) {
    Map<String, String> changed = toEnv();
    changed.put(name, value);
    return from(changed);
  }

  public Config withHttpPort(int port) {
    return with(HTTP_PORT, String.valueOf(port));
  }

  public Config withCloudflareApiBase(String base) {
    return with(CLOUDFLARE_API_BASE, base);
  }

  /** Every setting, with the secrets (and the database URL, which may hold a password) shown only as set or not. */
  @Override
  public String toString() {
    Map<String, String> shown = toEnv();
    for (String secret : List.of(DATABASE_URL, ADMIN_TOKEN, MASTER_KEY, MASTER_KEY_PREVIOUS, JWT_SECRET)) {
      shown.computeIfPresent(secret, (k, v) -> "(set)");
    }
    return "Config" + shown;
  }

  /** A configuration the service cannot start with; its message is meant for the operator. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message);
    }
  }
}
