package dev.hmd.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@WithSimulator
class CloudflareEndpointsTest {

  static SimHarness sim;

  private static void assertSuccessEnvelope(JsonObject body) {
    assertThat(body.getBoolean("success")).isTrue();
    assertThat(body.getJsonArray("errors")).isEmpty();
    assertThat(body.getJsonArray("messages")).isEmpty();
    assertThat(body.containsKey("result")).isTrue();
  }

  @Test
  @DisplayName("both token verify endpoints answer {id, status: active} in the success envelope")
  void verifyTokens() {
    String account = SimHarness.account("cf-verify");
    String token = sim.token(account);
    for (String path : List.of("/user/tokens/verify", "/accounts/" + account + "/tokens/verify")) {
      HttpResponse<Buffer> res = sim.cfGet(path, token);
      assertThat(res.statusCode()).as(path).isEqualTo(200);
      assertThat(res.getHeader("content-type")).isEqualTo("application/json");
      JsonObject body = res.bodyAsJsonObject();
      assertSuccessEnvelope(body);
      assertThat(body.getJsonObject("result").getString("status")).isEqualTo("active");
      assertThat(body.getJsonObject("result").getString("id")).hasSize(32).doesNotContain(token);
    }
  }

  @Test
  @DisplayName("versions list: an object {items} newest first, each version in Cloudflare's shape, with result_info")
  void listVersionsShape() {
    String account = SimHarness.account("cf-versions-shape");
    String token = sim.token(account);
    String first = sim.worker(account, "svc", 1);
    String second = sim.version(account, "svc", new JsonObject().put("message", "second").put("tag", "v2"));
    JsonObject body = sim.cfGet("/accounts/" + account + "/workers/scripts/svc/versions", token).bodyAsJsonObject();
    assertSuccessEnvelope(body);
    JsonArray items = body.getJsonObject("result").getJsonArray("items");
    assertThat(items.stream().map(v -> ((JsonObject) v).getString("id"))).containsExactly(second, first);
    JsonObject version = items.getJsonObject(0);
    assertThat(version.getInteger("number")).isEqualTo(2);
    assertThat(version.getJsonObject("metadata").fieldNames())
      .contains("author_email", "author_id", "created_on", "modified_on", "source", "hasPreview");
    assertThat(version.getJsonObject("metadata").getString("created_on"))
      .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
    assertThat(version.getJsonObject("annotations").getString("workers/message")).isEqualTo("second");
    assertThat(version.getJsonObject("annotations").getString("workers/tag")).isEqualTo("v2");
    assertThat(version.getJsonObject("annotations").getString("workers/triggered_by")).isEqualTo("upload");
    assertThat(body.getJsonObject("result_info")).isEqualTo(new JsonObject()
      .put("page", 1).put("per_page", 10).put("count", 2).put("total_count", 2));
  }

  @Test
  @DisplayName("versions list pages for real: page and per_page select a slice; past the end is empty")
  void listVersionsPaging() {
    String account = SimHarness.account("cf-versions-paging");
    String token = sim.token(account);
    sim.worker(account, "svc", 1);
    for (int i = 0; i < 24; i++) {
      sim.version(account, "svc", new JsonObject());
    }
    String path = "/accounts/" + account + "/workers/scripts/svc/versions";
    List<Integer> numbers = new ArrayList<>();
    for (int page = 1; page <= 3; page++) {
      JsonObject body = sim.cfGet(path + "?page=" + page + "&per_page=10", token).bodyAsJsonObject();
      body.getJsonObject("result").getJsonArray("items")
        .forEach(v -> numbers.add(((JsonObject) v).getInteger("number")));
      assertThat(body.getJsonObject("result_info").getInteger("page")).isEqualTo(page);
      assertThat(body.getJsonObject("result_info").getInteger("total_count")).isEqualTo(25);
    }
    assertThat(numbers).hasSize(25).first().isEqualTo(25);
    assertThat(numbers).isSortedAccordingTo((a, b) -> b - a).last().isEqualTo(1);
    JsonObject past = sim.cfGet(path + "?page=9&per_page=10", token).bodyAsJsonObject();
    assertThat(past.getJsonObject("result").getJsonArray("items")).isEmpty();
    assertThat(past.getJsonObject("result_info").getInteger("count")).isZero();
  }

  @Test
  @DisplayName("versions list refuses bad paging values with a 400 error item")
  void listVersionsBadParameters() {
    String account = SimHarness.account("cf-versions-bad-params");
    String token = sim.token(account);
    sim.worker(account, "svc", 1);
    String path = "/accounts/" + account + "/workers/scripts/svc/versions";
    for (String query : List.of("?page=0", "?page=x", "?per_page=0", "?per_page=101", "?deployable=maybe")) {
      HttpResponse<Buffer> res = sim.cfGet(path + query, token);
      assertThat(res.statusCode()).as(query).isEqualTo(400);
      assertThat(res.bodyAsJsonObject().getBoolean("success")).isFalse();
      assertThat(res.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getInteger("code"))
        .isEqualTo(CfException.INVALID_QUERY);
    }
  }

  @Test
  @DisplayName("deployable=true lists only the last 100 versions")
  void deployableVersions() {
    String account = SimHarness.account("cf-deployable");
    String token = sim.token(account);
    sim.worker(account, "svc", 1);
    for (int i = 0; i < 104; i++) {
      sim.version(account, "svc", new JsonObject());
    }
    String path = "/accounts/" + account + "/workers/scripts/svc/versions?per_page=100";
    JsonObject all = sim.cfGet(path + "&page=2", token).bodyAsJsonObject();
    assertThat(all.getJsonObject("result_info").getInteger("total_count")).isEqualTo(105);
    assertThat(all.getJsonObject("result").getJsonArray("items")).hasSize(5);
    JsonObject deployable = sim.cfGet(path + "&deployable=true", token).bodyAsJsonObject();
    assertThat(deployable.getJsonObject("result_info").getInteger("total_count")).isEqualTo(100);
    JsonArray items = deployable.getJsonObject("result").getJsonArray("items");
    assertThat(items.getJsonObject(0).getInteger("number")).isEqualTo(105);
    assertThat(items.getJsonObject(99).getInteger("number")).isEqualTo(6);
    assertThat(sim.cfGet(path + "&deployable=true&page=2", token).bodyAsJsonObject().getJsonObject("result")
      .getJsonArray("items")).isEmpty();
  }

  @Test
  @DisplayName("version detail adds resources; an unknown version id is a 404")
  void versionDetail() {
    String account = SimHarness.account("cf-version-detail");
    String token = sim.token(account);
    String first = sim.worker(account, "svc", 1);
    JsonObject body = sim.cfGet("/accounts/" + account + "/workers/scripts/svc/versions/" + first, token)
      .bodyAsJsonObject();
    assertSuccessEnvelope(body);
    JsonObject version = body.getJsonObject("result");
    assertThat(version.getString("id")).isEqualTo(first);
    assertThat(version.getInteger("number")).isEqualTo(1);
    assertThat(version.getJsonObject("resources").fieldNames()).contains("bindings", "script", "script_runtime");
    HttpResponse<Buffer> missing = sim.cfGet("/accounts/" + account + "/workers/scripts/svc/versions/nope", token);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getInteger("code"))
      .isGreaterThanOrEqualTo(1000);
  }

  @Test
  @DisplayName("deployments list: {deployments} newest first, the first one serving, in Cloudflare's shape")
  void listDeployments() {
    String account = SimHarness.account("cf-deployments");
    String token = sim.token(account);
    String first = sim.worker(account, "svc", 1);
    String second = sim.version(account, "svc", new JsonObject());
    JsonObject created = sim.deploy(account, "svc", token, SimHarness.split(second, 10, first, 90)).bodyAsJsonObject();
    assertSuccessEnvelope(created);
    JsonObject body = sim.cfGet("/accounts/" + account + "/workers/scripts/svc/deployments", token).bodyAsJsonObject();
    assertSuccessEnvelope(body);
    JsonArray deployments = body.getJsonObject("result").getJsonArray("deployments");
    assertThat(deployments).hasSize(2);
    JsonObject serving = deployments.getJsonObject(0);
    assertThat(serving).isEqualTo(created.getJsonObject("result"));
    assertThat(serving.getString("source")).isEqualTo("api");
    assertThat(serving.getString("strategy")).isEqualTo("percentage");
    assertThat(serving.getString("author_email")).isNotBlank();
    assertThat(serving.getJsonArray("versions")).containsExactly(
      new JsonObject().put("version_id", second).put("percentage", 10),
      new JsonObject().put("version_id", first).put("percentage", 90));
    assertThat(deployments.getJsonObject(1).getJsonArray("versions")).containsExactly(
      new JsonObject().put("version_id", first).put("percentage", 100));
  }

  @Test
  @DisplayName("POST deployments echoes annotations and accepts ?force=true")
  void createDeploymentAnnotatedAndForced() {
    String account = SimHarness.account("cf-deploy-annotated");
    String token = sim.token(account);
    String first = sim.worker(account, "svc", 1);
    JsonObject body = new JsonObject().put("strategy", "percentage").put("versions", SimHarness.split(first, 100))
      .put("annotations", new JsonObject().put("workers/message", "HMD release r_1 stage 2: 100%"));
    HttpResponse<Buffer> res = sim.cf(io.vertx.core.http.HttpMethod.POST,
      "/accounts/" + account + "/workers/scripts/svc/deployments?force=true", token, body);
    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject deployment = res.bodyAsJsonObject().getJsonObject("result");
    assertThat(deployment.getJsonObject("annotations").getString("workers/message"))
      .isEqualTo("HMD release r_1 stage 2: 100%");
    assertThat(deployment.getString("id")).isNotBlank();
    assertThat(deployment.getString("created_on")).endsWith("Z");
  }
}
