package dev.hmd.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.RawHttp;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Text reaches handlers as valid UTF-8 without NUL, bodies only as strict JSON, and whatever the
 * HTTP layer refuses is problem+json: over real sockets, byte for byte where a client library
 * would not send the request.
 */
// the fixture's webhook points at 127.0.0.1
@WithService(env = Config.WEBHOOK_ALLOW_PRIVATE + "=true")
class HttpInputTest {

  static TestSimulator sim;
  static Service service;
  static Api api;
  static Fixture mine;
  static Map<String, String> ids;

  @BeforeAll
  static void start() {
    mine = Fixture.create(api, sim, 5);
    ids = AccessMatrixTest.ids(mine, sim);
  }

  static JsonObject snapshot() {
    return AccessMatrixTest.snapshot(service);
  }

  static void assertProblem(int status, String contentType, String body, int expected, String as) {
    assertThat(status).as(as).isEqualTo(expected);
    assertThat(contentType).as(as).isEqualTo("application/problem+json");
    JsonObject problem = new JsonObject(body);
    assertThat(problem.getInteger("status")).as(as).isEqualTo(expected);
    assertThat(problem.getString("title")).as(as).isNotBlank();
  }

  static void assertProblem(HttpResponse<Buffer> res, int expected, String as) {
    assertProblem(res.statusCode(), res.getHeader("Content-Type"), res.bodyAsString(), expected, as);
  }

  static void assertProblem(RawHttp.Response res, int expected, String as) {
    assertProblem(res.status(), res.header("Content-Type"), res.body(), expected, as);
  }

  @Test
  @DisplayName(
    "a NUL in any path id, query parameter or body string is a 400 problem on every route, never a 500, and changes "
    + "nothing")
  void nulEverywhere() {
    Api admin = api.as(mine.key());
    JsonObject before = snapshot();
    List<String> checked = new ArrayList<>();
    for (String route : AccessMatrixTest.tenantRoutes(service)) {
      HttpMethod method = HttpMethod.valueOf(route.substring(0, route.indexOf(' ')));
      String template = route.substring(route.indexOf(' ') + 1);
      if (template.contains(":id")) {
        String path = template.replace(":id", "x%00");
        assertProblem(admin.send(method, path, method == HttpMethod.GET || method == HttpMethod.DELETE ? null
          : new JsonObject()), 400, route + " with a NUL in its id");
        checked.add(path);
      }
      String path = AccessMatrixTest.path(route, ids);
      for (String query : List.of("limit=1%00", "cursor=%00", "connectionId=c%00", "state=running%00",
        "lastEventId=1%00", "x%00=1")) {
        HttpResponse<Buffer> res = method == HttpMethod.GET ? admin.get(path + "?" + query)
          : admin.send(method, path + "?" + query, method == HttpMethod.DELETE ? null : new JsonObject());
        assertProblem(res, 400, route + " with ?" + query);
      }
      if (method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH) {
        JsonObject body = Fixture.quickPlan(60, 10, 100).put("name", "\u0000").put("role", "viewer")
          .put("newVersionId", "v\u0000").put("url", "http://example.com/\u0000").put("note", "\u0000")
          .put("accountId", "a\u0000").put("workerName", "w\u0000").put("apiToken", "t\u0000");
        body.getJsonArray("stages").getJsonObject(0).put("description", "canary\u0000");
        assertProblem(admin.send(method, path, body), 400, route + " with a NUL in a body string");
        assertProblem(admin.send(method, path, new JsonObject().put("k\u0000", 1)), 400,
          route + " with a NUL in a key");
      }
    }
    assertThat(checked).hasSizeGreaterThan(15);
    assertProblem(api.get("/health/live%00"), 400, "a NUL outside /v1");
    JsonObject after = snapshot();
    assertThat(after).isEqualTo(before);
  }

  @Test
  @DisplayName(
    "invalid UTF-8 (a stray byte, an overlong '/', an encoded surrogate) in path, query, header or body is a 400")
  void invalidUtf8() {
    Api admin = api.as(mine.key());
    for (String bad : List.of("%FF", "%C0%AF", "%ED%A0%80", "%E2%82", "%zz", "%")) {
      assertProblem(admin.get("/v1/releases/r" + bad), 400, "path " + bad);
      assertProblem(admin.get("/v1/releases?connectionId=" + bad), 400, "query " + bad);
    }
    // raw bytes on the wire: a request line and a header no client library would send
    assertProblem(RawHttp.exchange(service.httpPort(), RawHttp.get("/v1/releases/r\u00c0\u00af",
      "Authorization: Bearer " + mine.key() + "\r\n")), 400, "raw overlong byte in the path");
    assertProblem(RawHttp.exchange(service.httpPort(), RawHttp.get("/v1/releases",
      "Authorization: Bearer " + mine.key() + "\r\nX-Note: caf\u00e9\r\n")), 400, "a Latin-1 byte in a header");
    assertProblem(RawHttp.exchange(service.httpPort(), RawHttp.get("/v1/releases",
      "Authorization: Bearer hmd_\u00c0\u00af\r\n")), 400, "an overlong sequence in the Authorization header");
    assertProblem(RawHttp.exchange(service.httpPort(), RawHttp.get("/v1/events",
      "Authorization: Bearer " + mine.key() + "\r\nLast-Event-ID: 1\u0000\r\n")), 400, "a NUL in Last-Event-ID");

    JsonObject before = snapshot();
    String keys = "/v1/api-keys";
    for (byte[] body : List.of(
      bytes("{\"name\":\"a", 0xC0, 0xAF, "b\",\"role\":\"viewer\"}"),
      bytes("{\"name\":\"a", 0xED, 0xA0, 0x80, "\",\"role\":\"viewer\"}"),
      bytes("{\"name\":\"a", 0xFF, "\",\"role\":\"viewer\"}"),
      bytes("{\"name\":\"a", 0xE2, 0x82, "\",\"role\":\"viewer\"}"),
      "{\"name\":\"\\ud800\",\"role\":\"viewer\"}".getBytes(StandardCharsets.UTF_8),
      "{\"name\":\"x\\udc00y\",\"role\":\"viewer\"}".getBytes(StandardCharsets.UTF_8),
      "{\"name\":\"\\u0000\",\"role\":\"viewer\"}".getBytes(StandardCharsets.UTF_8))) {
      assertProblem(admin.sendRaw(HttpMethod.POST, keys, "application/json", Buffer.buffer(body)), 400,
        new String(body, StandardCharsets.ISO_8859_1));
    }
    assertThat(snapshot()).isEqualTo(before);
    // a surrogate pair is one character, and welcome
    HttpResponse<Buffer> emoji = admin.sendRaw(HttpMethod.POST, keys, "application/json",
      Buffer.buffer("{\"name\":\"ok \\ud83d\\ude00 \u00e9\",\"role\":\"viewer\"}"));
    assertThat(emoji.statusCode()).isEqualTo(201);
    assertThat(emoji.bodyAsJsonObject().getString("name")).isEqualTo("ok \ud83d\ude00 \u00e9");
  }

  @Test
  @DisplayName("a body is application/json, with UTF-8 or no charset; a body-less action takes no other Content-Type")
  void strictMediaType() {
    Api admin = api.as(mine.key());
    String cancel = "/v1/releases/" + ids.get("releases") + "/cancel";
    JsonObject before = snapshot();
    Buffer form = Buffer.buffer("--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nbye\r\n--b--\r\n");
    assertProblem(admin.sendRaw(HttpMethod.POST, cancel, "multipart/form-data; boundary=b", form), 415, "multipart");
    assertProblem(admin.sendRaw(HttpMethod.POST, cancel, "application/x-www-form-urlencoded", Buffer.buffer("note=x")),
      415, "a form");
    assertProblem(admin.sendRaw(HttpMethod.POST, cancel, "multipart/form-data; boundary=b", Buffer.buffer()), 415,
      "an empty multipart");
    for (String type : List.of("application/jsonx", "application/json-patch+json", "text/json",
      "application/json; charset=iso-8859-1", "application/json; charset=utf-16", "application/json; boundary=x",
      "application/json, text/plain")) {
      assertProblem(admin.sendRaw(HttpMethod.POST, "/v1/api-keys", type,
        Buffer.buffer("{\"name\":\"t\",\"role\":\"viewer\"}")), 415, type);
    }
    assertThat(snapshot()).isEqualTo(before);
    assertThat(mine.release(ids.get("releases")).getString("state")).isEqualTo("running");
    for (String type
      : List.of("application/json", "application/json; charset=utf-8", "Application/JSON;charset=\"UTF-8\"")) {
      assertThat(admin.sendRaw(HttpMethod.POST, "/v1/api-keys", type,
        Buffer.buffer("{\"name\":\"t\",\"role\":\"viewer\"}")).statusCode()).as(type).isEqualTo(201);
    }
  }

  @Test
  @DisplayName(
    "what the HTTP layer refuses is problem+json too: 414, 431, malformed headers, bad Content-Length, unknown "
    + "methods and paths")
  void httpLayerProblems() {
    int port = service.httpPort();
    assertProblem(RawHttp.exchange(port, RawHttp.get("/v1/releases/" + "x".repeat(10_000), "")), 414, "a long URI");
    assertProblem(RawHttp.exchange(port, RawHttp.get("/health/live", "X-Big: " + "x".repeat(20_000) + "\r\n")), 431,
      "a large header");
    assertProblem(RawHttp.exchange(port, RawHttp.get("/health/live", "No colon here\r\n")), 400,
      "a header without a colon");
    assertProblem(RawHttp.exchange(port, RawHttp.get("/health/live", "Bad Name: x\r\n")), 400,
      "a space in a header name");
    assertProblem(
      RawHttp.exchange(port, "POST /v1/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      + "Content-Length: abc\r\n\r\n{}"), 400, "a Content-Length that is no number");
    assertProblem(
      RawHttp.exchange(port, "POST /v1/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"), 400, "two Content-Lengths");
    assertProblem(RawHttp.exchange(port, RawHttp.get("/v1/session", "Cookie: hmd_session=\u0001\u0002\r\n")), 400,
      "control characters in a cookie");
    assertProblem(RawHttp.exchange(port, RawHttp.get("/v1/session", "Cookie: ;;==; hmd_session=\"x; =\r\n")), 401,
      "a garbled cookie");
    assertProblem(RawHttp.exchange(port, "BREW /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
      405, "an unknown method");
    assertProblem(RawHttp.exchange(port, "GET /nope HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"), 404,
      "an unknown path");
  }

  @Test
  @DisplayName("/metrics label values stay bounded: made-up methods and paths leave no series of their own")
  void boundedMetricLabels() {
    int port = service.httpPort();
    for (String method : List.of("BREW", "XYZZY1", "XYZZY2")) {
      RawHttp.exchange(port, method + " /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
      RawHttp.exchange(port,
        method + " /v1/releases/zz-made-up HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    }
    RawHttp.exchange(port, RawHttp.get("/zz-made-up-path/" + System.nanoTime(), ""));
    String scrape = api.get("/metrics").bodyAsString();
    assertThat(scrape).doesNotContain("BREW", "XYZZY", "zz-made-up").contains("method=\"OTHER\"");
  }

  static byte[] bytes(Object... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (Object part : parts) {
      if (part instanceof String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
      } else {
        out.write((Integer) part);
      }
    }
    return out.toByteArray();
  }
}
