package dev.hmd.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@WithSimulator
class DeploymentRulesTest {

  static SimHarness sim;
  static String account;
  static String token;
  static String oldVersion;
  static String newVersion;

  @BeforeAll
  static void start() {
    account = SimHarness.account("deployment-rules");
    token = sim.token(account);
    oldVersion = sim.worker(account, "svc", 1);
    newVersion = sim.version(account, "svc", new JsonObject());
  }

  private static HttpResponse<Buffer> post(Object body) {
    return sim.cf(HttpMethod.POST, "/accounts/" + account + "/workers/scripts/svc/deployments", token, body);
  }

  private static JsonObject body(JsonArray versions) {
    return new JsonObject().put("strategy", "percentage").put("versions", versions);
  }

  private static void assertRefused(Object body, int code) {
    int before = deploymentCount();
    HttpResponse<Buffer> res = post(body);
    assertThat(res.statusCode()).as(String.valueOf(body)).isEqualTo(400);
    JsonObject envelope = res.bodyAsJsonObject();
    assertThat(envelope.getBoolean("success")).isFalse();
    assertThat(envelope.getValue("result")).isNull();
    assertThat(envelope.getJsonArray("errors").getJsonObject(0).getInteger("code")).as(String.valueOf(body))
      .isEqualTo(code);
    assertThat(deploymentCount()).as("a refused deployment changes nothing").isEqualTo(before);
  }

  private static int deploymentCount() {
    return sim.cfGet("/accounts/" + account + "/workers/scripts/svc/deployments", token).bodyAsJsonObject()
      .getJsonObject("result").getJsonArray("deployments").size();
  }

  @Test
  @DisplayName("one version at 100% and two versions summing to 100 are accepted, 0% included")
  void validSplits() {
    assertThat(post(body(SimHarness.split(newVersion, 100))).statusCode()).isEqualTo(200);
    assertThat(post(body(SimHarness.split(newVersion, 10, oldVersion, 90))).statusCode()).isEqualTo(200);
    assertThat(post(body(SimHarness.split(newVersion, 0, oldVersion, 100))).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> fractional = post(body(SimHarness.split(newVersion, 33.5, oldVersion, 66.5)));
    assertThat(fractional.statusCode()).isEqualTo(200);
    assertThat(fractional.bodyAsJsonObject().getJsonObject("result").getJsonArray("versions").getJsonObject(0)
      .getDouble("percentage")).isEqualTo(33.5);
  }

  @Test
  @DisplayName("strategy must be percentage")
  void strategy() {
    assertRefused(new JsonObject().put("versions", SimHarness.split(newVersion, 100)), CfException.INVALID_STRATEGY);
    assertRefused(body(SimHarness.split(newVersion, 100)).put("strategy", "immediate"), CfException.INVALID_STRATEGY);
  }

  @Test
  @DisplayName("a deployment holds one or two versions")
  void versionCount() {
    assertRefused(body(new JsonArray()), CfException.INVALID_VERSION_COUNT);
    assertRefused(new JsonObject().put("strategy", "percentage"), CfException.INVALID_VERSION_COUNT);
    String third = sim.version(account, "svc", new JsonObject());
    JsonArray three = SimHarness.split(newVersion, 30, oldVersion, 30)
      .add(new JsonObject().put("version_id", third).put("percentage", 40));
    assertRefused(body(three), CfException.INVALID_VERSION_COUNT);
  }

  @Test
  @DisplayName("percentages are numbers from 0 to 100 that sum to 100")
  void percentages() {
    assertRefused(body(SimHarness.split(newVersion, 60, oldVersion, 60)), CfException.INVALID_PERCENTAGE);
    assertRefused(body(SimHarness.split(newVersion, 90)), CfException.INVALID_PERCENTAGE);
    assertRefused(body(SimHarness.split(newVersion, -10, oldVersion, 110)), CfException.INVALID_PERCENTAGE);
    assertRefused(body(SimHarness.split(newVersion, 101)), CfException.INVALID_PERCENTAGE);
    assertRefused(body(new JsonArray().add(new JsonObject().put("version_id", newVersion).put("percentage", "100"))),
      CfException.INVALID_PERCENTAGE);
    assertRefused(body(new JsonArray().add(new JsonObject().put("version_id", newVersion))),
      CfException.INVALID_PERCENTAGE);
  }

  @Test
  @DisplayName("a version may appear only once")
  void distinctVersions() {
    assertRefused(body(SimHarness.split(newVersion, 50, newVersion, 50)), CfException.DUPLICATE_VERSION);
  }

  @Test
  @DisplayName("versions must exist on the Worker; a missing version_id is refused too")
  void unknownVersions() {
    assertRefused(body(SimHarness.split("00000000-0000-0000-0000-000000000000", 100)),
      CfException.VERSION_NOT_DEPLOYABLE);
    assertRefused(body(new JsonArray().add(new JsonObject().put("percentage", 100))),
      CfException.VERSION_NOT_DEPLOYABLE);
    HttpResponse<Buffer> res = post(body(SimHarness.split("nope", 100)));
    assertThat(res.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getJsonObject("source")
      .getString("pointer"))
      .isEqualTo("/versions/0/version_id");
  }

  @Test
  @DisplayName("only the last 100 versions can be deployed")
  void last100Versions() {
    String other = SimHarness.account("deployment-rules-100");
    String otherToken = sim.token(other);
    String first = sim.worker(other, "many", 1);
    String second = null;
    for (int i = 0; i < 100; i++) {
      String id = sim.version(other, "many", new JsonObject());
      second = i == 0 ? id : second;
    }
    // 101 versions: the first is out of the deployable window, the second is its oldest member
    HttpResponse<Buffer> refused = sim.deploy(other, "many", otherToken, SimHarness.split(first, 100));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getInteger("code"))
      .isEqualTo(CfException.VERSION_NOT_DEPLOYABLE);
    assertThat(sim.deploy(other, "many", otherToken, SimHarness.split(second, 100)).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("workers/message may hold 1000 bytes and no more")
  void messageLength() {
    String exactly1000Bytes = "é".repeat(500);
    JsonObject ok = body(SimHarness.split(newVersion, 100))
      .put("annotations", new JsonObject().put("workers/message", exactly1000Bytes));
    assertThat(post(ok).statusCode()).isEqualTo(200);
    JsonObject tooLong = body(SimHarness.split(newVersion, 100))
      .put("annotations", new JsonObject().put("workers/message", exactly1000Bytes + "x"));
    assertRefused(tooLong, CfException.INVALID_ANNOTATIONS);
    assertRefused(body(SimHarness.split(newVersion, 100)).put("annotations", "text"), CfException.INVALID_ANNOTATIONS);
    assertRefused(body(SimHarness.split(newVersion, 100))
      .put("annotations", new JsonObject().put("workers/message", 5)),
      CfException.INVALID_ANNOTATIONS);
  }

  @Test
  @DisplayName("malformed JSON, an empty body or a non-object body is a 400 with an error item, never a 500")
  void malformedBodies() {
    for (String raw : new String[] {"{\"strategy\":", "", "[]", "null", "17"}) {
      assertRefused(raw, CfException.MALFORMED_BODY);
    }
    assertRefused(body(new JsonArray().add("not an object")), CfException.INVALID_VERSION_COUNT);
    assertRefused(new JsonObject().put("strategy", "percentage").put("versions", "all"),
      CfException.INVALID_VERSION_COUNT);
  }
}
