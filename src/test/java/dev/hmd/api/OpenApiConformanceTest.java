package dev.hmd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Drives every routed operation, in its success and its documented failures, through {@link Api},
 * which checks each response against openapi.yaml. The assertions here only make sure the
 * interesting statuses were really produced; the document check is the point.
 */
class OpenApiConformanceTest {

  static final String ACCOUNT = "0123456789abcdef0123456789abcdef";
  static final String TOKEN = "cf-token-good-0123456789";

  static Vertx cloudflareVertx;
  static FakeCloudflare cloudflare;
  static Service service;
  static Api api;

  @BeforeAll
  static void start() {
    cloudflareVertx = Vertx.vertx();
    cloudflare = new FakeCloudflare(cloudflareVertx);
    service = TestService.start(Map.of(Config.RATE_LIMIT_PER_MINUTE, "6000",
      Config.CLOUDFLARE_API_BASE, cloudflare.baseUrl()));
    api = Api.of(service);
  }

  @AfterAll
  static void stop() {
    service.close();
    cloudflareVertx.close().await();
  }

  @Test
  @DisplayName("operations, health, metrics and the dashboard answer as documented")
  void operations() {
    assertThat(api.get("/health/live").statusCode()).isEqualTo(200);
    assertThat(api.get("/health/ready").statusCode()).isEqualTo(200);
    assertThat(api.get("/metrics").statusCode()).isEqualTo(200);
    assertThat(api.with("Accept", "application/openmetrics-text; version=1.0.0").get("/metrics").statusCode())
      .isEqualTo(200);
    assertThat(api.get("/").statusCode()).isEqualTo(200);
    assertThat(api.get("/openapi.yaml").statusCode()).isEqualTo(200);
    assertThat(api.get("/no-such-file.js").statusCode()).isEqualTo(404);
    assertThat(api.send(HttpMethod.PUT, "/health/live", new JsonObject()).statusCode()).isEqualTo(405);
  }

  @Test
  @DisplayName("platform admin, session and key operations answer as documented")
  void tenancy() {
    Api platform = api.as(TestService.ADMIN_TOKEN);
    Api.TenantKeys tenant = api.newTenant("conformance");
    JsonObject tenants = platform.get("/v1/admin/tenants").bodyAsJsonObject();
    assertThat(tenants.getJsonArray("items")).isNotEmpty();
    assertThat(api.as("nope").get("/v1/admin/tenants").statusCode()).isEqualTo(401);
    assertThat(platform.sendRaw(HttpMethod.POST, "/v1/admin/tenants", "text/plain", Buffer.buffer("x")).statusCode())
      .isEqualTo(415);

    Api admin = api.as(tenant.adminKey());
    assertThat(admin.get("/v1/session").statusCode()).isEqualTo(200);
    assertThat(api.get("/v1/session").statusCode()).isEqualTo(401);
    assertThat(api.post("/v1/session", new JsonObject().put("apiKey", 42)).statusCode()).isEqualTo(400);
    assertThat(api.post("/v1/session", new JsonObject().put("apiKey", tenant.adminKey())).statusCode()).isEqualTo(204);
    assertThat(api.delete("/v1/session").statusCode()).isEqualTo(204);
    String viewer = api.newKey(tenant.adminKey(), "viewer");
    assertThat(api.as(viewer).get("/v1/audit").statusCode()).isEqualTo(403);
    assertThat(api.as(viewer).delete("/v1/api-keys/k_x").statusCode()).isEqualTo(403);
    assertThat(admin.get("/v1/audit?limit=1").bodyAsJsonObject().getString("nextCursor")).isNotNull();
    assertThat(admin.get("/v1/audit?limit=0").statusCode()).isEqualTo(400);
    assertThat(admin.get("/v1/audit?cursor=abc").statusCode()).isEqualTo(400);
    assertThat(admin.get("/v1/audit?limit=200").bodyAsJsonObject().getValue("nextCursor")).isNull();
  }

  @Test
  @DisplayName("connection operations answer as documented, Cloudflare's refusals included")
  void connections() {
    Api.TenantKeys tenant = api.newTenant("connections");
    Api admin = api.as(tenant.adminKey());
    Api viewer = api.as(api.newKey(tenant.adminKey(), "viewer"));
    JsonObject body = new JsonObject().put("accountId", ACCOUNT).put("workerName", "shop").put("apiToken", TOKEN);

    HttpResponse<Buffer> created = admin.post("/v1/connections", body);
    assertThat(created.statusCode()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("id");
    assertThat(admin.post("/v1/connections", body).statusCode()).isEqualTo(409);
    assertThat(admin.post("/v1/connections", new JsonObject().put("accountId", "x")).bodyAsJsonObject()
      .getJsonArray("errors")).hasSizeGreaterThanOrEqualTo(3);
    assertThat(admin.post("/v1/connections", body.copy().put("workerName", "other").put("apiToken", "cf-token-refused"))
      .statusCode()).isEqualTo(400);
    assertThat(viewer.post("/v1/connections", body).statusCode()).isEqualTo(403);

    assertThat(viewer.get("/v1/connections").bodyAsJsonObject().getJsonArray("items")).hasSize(1);
    assertThat(viewer.get("/v1/connections/" + id).statusCode()).isEqualTo(200);
    assertThat(admin.patch("/v1/connections/" + id, new JsonObject().put("name", "Shop")).statusCode()).isEqualTo(200);
    assertThat(admin.patch("/v1/connections/" + id, new JsonObject().put("apiToken", TOKEN)).statusCode())
      .isEqualTo(200);
    assertThat(admin.patch("/v1/connections/" + id, new JsonObject()).statusCode()).isEqualTo(400);
    assertThat(admin.patch("/v1/connections/c_unknown", new JsonObject().put("name", "x")).statusCode()).isEqualTo(404);

    JsonArray versions = viewer.get("/v1/connections/" + id + "/versions").bodyAsJsonObject().getJsonArray("items");
    assertThat(versions).hasSize(2);
    assertThat(viewer.get("/v1/connections/" + id + "/deployment").bodyAsJsonObject().getJsonArray("versions"))
      .hasSize(1);
    assertThat(viewer.get("/v1/connections/c_unknown/versions").statusCode()).isEqualTo(404);
    cloudflare.failing.set(true);
    try {
      assertThat(viewer.get("/v1/connections/" + id + "/versions").statusCode()).isEqualTo(502);
      assertThat(viewer.get("/v1/connections/" + id + "/deployment").statusCode()).isEqualTo(502);
    } finally {
      cloudflare.failing.set(false);
    }

    assertThat(viewer.delete("/v1/connections/" + id).statusCode()).isEqualTo(403);
    assertThat(admin.delete("/v1/connections/" + id).statusCode()).isEqualTo(204);
    assertThat(admin.delete("/v1/connections/" + id).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("plan operations answer as documented: the default plan, a saved plan and one error per problem")
  void plans() {
    Api.TenantKeys tenant = api.newTenant("plans");
    Api admin = api.as(tenant.adminKey());
    Api viewer = api.as(api.newKey(tenant.adminKey(), "viewer"));
    String id = admin.post("/v1/connections", new JsonObject().put("name", "Shop").put("accountId", ACCOUNT)
      .put("workerName", "plans-shop").put("apiToken", TOKEN)).bodyAsJsonObject().getString("id");
    String plan = "/v1/connections/" + id + "/plan";

    JsonObject initial = viewer.get(plan).bodyAsJsonObject();
    assertThat(initial.getInteger("revision")).isZero();
    JsonObject edited = initial.copy().put("approvalTimeoutSeconds", 600);
    edited.getJsonArray("slos")
      .add(new JsonObject().put("sli", "latency_p50").put("threshold", 1.2).put("mode", "relative"));
    HttpResponse<Buffer> saved = admin.put(plan, edited);
    assertThat(saved.statusCode()).isEqualTo(200);
    assertThat(saved.bodyAsJsonObject().getInteger("revision")).isEqualTo(1);
    assertThat(viewer.get(plan).bodyAsJsonObject().getString("updatedAt")).isNotNull();

    JsonObject invalid = new JsonObject()
      .put("stages", new JsonArray().add(new JsonObject().put("targetPercent", 50).put("soakSeconds", 0)))
      .put("slos", new JsonArray().add(new JsonObject().put("sli", "nope").put("threshold", -1)));
    assertThat(admin.put(plan, invalid).bodyAsJsonObject().getJsonArray("errors")).hasSizeGreaterThanOrEqualTo(3);
    assertThat(viewer.put(plan, edited).statusCode()).isEqualTo(403);
    assertThat(admin.put("/v1/connections/c_unknown/plan", edited).statusCode()).isEqualTo(404);
    assertThat(viewer.get("/v1/connections/c_unknown/plan").statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("an unknown connection id is a documented 404")
  void unknownConnection() {
    Api admin = api.as(api.newTenant("unknown-connection").adminKey());
    HttpResponse<Buffer> res = assertTimeoutPreemptively(Duration.ofSeconds(10),
      () -> admin.get("/v1/connections/c_unknown"));
    assertThat(res.statusCode()).isEqualTo(404);
  }

  /**
   * Just enough of Cloudflare's API for connections: the versions and deployments of any Worker,
   * for {@link #TOKEN} only; {@code failing} makes every call a 403.
   */
  static final class FakeCloudflare {

    final AtomicBoolean failing = new AtomicBoolean();
    private final HttpServer server;

    FakeCloudflare(Vertx vertx) {
      Router router = Router.router(vertx);
      router.route("/client/v4/*").handler(this::authorize);
      router.get("/client/v4/accounts/:account/workers/scripts/:script/versions").handler(this::versions);
      router.get("/client/v4/accounts/:account/workers/scripts/:script/deployments").handler(this::deployments);
      server = vertx.createHttpServer().requestHandler(router).listen(0).await();
    }

    String baseUrl() {
      return "http://localhost:" + server.actualPort() + "/client/v4";
    }

    private void authorize(RoutingContext ctx) {
      if (failing.get() || !("Bearer " + TOKEN).equals(ctx.request().getHeader("Authorization"))) {
        reply(ctx, 403,
          new JsonObject().put("success", false).put("result", (Object) null).put("messages", new JsonArray())
          .put("errors",
            new JsonArray()
            .add(new JsonObject().put("code", 9109).put("message", "Unauthorized to access requested resource"))));
        return;
      }
      ctx.next();
    }

    private void versions(RoutingContext ctx) {
      JsonArray items = new JsonArray()
        .add(new JsonObject().put("id", "v-2").put("number", 2)
          .put("metadata", new JsonObject().put("created_on", "2025-03-01T10:00:00.123456Z").put("source", "wrangler"))
          .put("annotations", new JsonObject().put("workers/message", "faster checkout").put("workers/tag", "v2")))
        .add(new JsonObject().put("id", "v-1").put("number", 1)
          .put("metadata", new JsonObject().put("created_on", "2025-02-01T10:00:00Z")));
      reply(ctx, 200, success(new JsonObject().put("items", items))
        .put("result_info", new JsonObject().put("page", 1).put("per_page", 100)));
    }

    private void deployments(RoutingContext ctx) {
      JsonObject deployment = new JsonObject().put("id", "d-1").put("created_on", "2025-02-01T10:05:00Z")
        .put("source", "wrangler").put("strategy", "percentage")
        .put("versions", new JsonArray().add(new JsonObject().put("version_id", "v-1").put("percentage", 100)));
      reply(ctx, 200, success(new JsonObject().put("deployments", new JsonArray().add(deployment))));
    }

    private static JsonObject success(Object result) {
      return new JsonObject().put("success", true).put("errors", new JsonArray()).put("messages", new JsonArray())
        .put("result", result);
    }

    private static void reply(RoutingContext ctx, int status, JsonObject body) {
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }
  }
}
