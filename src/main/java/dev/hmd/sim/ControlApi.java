package dev.hmd.sim;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulator's control endpoints under {@code /sim}: tokens, Workers, versions and their
 * profiles, faults. Faults never apply here, so a test can always steer the simulator.
 */
final class ControlApi {

  private static final Logger LOG = LoggerFactory.getLogger(ControlApi.class);
  private static final String WORKER = "/accounts/:accountId/workers/:script";
  private static final double MAX_RPS = 100_000;
  private static final Set<String> PROFILE_FIELDS = Set.of("message", "tag", "latencyMs", "cpuMs", "errorRate",
    "serverErrorRate");
  private static final Set<String> PROFILE_CHANGE_FIELDS = Set.of("latencyMs", "cpuMs", "errorRate", "serverErrorRate");
  private static final Set<String> PERCENTILE_FIELDS = Set.of("p50", "p99");
  private static final Set<String> FAULT_FIELDS = Set.of("errorRate", "errorStatus", "rateLimitRate",
    "retryAfterSeconds", "latencyMs", "telemetryLagSeconds", "overridePropagationSeconds", "refuseDeployments");
  private static final Set<String> REFUSAL_FIELDS = Set.of("code", "message", "scripts");
  /** Cloudflare's error codes are four digits or more; anything lower would look like an HTTP status. */
  private static final long MIN_ERROR_CODE = 1000;
  private static final int MAX_REFUSAL_MESSAGE_CHARS = 500;
  private static final int MAX_REFUSED_SCRIPTS = 100;

  private final Vertx vertx;
  private final SimWorld world;

  ControlApi(Vertx vertx, SimWorld world) {
    this.vertx = vertx;
    this.world = world;
  }

  Router router() {
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(64 * 1024));

    router.post("/tokens").handler(this::registerToken);
    router.post(WORKER).handler(this::createWorker);
    router.get(WORKER).handler(this::describeWorker);
    router.patch(WORKER).handler(this::changeWorker);
    router.post(WORKER + "/versions").handler(this::uploadVersion);
    router.patch(WORKER + "/versions/:versionId").handler(this::changeVersion);
    router.get("/faults").handler(this::showFaults);
    router.put("/faults").handler(this::setFaults);
    router.delete("/faults").handler(this::clearFaults);
    router.post("/reset").handler(this::reset);

    router.route().handler(ctx -> {
      throw ControlException.notFound("no control endpoint " + ctx.request().method() + " " + ctx.request().path());
    });
    router.route().failureHandler(ControlApi::failure);
    return router;
  }

  private void registerToken(RoutingContext ctx) {
    ControlBody body = ControlBody.of(Bodies.object(ctx, false), Set.of("token", "accountId"));
    body.require("token");
    body.require("accountId");
    String token = body.string("token", 1000);
    String accountId = body.string("accountId", 32);
    if (accountId != null && !SimWorld.ACCOUNT_ID.matcher(accountId).matches()) {
      body.error("accountId", "must be 32 lowercase hex characters");
    }
    body.done();
    SimWorld.Token registered = world.registerToken(token, accountId);
    send(ctx, 201, new JsonObject().put("id", registered.id()).put("accountId", accountId));
  }

  private void createWorker(RoutingContext ctx) {
    String accountId = ctx.pathParam("accountId");
    String script = ctx.pathParam("script");
    ControlBody body = ControlBody.of(Bodies.object(ctx, true), Set.of("rps"));
    if (!SimWorld.ACCOUNT_ID.matcher(accountId).matches()) {
      body.error("accountId", "must be 32 lowercase hex characters");
    }
    if (!SimWorld.SCRIPT_NAME.matcher(script).matches()) {
      body.error("script", "must match " + SimWorld.SCRIPT_NAME.pattern());
    }
    Double rps = body.number("rps", 0, MAX_RPS);
    body.done();
    try {
      SimWorker worker = world.createWorker(accountId, script, rps != null ? rps : SimWorld.DEFAULT_RPS);
      String versionId = worker.versionsNewestFirst().get(0).id;
      send(ctx, 201, new JsonObject().put("script", script).put("versionId", versionId));
    } catch (SimWorld.WorkerExists e) {
      throw ControlException.conflict("Worker " + script + " already exists in account " + accountId);
    }
  }

  private void describeWorker(RoutingContext ctx) {
    SimWorker worker = worker(ctx);
    vertx.executeBlocking(() -> {
      long now = world.now();
      worker.advance(now, world.retainFromSecond(now));
      return ControlViews.worker(worker);
    }, false).onSuccess(view -> send(ctx, 200, view)).onFailure(ctx::fail);
  }

  private void changeWorker(RoutingContext ctx) {
    SimWorker worker = worker(ctx);
    ControlBody body = ControlBody.of(Bodies.object(ctx, false), Set.of("rps"));
    body.require("rps");
    Double rps = body.number("rps", 0, MAX_RPS);
    body.done();
    worker.changeRps(rps, world.now());
    send(ctx, 200, new JsonObject().put("script", worker.script).put("rps", CfViews.number(rps)));
  }

  private void uploadVersion(RoutingContext ctx) {
    SimWorker worker = worker(ctx);
    ControlBody body = ControlBody.of(Bodies.object(ctx, true), PROFILE_FIELDS);
    String message = body.string("message", DeploymentRequest.MAX_MESSAGE_BYTES);
    String tag = body.string("tag", 100);
    Profile profile = profile(body, Profile.DEFAULT);
    SimVersion version = worker.upload(message, tag, profile, world.now(), SimWorld.AUTHOR_EMAIL);
    send(ctx, 201, new JsonObject().put("id", version.id).put("number", version.number));
  }

  private void changeVersion(RoutingContext ctx) {
    SimWorker worker = worker(ctx);
    SimVersion version = worker.version(ctx.pathParam("versionId"))
      .orElseThrow(() ->
        ControlException.notFound("no version " + ctx.pathParam("versionId") + " on " + worker.script));
    ControlBody body = ControlBody.of(Bodies.object(ctx, false), PROFILE_CHANGE_FIELDS);
    Profile profile = profile(body, version.profile());
    worker.changeProfile(version, profile, world.now());
    send(ctx, 200,
      ControlViews.version(version, worker.deployable(version)).put("profile", ControlViews.profile(profile)));
  }

  /** The profile the body describes, each omitted field taken from {@code base}. */
  private static Profile profile(ControlBody body, Profile base) {
    Profile.Percentiles latency = percentiles(body, "latencyMs", base.latencyMs());
    Profile.Percentiles cpu = percentiles(body, "cpuMs", base.cpuMs());
    Double errorRate = body.number("errorRate", 0, 1);
    Double serverErrorRate = body.number("serverErrorRate", 0, 1);
    double errors = errorRate != null ? errorRate : base.errorRate();
    double serverErrors = serverErrorRate != null ? serverErrorRate : base.serverErrorRate();
    if ((errorRate != null || serverErrorRate != null) && !Profile.ratesFit(errors, serverErrors)) {
      // Named after the field that was sent; a PATCH may have sent only one of the two.
      body.error(serverErrorRate != null ? "serverErrorRate" : "errorRate",
        "errorRate + serverErrorRate must be at most 1 (they are " + CfViews.number(errors) + " and "
          + CfViews.number(serverErrors) + ")");
    }
    body.done();
    return new Profile(latency, cpu, errors, serverErrors);
  }

  private static Profile.Percentiles percentiles(ControlBody body, String field, Profile.Percentiles base) {
    ControlBody nested = body.nested(field, PERCENTILE_FIELDS);
    if (nested == null) {
      return base;
    }
    boolean valid = true;
    Double p50 = nested.number("p50", 0.01, Profile.Percentiles.MAX_MS);
    Double p99 = nested.number("p99", 0.01, Profile.Percentiles.MAX_MS);
    valid &= p50 != null || !nested.has("p50");
    valid &= p99 != null || !nested.has("p99");
    double median = p50 != null ? p50 : base.p50();
    double tail = p99 != null ? p99 : base.p99();
    if (valid && tail < median) {
      nested.error("p99", "must be at least p50 (" + CfViews.number(median) + ")");
      valid = false;
    }
    return valid ? new Profile.Percentiles(median, tail) : base;
  }

  private void showFaults(RoutingContext ctx) {
    send(ctx, 200, world.faults().toJson());
  }

  /** Replaces every fault: a field left out is no fault, so {@code {}} clears them all. */
  private void setFaults(RoutingContext ctx) {
    ControlBody body = ControlBody.of(Bodies.object(ctx, true), FAULT_FIELDS);
    Faults none = Faults.none(world.options());
    Double errorRate = body.number("errorRate", 0, 1);
    Long errorStatus = body.integer("errorStatus", 500, 599);
    Double rateLimitRate = body.number("rateLimitRate", 0, 1);
    Long retryAfter = body.integer("retryAfterSeconds", 1, 3600);
    Long latency = body.integer("latencyMs", 0, 60_000);
    Long lag = body.integer("telemetryLagSeconds", 0, world.options().retention().toSeconds());
    Long overridePropagation = body.integer("overridePropagationSeconds", 0, SimOptions.MAX_PROPAGATION_SECONDS);
    Faults.RefuseDeployments refusal = refusal(body);
    body.done();
    Faults faults = new Faults(
      errorRate != null ? errorRate : none.errorRate(),
      errorStatus != null ? errorStatus.intValue() : none.errorStatus(),
      rateLimitRate != null ? rateLimitRate : none.rateLimitRate(),
      retryAfter != null ? retryAfter.intValue() : none.retryAfterSeconds(),
      latency != null ? latency : none.latencyMs(),
      lag != null ? lag : none.telemetryLagSeconds(),
      overridePropagation != null ? overridePropagation.intValue() : none.overridePropagationSeconds(),
      refusal);
    world.faults(faults);
    send(ctx, 200, faults.toJson());
  }

  /** {@code refuseDeployments: {code, message, scripts?}}; null when absent or not valid. */
  private static Faults.RefuseDeployments refusal(ControlBody body) {
    ControlBody nested = body.nested("refuseDeployments", REFUSAL_FIELDS);
    if (nested == null) {
      return null;
    }
    nested.require("code");
    nested.require("message");
    Long code = nested.integer("code", MIN_ERROR_CODE, Integer.MAX_VALUE);
    String message = nested.text("message", MAX_REFUSAL_MESSAGE_CHARS);
    List<String> scripts = nested.strings("scripts", MAX_REFUSED_SCRIPTS, SimWorld.SCRIPT_NAME);
    boolean valid = code != null && message != null && (scripts != null || !nested.has("scripts"));
    return valid ? new Faults.RefuseDeployments(code.intValue(), message, scripts) : null;
  }

  private void clearFaults(RoutingContext ctx) {
    world.clearFaults();
    ctx.response().setStatusCode(204).end();
  }

  /** Forgets every token, Worker and fault: a clean simulator without a restart. */
  private void reset(RoutingContext ctx) {
    world.reset();
    ctx.response().setStatusCode(204).end();
  }

  private SimWorker worker(RoutingContext ctx) {
    String accountId = ctx.pathParam("accountId");
    String script = ctx.pathParam("script");
    return world.worker(accountId, script)
      .orElseThrow(() -> ControlException.notFound("no Worker " + script + " in account " + accountId));
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  /** Every refusal as problem+json; the edge answers its own errors the same way. */
  static void failure(RoutingContext ctx) {
    ControlException problem;
    if (ctx.failure() instanceof ControlException control) {
      problem = control;
    } else if (ctx.failure() == null && ctx.statusCode() == 413) {
      problem = new ControlException(413, "Payload Too Large", "the body is too large", List.of());
    } else if (ctx.failure() == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      problem = new ControlException(ctx.statusCode(), "Bad Request", "the request was refused", List.of());
    } else {
      LOG.error("simulator control failure on {} {}", ctx.request().method(), ctx.request().path(), ctx.failure());
      problem = new ControlException(500, "Internal Server Error", "the simulator failed; it has been logged",
        List.of());
    }
    if (!ctx.response().headWritten()) {
      ctx.response().setStatusCode(problem.status).putHeader("content-type", ControlException.CONTENT_TYPE)
        .end(problem.toJson().encode());
    }
  }
}
