package dev.hmd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A dropped event stream, which the real service does not drop on cue: a small SSE server that
 * cuts the first connection mid-release and checks that the CLI resumes with Last-Event-ID.
 */
class ReleaseWatchResumeTest {

  static final String OLD = "0ld0ld00-0000-0000-0000-000000000000";
  static final String NEW = "ne3ne300-0000-0000-0000-000000000000";

  Vertx vertx;
  HttpServer server;
  final List<String> lastEventIds = new CopyOnWriteArrayList<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(req -> {
      authorizations.add(req.getHeader("Authorization"));
      String last = req.getHeader("Last-Event-ID");
      lastEventIds.add(String.valueOf(last));
      HttpServerResponse res = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
      res.write("retry: 200\n\n: keep-alive\n\n");
      if (last == null) {
        // the history so far, then the connection breaks without an end
        res.write(event(1, "release", release("running", "soaking", null, split(NEW, 10, OLD, 90))));
        res.write(
          event(2, "deployment", new JsonObject().put("releaseId", "r_1").put("versions", split(NEW, 10, OLD, 90))));
        res.write(event(3, "release", release("running", "soaking", null, split(NEW, 10, OLD, 90))));
        res.write(event(4, "check", new JsonObject().put("releaseId", "r_1").put("stageIndex", 0).put("verdict", "pass")
          .put("new", new JsonObject().put("requests", 120).put("errorRate", 0.001).put("latencyP99", 180.4))));
        vertx.setTimer(100, t -> req.connection().close());
      } else {
        // a replay after the id the client last saw, without the header's events again
        res.write(
          event(5, "deployment", new JsonObject().put("releaseId", "r_1").put("versions", split(NEW, 100, null, 0))));
        res.write(event(6, "release", release("succeeded", "passed",
          new JsonObject().put("code", "completed").put("message", "all 1 stages passed"), split(NEW, 100, null, 0))));
      }
    });
    server.listen(0).await();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  static String event(long id, String type, JsonObject data) {
    return "id: " + id + "\nevent: " + type + "\ndata: " + data.encode() + "\n\n";
  }

  static JsonArray split(String a, int pa, String b, int pb) {
    JsonArray split = new JsonArray().add(new JsonObject().put("versionId", a).put("percentage", pa));
    if (b != null) {
      split.add(new JsonObject().put("versionId", b).put("percentage", pb));
    }
    return split;
  }

  static JsonObject release(String state, String stageState, JsonObject outcome, JsonArray currentSplit) {
    return new JsonObject().put("id", "r_1").put("workerName", "shop").put("state", state)
      .put("oldVersionId", OLD).put("newVersionId", NEW).put("currentStageIndex", 0)
      .put("stages",
        new JsonArray().add(new JsonObject().put("index", 0).put("targetPercent", 100).put("soakSeconds", 5)
        .put("autoProgress", true).put("state", stageState).put("passedChecks", 1).put("failedChecks", 0)
        .put("inconclusiveChecks", 0)))
      .put("outcome", outcome).put("currentSplit", currentSplit).put("wantedSplit", currentSplit);
  }

  @Test
  @DisplayName("a dropped stream resumes with Last-Event-ID after the server's retry hint; nothing is printed twice")
  void resumesAfterDrop() {
    String key = "hmd_resume-test-key";
    Cli cli = new Cli(Map.of(ReleaseCommand.URL_VARIABLE, "http://localhost:" + server.actualPort(),
      ReleaseCommand.API_KEY_VARIABLE, key));

    Cli.Run run = cli.run("watch", "r_1");

    assertThat(run.code()).as(run.all()).isEqualTo(ReleaseCommand.SUCCEEDED);
    assertThat(lastEventIds).containsExactly("null", "4");
    assertThat(authorizations).containsOnly("Bearer " + key);
    assertThat(run.err()).contains("hmd: event stream interrupted (").contains("resuming after event 4 in 0.2 s");
    assertThat(run.out().lines().toList()).containsExactly(
      "release r_1 of shop: 0ld0ld00 -> ne3ne300, stages 100%",
      "stage 1/1 (100%): soaking 5 s",
      "traffic: 10% ne3ne300 (new), 90% 0ld0ld00 (old)",
      "check in stage 1/1: pass, new version 120 requests, 0.10% errors, p99 180 ms",
      "stage 1/1 (100%): passed (1 passed, 0 failed, 0 inconclusive checks)",
      "release r_1 SUCCEEDED (completed): all 1 stages passed",
      "traffic: 100% ne3ne300 (new)");
    assertThat(run.all()).doesNotContain(key);
  }
}
