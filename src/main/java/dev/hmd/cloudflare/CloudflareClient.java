package dev.hmd.cloudflare;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Cloudflare API as the service uses it: Worker versions, deployments, token checks and
 * per-version telemetry. Works unchanged against {@code api.cloudflare.com} and the simulator
 * (same paths under another base URL).
 *
 * <p>Multi-tenant: the API token is an argument of every call and is kept nowhere, neither in a
 * field nor in a log line nor in an exception message; the per-token budget is keyed by a hash.
 * Every attempt passes the budget (at most {@code budgetRequests} per sliding window, the excess
 * queued), carries a timeout, and is counted and timed. Rate limits, server errors, timeouts and
 * connection failures are retried with exponential backoff and full jitter, honouring
 * {@code retry-after}. Failures surface as {@link CloudflareException} with a {@link
 * CloudflareException.Kind}.
 *
 * <p>All methods return futures and never block; call them from any thread or event loop.
 */
public final class CloudflareClient implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CloudflareClient.class);

  public static final String METRIC_REQUESTS = "hmd.cloudflare.requests";
  public static final String METRIC_DURATION = "hmd.cloudflare.request.duration";
  public static final String METRIC_BUDGET_WAIT = "hmd.cloudflare.budget.wait";

  /** Endpoint templates: the {@code endpoint} tag of the metrics and of every failure. */
  public static final String VERSIONS_LIST = "versions.list";
  public static final String DEPLOYMENTS_LIST = "deployments.list";
  public static final String DEPLOYMENTS_CREATE = "deployments.create";
  public static final String TOKENS_VERIFY = "tokens.verify";
  public static final String TELEMETRY_QUERY = "telemetry.query";

  static final String STATUS_TIMEOUT = "timeout";
  static final String STATUS_ERROR = "error";

  private final Vertx vertx;
  private final CloudflareClientOptions options;
  private final MeterRegistry registry;
  private final WebClient web;
  private final TokenBudget budget;
  private final RetryPolicy retryPolicy;
  private final long startNanos = System.nanoTime();

  public CloudflareClient(Vertx vertx, CloudflareClientOptions options, MeterRegistry registry) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.options = Objects.requireNonNull(options, "options");
    this.registry = registry == null ? new SimpleMeterRegistry() : registry;
    this.web = WebClient.create(vertx, new WebClientOptions()
      .setUserAgent("workers-hmd")
      .setConnectTimeout((int) options.connectTimeout().toMillis())
      .setKeepAlive(true)
      .setFollowRedirects(false));
    this.budget = new TokenBudget(options.budgetRequests(), options.budgetWindow().toMillis());
    this.retryPolicy = new RetryPolicy(options);
  }

  public CloudflareClientOptions options() {
    return options;
  }

  // ---- versions

  /** Every version of the script, newest first, across all pages. */
  public Future<List<WorkerVersion>> listVersions(String token, String accountId, String script) {
    return guarded(() -> versionsFrom(token, scriptPath(accountId, script) + "/versions", 1, new LinkedHashMap<>()));
  }

  private record VersionPage(List<WorkerVersion> items, JsonObject info) {
  }

  private Future<List<WorkerVersion>> versionsFrom(String token, String path, int page,
                                                   Map<String, WorkerVersion> seen) {
    int perPage = options.versionsPerPage();
    Call call = Call.get(VERSIONS_LIST, path)
      .query("page", String.valueOf(page))
      .query("per_page", String.valueOf(perPage));
    return send(token, call, env -> new VersionPage(CloudflareJson.versions(env.result()), env.resultInfo()))
      .compose(result -> {
        // An upload between two pages shifts the list by one; the id keeps a version from appearing twice.
        result.items().forEach(v -> seen.putIfAbsent(v.id(), v));
        if (!CloudflareJson.hasNextPage(result.info(), page, perPage, result.items().size())) {
          return Future.succeededFuture(List.copyOf(seen.values()));
        }
        if (page >= options.maxVersionPages()) {
          LOG.warn("Stopped listing versions after {} pages; the server never returned a short page", page);
          return Future.succeededFuture(List.copyOf(seen.values()));
        }
        return versionsFrom(token, path, page + 1, seen);
      });
  }

  // ---- deployments

  /** The script's deployments, newest first; the first one is serving. */
  public Future<List<WorkerDeployment>> listDeployments(String token, String accountId, String script) {
    return guarded(() -> send(token, Call.get(DEPLOYMENTS_LIST, scriptPath(accountId, script) + "/deployments"),
      env -> CloudflareJson.deployments(env.result())));
  }

  /** The deployment serving traffic now; NOT_FOUND when the script was never deployed. */
  public Future<WorkerDeployment> currentDeployment(String token, String accountId, String script) {
    return listDeployments(token, accountId, script).compose(deployments -> deployments.isEmpty()
      ? Future.failedFuture(CloudflareException.noDeployment(DEPLOYMENTS_LIST))
      : Future.succeededFuture(deployments.get(0)));
  }

  /**
   * Deploys one or two versions with the given shares (summing to 100), annotated with
   * {@code message} as {@code workers/message} so the service can recognise its own deployments.
   */
  public Future<WorkerDeployment> createDeployment(String token, String accountId, String script,
                                             List<VersionSplit> versions, String message) {
    return createDeployment(token, accountId, script, versions, message, false);
  }

  /**
   * As {@link #createDeployment(String, String, String, List, String)}; {@code force} overrides
   * Cloudflare's refusal (code 10220) to go back to a version whose secrets have since changed.
   *
   * <p>Retried like every call: a POST that timed out or drew a 5xx may nevertheless have been
   * applied, so a retry can deploy the same split twice. That is safe because the deployer is
   * level-triggered: it reads the current deployment back and only acts on a difference.
   */
  public Future<WorkerDeployment> createDeployment(String token, String accountId, String script,
                                             List<VersionSplit> versions, String message, boolean force) {
    return guarded(() -> {
      Call call = Call.post(DEPLOYMENTS_CREATE, scriptPath(accountId, script) + "/deployments",
        CloudflareJson.deploymentBody(versions, message));
      if (force) {
        call.query("force", "true");
      }
      return send(token, call, env -> CloudflareJson.deployment(env.resultObject()));
    });
  }

  // ---- tokens

  /**
   * What Cloudflare says of the token (an account token, checked against its account). It does
   * not check permissions: an active token may still be refused by the calls that need them.
   */
  public Future<TokenStatus> verifyToken(String token, String accountId) {
    return guarded(() -> send(token, Call.get(TOKENS_VERIFY, accountPath(accountId) + "/tokens/verify"),
      env -> CloudflareJson.tokenStatus(env.result())));
  }

  // ---- telemetry

  /**
   * Requests, errors and latency/CPU percentiles of every version of {@code scripts} (one
   * account) in [{@code from}, {@code to}): two queries, sent together, one for the counts and
   * percentiles by outcome and one for the invocations that answered 500 or more (see
   * {@link ObservabilityQuery#serverErrorsBody}). A version absent from the map had no invocations
   * in the window: no data, not zero.
   */
  public Future<Map<ScriptVersion, VersionTelemetry>> versionStats(String token, String accountId,
                                                              Collection<String> scripts, Instant from, Instant to) {
    return guarded(() -> {
      Set<String> names = new LinkedHashSet<>(scripts);
      if (names.isEmpty()) {
        return Future.succeededFuture(Map.of());
      }
      names.forEach(CloudflareClient::segment);
      String path = accountPath(accountId) + "/workers/observability/telemetry/query";
      String queryId = "hmd-" + UUID.randomUUID();
      Future<Map<ScriptVersion, VersionTelemetry>> stats = send(token, Call.post(TELEMETRY_QUERY, path,
        ObservabilityQuery.body(queryId, names, from, to)), env -> ObservabilityQuery.fold(env.result()));
      Future<Map<ScriptVersion, Long>> serverErrors = send(token, Call.post(TELEMETRY_QUERY, path,
          ObservabilityQuery.serverErrorsBody(queryId + "-5xx", names, from, to)),
        env -> ObservabilityQuery.foldServerErrors(env.result()));
      // join, not all: a failure is answered once both calls have ended, so that none outlives its check
      return Future.join(stats, serverErrors)
        .map(both -> ObservabilityQuery.withServerErrors(stats.result(), serverErrors.result()));
    });
  }

  /**
   * How many invocations {@code versionId} of {@code script} had in [{@code from}, {@code to}):
   * one query filtered on the version. The smoke test confirms with it that its requests reached
   * the version they named (an override is ignored, silently, for a few seconds after a deployment
   * changes).
   */
  public Future<Long> versionRequests(String token, String accountId, String script, String versionId, Instant from,
                                      Instant to) {
    return guarded(() -> {
      segment(script);
      String path = accountPath(accountId) + "/workers/observability/telemetry/query";
      return send(token,
        Call.post(TELEMETRY_QUERY, path, ObservabilityQuery.versionRequestsBody("hmd-" + UUID.randomUUID(),
        script, versionId, from, to)), env -> ObservabilityQuery.foldVersionRequests(env.result(), versionId));
    });
  }

  @Override
  public void close() {
    web.close();
  }

  // ---- transport

  /** One API call: method, endpoint template, path under the base URL, query and JSON body. */
  private static final class Call {
    final HttpMethod method;
    final String endpoint;
    final String path;
    final JsonObject body;
    final Map<String, String> query = new LinkedHashMap<>();

    private Call(HttpMethod method, String endpoint, String path, JsonObject body) {
      this.method = method;
      this.endpoint = endpoint;
      this.path = path;
      this.body = body;
    }

    static Call get(String endpoint, String path) {
      return new Call(HttpMethod.GET, endpoint, path, null);
    }

    static Call post(String endpoint, String path, JsonObject body) {
      return new Call(HttpMethod.POST, endpoint, path, body);
    }

    Call query(String name, String value) {
      query.put(name, value);
      return this;
    }
  }

  private <T> Future<T> send(String token, Call call, Function<CloudflareJson.Envelope, T> parser) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture(new IllegalArgumentException("an API token is required"));
    }
    String tokenKey = TokenBudget.keyOf(token);
    return attempt(token, tokenKey, call, 1).compose(envelope -> {
      try {
        return Future.succeededFuture(parser.apply(envelope));
      } catch (IllegalStateException | IllegalArgumentException | ClassCastException e) {
        return Future.failedFuture(CloudflareException.invalidResponse(call.endpoint, 200, e.getMessage()));
      }
    });
  }

  private Future<CloudflareJson.Envelope> attempt(String token, String tokenKey, Call call, int attempt) {
    // The budget failing fast is final: retrying would only queue behind the same full window.
    return awaitBudget(tokenKey, call.endpoint).compose(v -> sendOnce(token, call).recover(failure -> {
      CloudflareException error = failure instanceof CloudflareException ce
        ? ce.redact(token) : CloudflareException.network(call.endpoint, failure);
      Duration delay = retryPolicy.delayAfter(attempt, error);
      if (delay == null) {
        return Future.failedFuture(error);
      }
      // POSTs are retried too: a deployment that timed out may have been applied, which the
      // level-triggered deployer tolerates (see createDeployment).
      LOG.debug("Cloudflare {} attempt {} failed ({}), retrying in {} ms", call.endpoint, attempt, error.kind(),
        delay.toMillis());
      return after(delay).compose(w -> attempt(token, tokenKey, call, attempt + 1));
    }));
  }

  private Future<Void> awaitBudget(String tokenKey, String endpoint) {
    long wait = budget.reserve(tokenKey, nowMillis(), options.budgetMaxWait().toMillis());
    if (wait < 0) {
      return Future.failedFuture(CloudflareException.budgetExhausted(endpoint, Duration.ofMillis(-wait)));
    }
    if (wait == 0) {
      return Future.succeededFuture();
    }
    Timer.builder(METRIC_BUDGET_WAIT)
      .description("Time Cloudflare calls waited for a slot in the per-token request budget")
      .tag("endpoint", endpoint)
      .register(registry)
      .record(wait, TimeUnit.MILLISECONDS);
    return after(Duration.ofMillis(wait));
  }

  private Future<CloudflareJson.Envelope> sendOnce(String token, Call call) {
    HttpRequest<Buffer> request = web.requestAbs(call.method, options.baseUrl() + call.path)
      .timeout(options.requestTimeout().toMillis())
      .connectTimeout(options.connectTimeout().toMillis())
      .bearerTokenAuthentication(token)
      .putHeader("Accept", "application/json");
    call.query.forEach(request::addQueryParam);
    long started = System.nanoTime();
    Future<HttpResponse<Buffer>> sent = call.body == null ? request.send() : request.sendJsonObject(call.body);
    return sent.transform(result -> {
      long elapsed = System.nanoTime() - started;
      if (result.failed()) {
        boolean timedOut = isTimeout(result.cause());
        record(call.endpoint, timedOut ? STATUS_TIMEOUT : STATUS_ERROR, elapsed);
        return Future.failedFuture(timedOut
          ? CloudflareException.timeout(call.endpoint, result.cause())
          : CloudflareException.network(call.endpoint, result.cause()));
      }
      HttpResponse<Buffer> response = result.result();
      record(call.endpoint, String.valueOf(response.statusCode()), elapsed);
      try {
        return Future.succeededFuture(CloudflareJson.envelope(call.endpoint, response.statusCode(),
          response.getHeader("retry-after"), response.body(), Instant.now()));
      } catch (CloudflareException e) {
        return Future.failedFuture(e);
      }
    });
  }

  private Future<Void> after(Duration delay) {
    if (delay.isZero()) {
      return Future.succeededFuture();
    }
    return vertx.timer(delay.toMillis(), TimeUnit.MILLISECONDS).mapEmpty();
  }

  private void record(String endpoint, String status, long elapsedNanos) {
    Counter.builder(METRIC_REQUESTS)
      .description("Cloudflare API attempts by endpoint and HTTP status (or timeout/error)")
      .tags("endpoint", endpoint, "status", status)
      .register(registry)
      .increment();
    Timer.builder(METRIC_DURATION)
      .description("Duration of Cloudflare API attempts")
      .tags("endpoint", endpoint, "status", status)
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofMillis(5))
      .maximumExpectedValue(Duration.ofSeconds(60))
      .register(registry)
      .record(elapsedNanos, TimeUnit.NANOSECONDS);
  }

  private static boolean isTimeout(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  private long nowMillis() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  private static <T> Future<T> guarded(Supplier<Future<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private static String accountPath(String accountId) {
    return "/accounts/" + segment(accountId);
  }

  private static String scriptPath(String accountId, String script) {
    return accountPath(accountId) + "/workers/scripts/" + segment(script);
  }

  private static String segment(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("account id and script name must not be blank");
    }
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
