package dev.hmd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code hmd release pause|resume|promote|revert} against a real service and the simulator. */
@WithService
class ReleaseControlsCommandTest {

  static final Pattern REVERTING = Pattern.compile("reverting release \\S+: release (\\S+) puts version");

  static TestSimulator sim;
  static Service service;
  static Api api;

  @Test
  @DisplayName("pause, resume, promote and promote --full move the release; revert --wait puts the old version back")
  void controls() {
    Fixture f = Fixture.create(api, sim, 50);
    String next = f.version(sim, new JsonObject().put("latencyMs", new JsonObject().put("p50", 20).put("p99", 100))
      .put("errorRate", 0.0));
    f.plan(Fixture.quickPlan(600, 60, 10, 50, 100));
    Cli cli = new Cli(Map.of(ReleaseCommand.URL_VARIABLE, "http://localhost:" + service.httpPort(),
      ReleaseCommand.API_KEY_VARIABLE, api.newKey(f.key(), "operator")));
    String id = f.start(next).getString("id");
    await().atMost(Duration.ofSeconds(15)).until(() -> f.release(id).getJsonArray("stages").getJsonObject(0)
      .getString("soakStartedAt") != null);

    Cli.Run paused = cli.run("pause", id, "--reason", "looking at a graph");
    assertThat(paused.code()).as(paused.all()).isZero();
    assertThat(paused.out()).startsWith("paused: release " + id + " paused, stage 1/3 (10%)");
    assertThat(cli.run("pause", id).code()).as("twice is a conflict").isEqualTo(ReleaseCommand.ERROR);
    Cli.Run resumed = cli.run("resume", id);
    assertThat(resumed.out()).startsWith("resumed: release " + id + " running");

    Cli.Run promoted = cli.run("promote", id, "--note", "canary is fine");
    assertThat(promoted.code()).as(promoted.all()).isZero();
    assertThat(promoted.out()).contains("stage 2/3 (50%)");
    Cli.Run full = cli.run("promote", id, "--full");
    assertThat(full.out()).contains("stage 3/3 (100%)");
    await().atMost(Duration.ofSeconds(15)).until(() -> f.release(id).getJsonArray("stages").getJsonObject(2)
      .getString("soakStartedAt") != null);
    assertThat(cli.run("promote", id).out()).contains("SUCCEEDED (completed)");
    assertThat(f.release(id).getJsonArray("decisions")).hasSize(5);

    Cli.Run reverted = cli.run("revert", id, "--reason", "rollback drill", "--wait", "--timeout", "60");
    assertThat(reverted.code()).as(reverted.all()).isZero();
    Matcher m = REVERTING.matcher(reverted.out());
    assertThat(m.find()).as(reverted.out()).isTrue();
    assertThat(f.release(m.group(1)).getString("kind")).isEqualTo("revert");
    assertThat(reverted.out()).contains("SUCCEEDED (completed): reverted");
    Cli.Run again = cli.run("revert", id);
    assertThat(again.code()).isEqualTo(ReleaseCommand.ERROR);
    assertThat(again.err()).contains("something else was deployed");
  }
}
