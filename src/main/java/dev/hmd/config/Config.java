package dev.hmd.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Every tunable of the service, read once from the environment. Each has a named default here,
 * so the table in the README and this class are the same list.
 */
public record Config(
  Map<String, String> env,
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
  Duration httpIdleTimeout,
  Duration httpReadTimeout,
  int maxConnectionsPerAddress,
  int maxKeysPerTenant,
  int maxStreamsPerKey,
  int maxStreamsPerTenant,
  int authFailuresPerMinute) {

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
  public static final String HTTP_IDLE_TIMEOUT_MS = "HMD_HTTP_IDLE_TIMEOUT_MS";
  public static final String HTTP_READ_TIMEOUT_MS = "HMD_HTTP_READ_TIMEOUT_MS";
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
  /**
   * A connection with nothing read or written this long is closed, and so is one that sends no
   * next request this long after a response. Above the Vert.x client's 60 s keep-alive, so a
   * client closes an idle connection first; above the SSE heartbeat, which keeps streams open.
   */
  public static final int DEFAULT_HTTP_IDLE_TIMEOUT_MS = 75_000;
  /** A request's head must arrive in full this soon after the connection opens, and its body this soon after the head. */
  public static final int DEFAULT_HTTP_READ_TIMEOUT_MS = 10_000;
  /** Open connections from one client address (an IPv6 /64 counts as one); 0 lifts the cap. */
  public static final int DEFAULT_HTTP_MAX_CONNECTIONS_PER_ADDRESS = 1_000;
  /** Active API keys of one tenant: each is cached and checked, and a leaked admin key could otherwise mint any number. */
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

  public static Config from(Map<String, String> env) {
    Duration heartbeat = Duration.ofMillis(positive(env, SSE_HEARTBEAT_MS, DEFAULT_SSE_HEARTBEAT_MS));
    Duration idle = Duration.ofMillis(positive(env, HTTP_IDLE_TIMEOUT_MS, DEFAULT_HTTP_IDLE_TIMEOUT_MS));
    if (idle.compareTo(heartbeat) <= 0) {
      throw new ConfigException(HTTP_IDLE_TIMEOUT_MS + " (" + idle.toMillis() + ") must be longer than "
        + SSE_HEARTBEAT_MS + " (" + heartbeat.toMillis() + "), else the idle timeout closes every event stream");
    }
    return new Config(
      Map.copyOf(env),
      text(env, DATABASE_URL),
      port(env, HTTP_PORT, DEFAULT_HTTP_PORT),
      text(env, CLOUDFLARE_API_BASE).orElse(DEFAULT_CLOUDFLARE_API_BASE),
      text(env, ADMIN_TOKEN),
      text(env, MASTER_KEY),
      text(env, MASTER_KEY_PREVIOUS).map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(k -> !k.isEmpty()).toList())
        .orElse(List.of()),
      text(env, JWT_SECRET),
      port(env, SIM_PORT, DEFAULT_SIM_PORT),
      Path.of(text(env, DATA_DIR).orElse(DEFAULT_DATA_DIR)),
      text(env, INSTANCE_ID).orElse(DEFAULT_INSTANCE_ID),
      positive(env, DB_POOL_SIZE, DEFAULT_DB_POOL_SIZE),
      Duration.ofSeconds(positive(env, LEASE_SECONDS, DEFAULT_LEASE_SECONDS)),
      Duration.ofMillis(positive(env, SCHEDULER_TICK_MS, DEFAULT_SCHEDULER_TICK_MS)),
      Duration.ofMinutes(positive(env, SESSION_TTL_MINUTES, DEFAULT_SESSION_TTL_MINUTES)),
      positive(env, RATE_LIMIT_PER_MINUTE, DEFAULT_RATE_LIMIT_PER_MINUTE),
      heartbeat,
      Duration.ofSeconds(nonNegative(env, TELEMETRY_LAG_SECONDS, DEFAULT_TELEMETRY_LAG_SECONDS)),
      text(env, LOG_FORMAT).orElse(DEFAULT_LOG_FORMAT),
      Optional.of(nonNegative(env, RETENTION_DAYS, DEFAULT_RETENTION_DAYS)).filter(days -> days > 0).map(Duration::ofDays),
      idle,
      Duration.ofMillis(positive(env, HTTP_READ_TIMEOUT_MS, DEFAULT_HTTP_READ_TIMEOUT_MS)),
      nonNegative(env, HTTP_MAX_CONNECTIONS_PER_ADDRESS, DEFAULT_HTTP_MAX_CONNECTIONS_PER_ADDRESS),
      positive(env, MAX_KEYS_PER_TENANT, DEFAULT_MAX_KEYS_PER_TENANT),
      positive(env, SSE_MAX_STREAMS_PER_KEY, DEFAULT_SSE_MAX_STREAMS_PER_KEY),
      positive(env, SSE_MAX_STREAMS_PER_TENANT, DEFAULT_SSE_MAX_STREAMS_PER_TENANT),
      nonNegative(env, AUTH_FAILURES_PER_MINUTE, DEFAULT_AUTH_FAILURES_PER_MINUTE));
  }

  /** The same configuration with one variable set differently. */
  public Config with(String name, String value) {
    Map<String, String> changed = new HashMap<>(env);
    changed.put(name, value);
    return from(changed);
  }

  public Config withHttpPort(int port) {
    return with(HTTP_PORT, String.valueOf(port));
  }

  public Config withCloudflareApiBase(String base) {
    return with(CLOUDFLARE_API_BASE, base);
  }

  private static Optional<String> text(Map<String, String> env, String name) {
    return Optional.ofNullable(env.get(name)).map(String::trim).filter(v -> !v.isEmpty());
  }

  private static int port(Map<String, String> env, String name, int fallback) {
    int value = integer(env, name, fallback);
    if (value < 0 || value > 65535) {
      throw new ConfigException(name + " must be a port number between 0 and 65535, got " + value);
    }
    return value;
  }

  private static int positive(Map<String, String> env, String name, int fallback) {
    int value = integer(env, name, fallback);
    if (value <= 0) {
      throw new ConfigException(name + " must be a positive integer, got " + value);
    }
    return value;
  }

  private static int nonNegative(Map<String, String> env, String name, int fallback) {
    int value = integer(env, name, fallback);
    if (value < 0) {
      throw new ConfigException(name + " must be zero or a positive integer, got " + value);
    }
    return value;
  }

  private static int integer(Map<String, String> env, String name, int fallback) {
    Optional<String> raw = text(env, name);
    if (raw.isEmpty()) {
      return fallback;
    }
    try {
      return Integer.parseInt(raw.get());
    } catch (NumberFormatException e) {
      throw new ConfigException(name + " must be an integer, got '" + raw.get() + "'");
    }
  }

  /** A configuration the service cannot start with; its message is meant for the operator. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message);
    }
  }
}
