package dev.hmd.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.tenancy.Role;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every tenant route of the router, by role, against another tenant's ids, and with malformed
 * bodies. The table of minimum roles must name every route, so a new route cannot skip it.
 */
// the fixtures' webhooks point at 127.0.0.1: private addresses must be allowed explicitly
@WithService(env = Config.WEBHOOK_ALLOW_PRIVATE + "=true")
class AccessMatrixTest {

  /** The least role each tenant route needs; routes without {@code :id} use the caller's own resources. */
  static final Map<String, Role> MINIMUM = new TreeMap<>(Map.ofEntries(
    Map.entry("GET /v1/session", Role.VIEWER),
    Map.entry("POST /v1/api-keys", Role.ADMIN),
    Map.entry("GET /v1/api-keys", Role.ADMIN),
    Map.entry("DELETE /v1/api-keys/:id", Role.ADMIN),
    Map.entry("GET /v1/audit", Role.ADMIN),
    Map.entry("POST /v1/connections", Role.ADMIN),
    Map.entry("GET /v1/connections", Role.VIEWER),
    Map.entry("GET /v1/connections/:id", Role.VIEWER),
    Map.entry("PATCH /v1/connections/:id", Role.ADMIN),
    Map.entry("DELETE /v1/connections/:id", Role.ADMIN),
    Map.entry("GET /v1/connections/:id/versions", Role.VIEWER),
    Map.entry("GET /v1/connections/:id/deployment", Role.VIEWER),
    Map.entry("GET /v1/connections/:id/plan", Role.VIEWER),
    Map.entry("PUT /v1/connections/:id/plan", Role.OPERATOR),
    Map.entry("POST /v1/connections/:id/releases", Role.OPERATOR),
    Map.entry("GET /v1/releases", Role.VIEWER),
    Map.entry("GET /v1/releases/:id", Role.VIEWER),
    Map.entry("GET /v1/releases/:id/checks", Role.VIEWER),
    Map.entry("POST /v1/releases/:id/approve", Role.OPERATOR),
    Map.entry("POST /v1/releases/:id/deny", Role.OPERATOR),
    Map.entry("POST /v1/releases/:id/cancel", Role.OPERATOR),
    Map.entry("POST /v1/releases/:id/pause", Role.OPERATOR),
    Map.entry("POST /v1/releases/:id/resume", Role.OPERATOR),
    Map.entry("POST /v1/releases/:id/promote", Role.OPERATOR),
    Map.entry("POST /v1/releases/:id/revert", Role.OPERATOR),
    Map.entry("POST /v1/connections/:id/gate-secret", Role.ADMIN),
    Map.entry("POST /v1/connections/:id/webhooks", Role.ADMIN),
    Map.entry("GET /v1/connections/:id/webhooks", Role.VIEWER),
    Map.entry("DELETE /v1/webhooks/:id", Role.ADMIN),
    Map.entry("GET /v1/webhooks/:id/deliveries", Role.VIEWER),
    Map.entry("POST /v1/webhooks/:id/test", Role.ADMIN),
    Map.entry("GET /v1/events", Role.VIEWER),
    Map.entry("GET /v1/releases/:id/events", Role.VIEWER)));
  /** Routes outside the tenant surface: the platform admin's and signing in and out. */
  static final Set<String> NOT_TENANT = Set.of("POST /v1/admin/tenants", "GET /v1/admin/tenants", "POST /v1/session",
    "DELETE /v1/session");
  static final Set<String> STREAMS = Set.of("GET /v1/events", "GET /v1/releases/:id/events");
  /** Routes whose body may be any JSON object (none of its fields is read): wrong field types are no error there. */
  static final Set<String> IGNORES_FIELDS = Set.of("POST /v1/webhooks/:id/test",
    "POST /v1/connections/:id/gate-secret");

  static TestSimulator sim;
  static Service service;
  static Api api;
  static Fixture mine;
  static Fixture theirs;
  static Map<Role, String> keys = new TreeMap<>();
  static Map<String, String> myIds = new TreeMap<>();
  static Map<String, String> theirIds = new TreeMap<>();
  /** The quiet releases of {@link #ids}: the only releases whose events and state a snapshot counts. */
  static final Set<String> QUIET = java.util.concurrent.ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void start() {
    mine = Fixture.create(api, sim, 5);
    theirs = Fixture.create(api, sim, 5);
    keys.put(Role.ADMIN, mine.key());
    keys.put(Role.OPERATOR, api.newKey(mine.key(), "operator"));
    keys.put(Role.VIEWER, api.newKey(mine.key(), "viewer"));
    myIds.putAll(ids(mine, sim));
    theirIds.putAll(ids(theirs, sim));
  }

  /**
   * Ids to put in paths: a connection, a release (long soak, so it stays active), a key. The
   * release is left quiet, so that only the requests under test change the database: its first
   * split applied (that step writes events) and its checks an hour apart.
   */
  static Map<String, String> ids(Fixture f, TestSimulator sim) {
    f.plan(Fixture.quickPlan(3600, 3600, 10, 100));
    String release = f.start(f.version(sim, Fixture.healthy())).getString("id");
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
      JsonObject view = f.release(release);
      return view.getValue("currentSplit") != null && view.getValue("currentSplit")
        .equals(view.getValue("wantedSplit")) && view.getJsonArray("stages").getJsonObject(0)
        .getValue("soakStartedAt") != null;
    });
    // and settled: the split confirmed and the soak begun are separate steps, each with its events;
    // the same view over two reads a second apart
    JsonObject[] last = {null};
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
      .pollInterval(java.time.Duration.ofSeconds(1)).until(() -> {
        JsonObject view = f.release(release);
        boolean same = view.equals(last[0]);
        last[0] = view;
        return same;
      });
    QUIET.add(release);
    String key = f.api().post("/v1/api-keys", new JsonObject().put("name", "spare").put("role", "viewer"))
      .bodyAsJsonObject().getString("id");
    String webhook = f.api().post("/v1/connections/" + f.connectionId() + "/webhooks",
      new JsonObject().put("url", "http://127.0.0.1:9/hook")).bodyAsJsonObject().getString("id");
    return Map.of("connections", f.connectionId(), "releases", release, "api-keys", key, "webhooks", webhook);
  }

  static List<String> tenantRoutes() {
    return tenantRoutes(service);
  }

  static List<String> tenantRoutes(Service service) {
    Set<String> routes = new TreeSet<>();
    for (Route route : service.routes()) {
      if (route.getPath() == null || route.methods() == null || !route.getPath().startsWith("/v1/")) {
        continue;
      }
      route.methods().forEach(m -> routes.add(m.name() + " " + route.getPath()));
    }
    routes.removeAll(NOT_TENANT);
    return new ArrayList<>(routes);
  }

  static String path(String route, Map<String, String> ids) {
    String template = route.substring(route.indexOf(' ') + 1);
    if (!template.contains(":id")) {
      return template;
    }
    String family = template.split("/")[2];
    return template.replace(":id", ids.get(family));
  }

  static HttpResponse<Buffer> call(Api as, String route, String path, String contentType, Buffer body) {
    HttpMethod method = HttpMethod.valueOf(route.substring(0, route.indexOf(' ')));
    return contentType == null ? as.send(method, path, null) : as.sendRaw(method, path, contentType, body);
  }

  /** What a malformed request may never change: counts and revisions of everything a tenant owns. */
  static JsonObject snapshot() {
    return snapshot(service);
  }

  /**
   * What a request could change. Releases that other tests started go on by themselves (their
   * splits and checks write events, they finish), so events and active states are counted for the
   * quiet releases and for no release (so are webhook deliveries); a new release shows in the count of releases.
   */
  static JsonObject snapshot(Service service) {
    var row = service.pool().preparedQuery("""
      select (select count(*) from connections) c, (select count(*) from releases) r,
             (select count(*) from releases where state in ('running', 'awaiting_approval') and id = any($1)) a,
             (select count(*) from api_keys where revoked_at is null) k,
             (select coalesce(sum(revision), 0) from plans) p,
             (select count(*) from audit_log) l,
             (select count(*) from events where release_id is null or release_id = any($1)) e,
             (select count(*) from webhooks) w,
             (select count(*) from webhook_deliveries where release_id is null or release_id = any($1)) d""")
      .execute(io.vertx.sqlclient.Tuple.of(QUIET.toArray(new String[0]))).await().iterator().next();
    return row.toJson();
  }

  @Test
  @DisplayName("every tenant route is in the role table")
  void everyRouteHasARole() {
    assertThat(new TreeSet<>(MINIMUM.keySet())).isEqualTo(new TreeSet<>(tenantRoutes()));
  }

  @Test
  @DisplayName("role matrix: a role below the route's minimum gets 403, one at or above it never does")
  void roles() {
    for (String route : tenantRoutes()) {
      if (STREAMS.contains(route) || route.startsWith("DELETE") || route.contains("/deny")
        || route.contains("/cancel")) {
        continue;
      }
      for (Role role : Role.values()) {
        Api as = api.as(keys.get(role));
        boolean allowed = role.includes(MINIMUM.get(route));
        int status = call(as, route, path(route, myIds), "application/json", Buffer.buffer("{}")).statusCode();
        if (route.startsWith("GET")) {
          status = call(as, route, path(route, myIds), null, null).statusCode();
        }
        if (allowed) {
          assertThat(status).as("%s as %s", route, role).isNotEqualTo(403).isLessThan(500);
        } else {
          assertThat(status).as("%s as %s", route, role).isEqualTo(403);
        }
      }
    }
  }

  @Test
  @DisplayName("isolation matrix: every route with another tenant's id is 404, and changes nothing")
  void isolation() {
    JsonObject before = snapshot();
    Api admin = api.as(mine.key());
    for (String route : tenantRoutes()) {
      if (!route.contains(":id")) {
        continue;
      }
      HttpResponse<Buffer> res = route.startsWith("GET") || route.startsWith("DELETE")
        ? call(admin, route, path(route, theirIds), null, null)
        : call(admin, route, path(route, theirIds), "application/json", Fixture.quickPlan(60, 10, 100)
          .put("name", "mine now").put("newVersionId", theirs.servingVersion()).put("url", "http://127.0.0.1:9/x").toBuffer());
      assertThat(res.statusCode()).as(route).isEqualTo(404);
      assertThat(res.getHeader("Content-Type")).as(route).isEqualTo("application/problem+json");
    }
    JsonObject after = snapshot();
    assertThat(after.getLong("c")).isEqualTo(before.getLong("c"));
    assertThat(after.getLong("r")).isEqualTo(before.getLong("r"));
    assertThat(after.getLong("a")).isEqualTo(before.getLong("a"));
    assertThat(after.getLong("k")).isEqualTo(before.getLong("k"));
    assertThat(after.getLong("p")).isEqualTo(before.getLong("p"));
    assertThat(after.getLong("w")).isEqualTo(before.getLong("w"));
    assertThat(after.getLong("d")).isEqualTo(before.getLong("d"));
  }

  @Test
  @DisplayName("malformed bodies on every route that takes one: a 4xx problem, never a 500, never a state change")
  void malformedBodies() {
    Api admin = api.as(mine.key());
    List<Object[]> bodies = List.of(
      new Object[] {"application/json", Buffer.buffer("{nope")},
      new Object[] {"application/json", Buffer.buffer("[1, 2]")},
      new Object[] {"application/json", Buffer.buffer("\"text\"")},
      new Object[] {"application/json", Buffer.buffer("null")},
      new Object[] {"application/json",
        Buffer.buffer("{\"name\": {\"deep\": [1, {\"x\": null}]}, \"stages\": \"many\", "
        + "\"accountId\": 7, \"apiToken\": [], \"role\": 3, \"newVersionId\": 12, \"note\": 5, \"url\": false, "
        + "\"events\": \"all\"}")},
      new Object[] {"text/plain", Buffer.buffer("hello")},
      new Object[] {"application/json", Buffer.buffer("{\"name\":\"" + "x".repeat(70_000) + "\"}")});
    for (String route : tenantRoutes()) {
      if (route.startsWith("GET") || route.startsWith("DELETE")) {
        continue;
      }
      for (Object[] body : bodies) {
        if (IGNORES_FIELDS.contains(route) && body == bodies.get(4)) {
          continue;
        }
        JsonObject before = snapshot();
        HttpResponse<Buffer> res = call(admin, route, path(route, myIds), (String) body[0], (Buffer) body[1]);
        assertThat(res.statusCode())
          .as("%s with %s", route, ((Buffer) body[1]).getString(0, Math.min(40, ((Buffer) body[1]).length())))
          .isBetween(400, 499);
        assertThat(res.getHeader("Content-Type")).isEqualTo("application/problem+json");
        JsonObject after = snapshot();
        after.remove("l");
        before.remove("l");
        assertThat(after).as("state after %s", route).isEqualTo(before);
      }
    }
  }
}
