package dev.hmd.cloudflare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hmd.cloudflare.CloudflareException.Kind;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Cloudflare's JSON without a server: envelopes, resources, bodies, headers. */
class CloudflareJsonTest {

  static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");

  static CloudflareException failing(int status, JsonObject body, String retryAfter) {
    return catchThrowableOfType(CloudflareException.class,
      () -> CloudflareJson.envelope("x.y", status, retryAfter, Buffer.buffer(body.encode()), NOW));
  }

  @Test
  @DisplayName("a successful envelope yields result and result_info")
  void successEnvelope() {
    JsonObject body = StubCloudflare.success(new JsonObject().put("items", new JsonArray()),
      new JsonObject().put("page", 1).put("per_page", 100));

    CloudflareJson.Envelope envelope = CloudflareJson.envelope("x.y", 200, null, Buffer.buffer(body.encode()), NOW);

    assertThat(envelope.resultObject()).isEqualTo(new JsonObject().put("items", new JsonArray()));
    assertThat(envelope.resultInfo().getInteger("per_page")).isEqualTo(100);
  }

  @Test
  @DisplayName("several errors keep the first code and join their messages")
  void severalErrors() {
    JsonObject body = new JsonObject().put("success", false).put("errors", new JsonArray()
      .add(new JsonObject().put("code", 10021).put("message", "bad split"))
      .add(new JsonObject().put("code", 10022).put("message", "too many versions")));

    CloudflareException e = failing(400, body, null);

    assertThat(e.code()).contains(10021);
    assertThat(e.cloudflareMessage()).isEqualTo("bad split; too many versions");
    assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST);
  }

  @Test
  @DisplayName("success false on a 200 is a failure typed by its code")
  void unsuccessfulOk() {
    CloudflareException e = failing(200, StubCloudflare.failure(10007, "This Worker does not exist on your account."),
      null);

    assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
    assertThat(e.httpStatus()).isEqualTo(200);
  }

  @Test
  @DisplayName("a 2xx that is not JSON is INVALID_RESPONSE, a 5xx that is not JSON is SERVER_ERROR")
  void notJson() {
    CloudflareException ok = catchThrowableOfType(CloudflareException.class,
      () -> CloudflareJson.envelope("x.y", 200, null, Buffer.buffer("<html/>"), NOW));
    CloudflareException gateway = catchThrowableOfType(CloudflareException.class,
      () -> CloudflareJson.envelope("x.y", 504, null, Buffer.buffer(""), NOW));

    assertThat(ok.kind()).isEqualTo(Kind.INVALID_RESPONSE);
    assertThat(gateway.kind()).isEqualTo(Kind.SERVER_ERROR);
    assertThat(gateway.cloudflareMessage()).isEqualTo("response without a JSON body");
  }

  @Test
  @DisplayName("the retry-after of a 429 travels with the failure")
  void retryAfterOnFailure() {
    CloudflareException e = failing(429, StubCloudflare.failure(971, "Please wait"), "7");

    assertThat(e.kind()).isEqualTo(Kind.RATE_LIMITED);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
  }

  @Test
  @DisplayName("retry-after is read as seconds or as an HTTP date, and ignored when unreadable")
  void retryAfterHeader() {
    assertThat(CloudflareJson.retryAfter("120", NOW)).isEqualTo(Duration.ofSeconds(120));
    assertThat(CloudflareJson.retryAfter("0.5", NOW)).isEqualTo(Duration.ofMillis(500));
    assertThat(CloudflareJson.retryAfter("Sat, 01 Mar 2025 10:00:30 GMT", NOW)).isEqualTo(Duration.ofSeconds(30));
    assertThat(CloudflareJson.retryAfter("Sat, 01 Mar 2025 09:00:00 GMT", NOW)).isEqualTo(Duration.ZERO);
    assertThat(CloudflareJson.retryAfter("soon", NOW)).isNull();
    assertThat(CloudflareJson.retryAfter("-3", NOW)).isNull();
    assertThat(CloudflareJson.retryAfter(null, NOW)).isNull();
  }

  @Test
  @DisplayName("status and code map to the kinds the callers branch on")
  void classification() {
    assertThat(CloudflareException.classify(401, 10000)).isEqualTo(Kind.UNAUTHORIZED);
    assertThat(CloudflareException.classify(400, 6003)).isEqualTo(Kind.UNAUTHORIZED);
    assertThat(CloudflareException.classify(403, 10000)).isEqualTo(Kind.FORBIDDEN);
    assertThat(CloudflareException.classify(404, 7003)).isEqualTo(Kind.NOT_FOUND);
    assertThat(CloudflareException.classify(400, 10007)).isEqualTo(Kind.NOT_FOUND);
    assertThat(CloudflareException.classify(429, null)).isEqualTo(Kind.RATE_LIMITED);
    assertThat(CloudflareException.classify(400, 971)).isEqualTo(Kind.RATE_LIMITED);
    assertThat(CloudflareException.classify(502, null)).isEqualTo(Kind.SERVER_ERROR);
    assertThat(CloudflareException.classify(408, null)).isEqualTo(Kind.TIMEOUT);
    assertThat(CloudflareException.classify(409, 10220)).isEqualTo(Kind.BAD_REQUEST);
  }

  @Test
  @DisplayName("paging ends on a short or empty page, or where total_pages says")
  void paging() {
    JsonObject info = new JsonObject().put("page", 1).put("per_page", 100);
    assertThat(CloudflareJson.hasNextPage(info, 1, 100, 100)).isTrue();
    assertThat(CloudflareJson.hasNextPage(info, 1, 100, 99)).isFalse();
    assertThat(CloudflareJson.hasNextPage(info, 1, 100, 0)).isFalse();
    // The server may serve fewer per page than asked; its per_page is what a full page means.
    assertThat(CloudflareJson.hasNextPage(new JsonObject().put("per_page", 50), 1, 100, 50)).isTrue();
    assertThat(CloudflareJson.hasNextPage(new JsonObject().put("total_pages", 2), 2, 100, 100)).isFalse();
    assertThat(CloudflareJson.hasNextPage(new JsonObject().put("total_count", 150), 1, 100, 100)).isTrue();
    assertThat(CloudflareJson.hasNextPage(null, 1, 100, 100)).isTrue();
  }

  @Test
  @DisplayName("a version without annotations or metadata parses with nulls")
  void sparseVersion() {
    WorkerVersion v = CloudflareJson.version(new JsonObject().put("id", "v1").put("number", 3));

    assertThat(v).isEqualTo(new WorkerVersion("v1", 3, null, null, null, null));
  }

  @Test
  @DisplayName("timestamps with an offset and fractional percentages are accepted")
  void lenientDeployment() {
    WorkerDeployment d = CloudflareJson.deployment(new JsonObject().put("id", "d1")
      .put("created_on", "2025-02-01T13:00:00+01:00")
      .put("versions", new JsonArray().add(new JsonObject().put("version_id", "v1").put("percentage", 100.0))));

    assertThat(d.createdOn()).isEqualTo(Instant.parse("2025-02-01T12:00:00Z"));
    assertThat(d.versions()).containsExactly(new VersionSplit("v1", 100));
  }

  @Test
  @DisplayName("a deployment without versions breaks the contract")
  void deploymentWithoutVersions() {
    assertThatThrownBy(() -> CloudflareJson.deployment(new JsonObject().put("id", "d1")))
      .isInstanceOf(IllegalStateException.class);
  }

  @Test
  @DisplayName("the deployment body is checked: one or two distinct versions, 100 in total, message within 1000 bytes")
  void deploymentBodyRules() {
    assertThat(CloudflareJson.deploymentBody(List.of(new VersionSplit("v1", 100)), null))
      .isEqualTo(new JsonObject().put("strategy", "percentage")
        .put("versions", new JsonArray().add(new JsonObject().put("percentage", 100).put("version_id", "v1"))));
    assertThat(CloudflareJson.deploymentBody(List.of(new VersionSplit("v1", 0), new VersionSplit("v2", 100)), "m")
      .getJsonObject("annotations").getString("workers/message")).isEqualTo("m");
    assertThatThrownBy(() -> CloudflareJson.deploymentBody(List.of(), "m"))
      .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CloudflareJson.deploymentBody(List.of(new VersionSplit("a", 30),
      new VersionSplit("b", 30), new VersionSplit("c", 40)), "m")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CloudflareJson.deploymentBody(List.of(new VersionSplit("a", 50),
      new VersionSplit("a", 50)), "m")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CloudflareJson.deploymentBody(List.of(new VersionSplit("a", 100)), "é".repeat(501)))
      .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new VersionSplit("a", 101)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("reading a body leaves out every series, at any depth, and keeps everything else as Vert.x decodes it")
  void seriesAreNotRead() {
    String body = """
      {"success": true, "errors": [], "result": {"calculations": [
        {"alias": "count", "aggregates": [{"value": 12, "count": 3000000000, "ratio": 0.25,
          "groups": [{"key": "k", "value": "v"}],
          "flag": false, "none": null, "series": [{"time": "t", "data": [{"value": 1}]}]}],
         "series": [{"time": "t", "data": [{"value": 240, "count": 100, "nested": {"series": [1, 2]}}]}]}],
        "list": [1, [2, {"series": 3, "x": "y"}]], "unicode": "caf\\u00e9 \\"quoted\\" tab\\t"}}""";

    JsonObject parsed = CloudflareJson.parseObject(Buffer.buffer(body));

    JsonObject expected = new JsonObject(body);
    expected.getJsonObject("result").getJsonArray("calculations").getJsonObject(0).remove("series");
    expected.getJsonObject("result").getJsonArray("calculations").getJsonObject(0).getJsonArray("aggregates")
      .getJsonObject(0).remove("series");
    expected.getJsonObject("result").getJsonArray("list").getJsonArray(1).getJsonObject(1).remove("series");
    assertThat(parsed).isEqualTo(expected);
    assertThat(parsed.encode()).doesNotContain("series");
    JsonObject aggregate = parsed.getJsonObject("result").getJsonArray("calculations").getJsonObject(0)
      .getJsonArray("aggregates").getJsonObject(0);
    assertThat(aggregate.getValue("value")).isEqualTo(12);
    assertThat(aggregate.getValue("count")).isEqualTo(3_000_000_000L);
    assertThat(aggregate.getValue("ratio")).isEqualTo(0.25);
    assertThat(parsed.getJsonObject("result").getString("unicode")).isEqualTo("caf\u00e9 \"quoted\" tab\t");
  }

  @Test
  @DisplayName("a body that is not one JSON object reads as none")
  void notAnObject() {
    for (String body
      : List.of("", "[1, 2]", "\"text\"", "{\"a\": 1", "{\"a\": 1} {\"b\": 2}", "<html>", "{\"a\": tru}")) {
      assertThat(CloudflareJson.parseObject(Buffer.buffer(body))).as(body).isNull();
    }
  }
}
