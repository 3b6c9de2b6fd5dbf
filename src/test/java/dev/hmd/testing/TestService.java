package dev.hmd.testing;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.db.DatabaseUrl;
import dev.hmd.secrets.Secrets;
import java.util.HashMap;
import java.util.Map;

/** Starts a real service on a fresh database and a free port. */
public final class TestService {

  public static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
  public static final String JWT_SECRET = "test-jwt-secret-0123456789abcdef0123456789";

  private TestService() {
  }

  public static Service start(Map<String, String> extraEnv) {
    return Service.start(config(extraEnv));
  }

  /** The configuration of a service on a fresh database, without starting it. */
  public static Config config(Map<String, String> extraEnv) {
    DatabaseUrl db = TestDatabase.fresh();
    Map<String, String> env = new HashMap<>();
    env.put(Config.DATABASE_URL, "postgresql://" + db.user() + "@" + db.host() + ":" + db.port() + "/" + db.database());
    env.put(Config.HTTP_PORT, "0");
    env.put(Config.ADMIN_TOKEN, ADMIN_TOKEN);
    env.put(Config.MASTER_KEY, Secrets.newKey());
    env.put(Config.JWT_SECRET, JWT_SECRET);
    // tests refuse bad credentials on purpose, all from one address; the limit's own tests set it
    env.put(Config.AUTH_FAILURES_PER_MINUTE, "0");
    // two API instances whatever the machine: what keeps their hubs and caches true is tested
    env.put(Config.API_INSTANCES, "2");
    env.putAll(extraEnv);
    return Config.from(env);
  }

  /**
   * A service on a database the test runs itself (to stop and start it under the service), its
   * Cloudflare the simulator, with the tests' tuning.
   */
  public static Service onDatabase(DatabaseUrl db, TestSimulator sim) {
    Map<String, String> env = new HashMap<>(Map.of(Config.CLOUDFLARE_API_BASE, sim.apiBase(),
      Config.RATE_LIMIT_PER_MINUTE, "600000", Config.SCHEDULER_TICK_MS, "100", Config.TELEMETRY_LAG_SECONDS, "1"));
    env.put(Config.DATABASE_URL, "postgresql://" + db.user() + "@" + db.host() + ":" + db.port() + "/" + db.database());
    env.put(Config.HTTP_PORT, "0");
    env.put(Config.ADMIN_TOKEN, ADMIN_TOKEN);
    env.put(Config.MASTER_KEY, Secrets.newKey());
    env.put(Config.JWT_SECRET, JWT_SECRET);
    env.put(Config.API_INSTANCES, "2");
    return Service.start(Config.from(env));
  }

  /** Another process on the same database as {@code config} (same secrets), on its own port. */
  public static Service startOn(Config config) {
    return Service.start(config.withHttpPort(0).with(Config.INSTANCE_ID, "hmd-second-" + System.nanoTime()));
  }

  /**
   * A service whose Cloudflare is {@code sim}, tuned for tests: a 100 ms scheduler tick, a 1 s
   * telemetry lag (the simulator is never late unless told to be), no practical rate limit, and
   * outbound calls to private addresses allowed (everything the tests call runs on localhost;
   * PrivateAddressesTest turns that off again).
   */
  public static Service onSimulator(TestSimulator sim, Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>(Map.of(Config.CLOUDFLARE_API_BASE, sim.apiBase(),
      Config.RATE_LIMIT_PER_MINUTE, "600000", Config.SCHEDULER_TICK_MS, "100", Config.TELEMETRY_LAG_SECONDS, "1",
      // the simulator's Workers, the tests' gate and webhook receivers all live on localhost
      Config.WEBHOOK_ALLOW_PRIVATE, "true"));
    env.putAll(extraEnv);
    return start(env);
  }

  public static Service onSimulator(TestSimulator sim) {
    return onSimulator(sim, Map.of());
  }

  public static Service start() {
    return start(Map.of());
  }
}
