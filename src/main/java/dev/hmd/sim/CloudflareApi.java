package dev.hmd.sim;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Cloudflare API v4 endpoints the service calls, mounted under {@code /client/v4}. */
final class CloudflareApi {

  private static final Logger LOG = LoggerFactory.getLogger(CloudflareApi.class);
  private static final String ACCOUNT = "/accounts/:accountId";
  private static final String SCRIPT = ACCOUNT + "/workers/scripts/:script";
  /** [U] Cloudflare's defaults for the versions list are not documented. */
  static final int DEFAULT_PER_PAGE = 10;
  static final int MAX_PER_PAGE = 100;
  private static final long MAX_BODY_BYTES = 1024 * 1024;

  private final Vertx vertx;
  private final SimWorld world;
  private final CfAuth auth;
  private final FaultInjector faults;
  private final TelemetryApi telemetry;

  CloudflareApi(Vertx vertx, SimWorld world) {
    this.vertx = vertx;
    this.world = world;
    this.auth = new CfAuth(world);
    this.faults = new FaultInjector(world, vertx);
    this.telemetry = new TelemetryApi(vertx, world);
  }

  Router router() {
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.route().handler(faults::delay).handler(faults::inject);

    router.get("/user/tokens/verify").handler(auth::anyAccount).handler(this::verifyToken);
    router.get(ACCOUNT + "/tokens/verify").handler(auth::ownAccount).handler(this::verifyToken);
    router.get(SCRIPT + "/versions").handler(auth::ownAccount).handler(this::listVersions);
    router.get(SCRIPT + "/versions/:versionId").handler(auth::ownAccount).handler(this::getVersion);
    router.get(SCRIPT + "/deployments").handler(auth::ownAccount).handler(this::listDeployments);
    router.post(SCRIPT + "/deployments").handler(auth::ownAccount).handler(this::createDeployment);
    router.post(ACCOUNT + "/workers/observability/telemetry/query").handler(auth::ownAccount).handler(telemetry::query);

    router.route().handler(this::noRoute);
    router.route().failureHandler(this::failure);
    return router;
  }

  private void verifyToken(RoutingContext ctx) {
    SimWorld.Token token = ctx.get(CfAuth.TOKEN);
    CfResponses.ok(ctx, new JsonObject().put("id", token.id()).put("status", "active"));
  }

  private void listVersions(RoutingContext ctx) {
    SimWorker worker = worker(ctx);
    int page = intParam(ctx, "page", 1, 1, Integer.MAX_VALUE);
    int perPage = intParam(ctx, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE);
    List<SimVersion> versions = worker.versionsNewestFirst();
    if (booleanParam(ctx, "deployable")) {
      versions = versions.subList(0, Math.min(versions.size(), SimWorker.DEPLOYABLE_VERSIONS));
    }
    long start = Math.min((long) (page - 1) * perPage, versions.size());
    List<SimVersion> slice = versions.subList((int) start, (int) Math.min(start + perPage, versions.size()));
    JsonArray items = new JsonArray();
    slice.forEach(version -> items.add(CfViews.version(version)));
    CfResponses.ok(ctx, new JsonObject().put("items", items), new JsonObject()
      .put("page", page)
      .put("per_page", perPage)
      .put("count", slice.size())
      .put("total_count", versions.size()));
  }

  private void getVersion(RoutingContext ctx) {
    SimVersion version = worker(ctx).version(ctx.pathParam("versionId")).orElseThrow(() ->
      new CfException(404, CfException.VERSION_NOT_FOUND, "This version does not exist on this Worker."));
    CfResponses.ok(ctx, CfViews.versionDetail(version));
  }

  private void listDeployments(RoutingContext ctx) {
    JsonArray deployments = new JsonArray();
    worker(ctx).deploymentsNewestFirst().forEach(deployment -> deployments.add(CfViews.deployment(deployment)));
    CfResponses.ok(ctx, new JsonObject().put("deployments", deployments));
  }

  /**
   * {@code ?force=true} is accepted and changes nothing: the simulator never refuses a rollback
   * by itself. An injected refusal comes before the body is read: it stands for a reason no body
   * can fix (a changed secret, a Durable Object migration).
   */
  private void createDeployment(RoutingContext ctx) {
    SimWorker worker = worker(ctx);
    Faults faults = world.faults();
    if (faults.refusesDeploymentOf(worker.script)) {
      throw CfException.invalid(faults.refuseDeployments().code(), faults.refuseDeployments().message(), null);
    }
    DeploymentRequest request = DeploymentRequest.parse(Bodies.object(ctx, false), worker);
    // [U] what Cloudflare records as the trigger of an API deployment without one
    String triggeredBy = request.triggeredBy() != null ? request.triggeredBy() : "deployment";
    Deployment deployment = worker.deploy(request.versions(), request.message(), triggeredBy, "api",
      SimWorld.AUTHOR_EMAIL, world.now());
    CfResponses.ok(ctx, CfViews.deployment(deployment));
  }

  private void noRoute(RoutingContext ctx) {
    throw CfException.noRoute(ctx.request().path());
  }

  private SimWorker worker(RoutingContext ctx) {
    return world.worker(ctx.pathParam("accountId"), ctx.pathParam("script")).orElseThrow(CfException::workerNotFound);
  }

  private static int intParam(RoutingContext ctx, String name, int fallback, int min, int max) {
    String value = ctx.request().getParam(name);
    if (value == null || value.isEmpty()) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException ignored) {
      // answered below like an out-of-range number
    }
    throw CfException.invalid(CfException.INVALID_QUERY, name + " must be an integer from " + min + " to " + max, null);
  }

  private static boolean booleanParam(RoutingContext ctx, String name) {
    String value = ctx.request().getParam(name);
    if (value == null || value.isEmpty() || value.equalsIgnoreCase("false")) {
      return false;
    }
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    throw CfException.invalid(CfException.INVALID_QUERY, name + " must be true or false", null);
  }

  private void failure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof CfException error) {
      CfResponses.fail(ctx, error);
    } else if (failure instanceof ObservabilityException error) {
      CfResponses.observabilityFail(ctx, error);
    } else if (failure == null && ctx.statusCode() == 413) {
      CfResponses.fail(ctx, new CfException(413, CfException.MALFORMED_BODY, "Request body too large"));
    } else if (failure == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      CfResponses.fail(ctx, new CfException(ctx.statusCode(), CfException.MALFORMED_BODY, "Bad request"));
    } else {
      LOG.error("simulator failure on {} {}", ctx.request().method(), ctx.request().path(), failure);
      CfResponses.fail(ctx, new CfException(500, CfException.INTERNAL, "An unknown error has occurred"));
    }
  }
}
