package dev.hmd.sim;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;

/** Everything the simulator knows: tokens, accounts and their Workers, and the injected faults. */
final class SimWorld {

  static final Pattern ACCOUNT_ID = Pattern.compile("^[0-9a-f]{32}$");
  static final Pattern SCRIPT_NAME = Pattern.compile("^[a-z0-9_][a-z0-9-_]*$");
  /** Every simulated upload and deployment is made by this user. [U] */
  static final String AUTHOR_EMAIL = "simulator@example.com";
  static final double DEFAULT_RPS = 50;

  /** A registered API token: its public id and the one account it may act on. */
  record Token(String id, String accountId) {
  }

  /** Thrown when a Worker of that name already exists. */
  static final class WorkerExists extends RuntimeException {
    WorkerExists() {
      super("the Worker already exists", null, false, false);
    }
  }

  private final SimOptions options;
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();
  private final Map<String, Map<String, SimWorker>> accounts = new ConcurrentHashMap<>();
  private final RateLimiter rateLimiter;
  private volatile Faults faults;

  SimWorld(SimOptions options) {
    this.options = options;
    this.faults = Faults.none(options);
    this.rateLimiter = new RateLimiter(options.rateLimitRequests(), options.rateLimitWindow().toMillis());
  }

  SimOptions options() {
    return options;
  }

  long now() {
    return options.clock().millis();
  }

  Token registerToken(String token, String accountId) {
    Token registered = new Token(UUID.nameUUIDFromBytes(token.getBytes(StandardCharsets.UTF_8)).toString()
      .replace("-", ""), accountId);
    tokens.put(token, registered);
    return registered;
  }

  Optional<Token> token(String token) {
    return Optional.ofNullable(tokens.get(token));
  }

  /** 0 when the call may proceed, else the seconds the token must wait. */
  long acquireCall(Token token) {
    return rateLimiter.acquire(token.id(), now());
  }

  SimWorker createWorker(String accountId, String script, double rps) {
    Map<String, SimWorker> workers = accounts.computeIfAbsent(accountId, id -> new ConcurrentSkipListMap<>());
    SimWorker created = new SimWorker(accountId, script, options.seed() ^ fnv64(accountId + "/" + script),
      options.propagationSeconds(), rps, now(), AUTHOR_EMAIL);
    if (workers.putIfAbsent(script, created) != null) {
      throw new WorkerExists();
    }
    return created;
  }

  Optional<SimWorker> worker(String accountId, String script) {
    return Optional.ofNullable(accounts.getOrDefault(accountId, Map.of()).get(script));
  }

  /** The account's Workers in script-name order. */
  Collection<SimWorker> workers(String accountId) {
    return accounts.getOrDefault(accountId, Map.of()).values();
  }

  Faults faults() {
    return faults;
  }

  void faults(Faults value) {
    faults = value;
  }

  void clearFaults() {
    faults = Faults.none(options);
  }

  /** The first second still retained: the start of the minute that holds now - retention. */
  long retainFromSecond(long nowMs) {
    long oldest = Math.floorDiv(nowMs, 1000) - options.retention().toSeconds();
    return Math.floorDiv(oldest, 60) * 60;
  }

  /** Generates the traffic of every Worker up to now and evicts what has aged out. */
  void tick() {
    long now = now();
    long retainFrom = retainFromSecond(now);
    accounts.values().forEach(workers -> workers.values().forEach(worker -> worker.advance(now, retainFrom)));
  }

  void reset() {
    tokens.clear();
    accounts.clear();
    rateLimiter.reset();
    clearFaults();
  }

  private static long fnv64(String text) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b;
      hash *= 0x100000001b3L;
    }
    return hash;
  }
}
