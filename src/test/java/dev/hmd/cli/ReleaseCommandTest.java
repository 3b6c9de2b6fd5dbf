package dev.hmd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.Main;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code hmd release ...} against a real service and the Cloudflare simulator, with the real engine. */
@WithService
class ReleaseCommandTest {

  /** A stuck release fails the test with exit 3 instead of hanging it. */
  static final String BOUND = "120";
  static final Pattern STARTED = Pattern.compile("started release (\\S+) on connection");

  static TestSimulator sim;
  static Service service;
  static Api api;
  static String url;

  @BeforeAll
  static void start() {
    url = "http://localhost:" + service.httpPort();
  }

  /** A pipeline's view: HMD_URL and an operator key in HMD_API_KEY. */
  static Cli pipeline(Fixture f) {
    return new Cli(Map.of(ReleaseCommand.URL_VARIABLE, url,
      ReleaseCommand.API_KEY_VARIABLE, api.newKey(f.key(), "operator")));
  }

  static String releaseId(Cli.Run run) {
    Matcher m = STARTED.matcher(run.out());
    assertThat(m.find()).as(run.out()).isTrue();
    return m.group(1);
  }

  static String shortId(String versionId) {
    return ReleaseProgress.shortId(versionId);
  }

  /**
   * {@code action} with a note: exit 0, a line that starts with {@code said} and holds the note;
   * then {@code watch} ends as that line says.
   */
  static void assertDecidedThenEnds(Cli cli, String id, String action, String note, String said) {
    Cli.Run decided = cli.run(action, id, "--note", note);
    assertThat(decided.code()).as(decided.all()).isZero();
    assertThat(decided.out()).startsWith(said).contains(note);
    assertWatchEnds(cli, id, said.substring(said.indexOf(id) + id.length() + 1));
  }

  /** {@code watch} of a release that ended without success: exit 1, and its last line says how it ended. */
  static void assertWatchEnds(Cli cli, String id, String end) {
    Cli.Run watched = cli.run("watch", id, "--timeout", BOUND);
    assertThat(watched.code()).as(watched.all()).isEqualTo(ReleaseCommand.NOT_SUCCEEDED);
    assertThat(watched.out()).contains("release " + id + " " + end);
  }

  @Test
  @DisplayName("start --wait on a healthy version prints each stage, check and split, and exits 0 on success")
  void healthyRelease() {
    Fixture f = Fixture.create(api, sim, 200);
    String next = f.version(sim, Fixture.healthy());
    f.plan(Fixture.quickPlan(10, 2, 10, 100));
    Cli cli = pipeline(f);

    Cli.Run run = cli.run("start", "--connection", f.connectionId(), "--version", next, "--wait", "--timeout", BOUND);

    assertThat(run.code()).as(run.all()).isEqualTo(ReleaseCommand.SUCCEEDED);
    String id = releaseId(run);
    assertThat(run.out()).contains(
      "release " + id + " of " + f.script() + ": " + shortId(f.servingVersion()) + " -> " + shortId(next)
        + ", stages 10% 100%",
      "stage 1/2 (10%): soaking 10 s",
      "traffic: 10% " + shortId(next) + " (new), 90% " + shortId(f.servingVersion()) + " (old)",
      "check in stage 1/2: pass, new version ",
      "stage 1/2 (10%): passed",
      "stage 2/2 (100%): soaking 10 s",
      "traffic: 100% " + shortId(next) + " (new)",
      // the last stage succeeds only once its last seconds of telemetry are checked
      "stage 2/2 (100%): confirming the last ",
      "stage 2/2 (100%): passed",
      "release " + id + " SUCCEEDED (completed)");
    assertThat(run.out().lines().filter(l -> l.contains("SUCCEEDED"))).hasSize(1);
    assertThat(run.err()).isEmpty();
    assertThat(run.all()).doesNotContain(cli.env().get(ReleaseCommand.API_KEY_VARIABLE));
    assertThat(f.release(id).getString("state")).isEqualTo("succeeded");
  }

  @Test
  @DisplayName("start --wait on a faulty version prints the failing check and the rollback, and exits 1")
  void faultyRelease() {
    Fixture f = Fixture.create(api, sim, 200);
    String bad = f.version(sim, Fixture.faulty());
    f.plan(Fixture.quickPlan(30, 2, 10, 100));

    Cli.Run run = pipeline(f)
      .run("start", "--connection", f.connectionId(), "--version", bad, "--wait", "--timeout", BOUND);

    assertThat(run.code()).as(run.all()).isEqualTo(ReleaseCommand.NOT_SUCCEEDED);
    String id = releaseId(run);
    assertThat(run.out()).contains("check in stage 1/2: FAIL", "stage 1/2 (10%): FAILED",
      "release " + id + " ROLLED BACK (slo_violation): ");
    assertThat(run.out()).as("a stage that never started says nothing").doesNotContain("stage 2/2");
    // it waits for Cloudflare to serve the old version again before it exits
    assertThat(run.out().strip()).endsWith("traffic: 100% " + shortId(f.servingVersion()) + " (old)");
    assertThat(f.release(id).getString("state")).isEqualTo("rolled_back");
  }

  @Test
  @DisplayName("approve moves a manual stage on; watch then follows the release to success; approving twice is exit 2")
  void approveManualStage() {
    Fixture f = Fixture.create(api, sim, 200);
    String next = f.version(sim, Fixture.healthy());
    JsonObject plan = Fixture.quickPlan(6, 2, 10, 100);
    plan.getJsonArray("stages").getJsonObject(0).put("autoProgress", false);
    f.plan(plan);
    Cli cli = pipeline(f);

    Cli.Run started = cli.run("start", "--connection", f.connectionId(), "--version", next);
    assertThat(started.code()).as(started.all()).isZero();
    String id = releaseId(started);
    await().atMost(Duration.ofSeconds(40)).until(() -> f.release(id).getString("state").equals("awaiting_approval"));

    Cli.Run approved = cli.run("approve", id, "--note", "dashboards look fine");
    assertThat(approved.code()).as(approved.all()).isZero();
    assertThat(approved.out()).startsWith("approved: release " + id + " running");

    Cli.Run watched = cli.run("watch", id, "--timeout", BOUND);
    assertThat(watched.code()).as(watched.all()).isEqualTo(ReleaseCommand.SUCCEEDED);
    assertThat(watched.out()).contains("stage 1/2 (10%): soaking 6 s, then waits for approval",
      "stage 1/2 (10%): awaiting approval (hmd release approve " + id + ", or deny)",
      "stage 1/2 (10%): passed", "release " + id + " SUCCEEDED (completed)");

    Cli.Run again = cli.run("approve", id);
    assertThat(again.code()).isEqualTo(ReleaseCommand.ERROR);
    assertThat(again.err().strip()).startsWith("hmd: 409 Conflict: ").doesNotContain("\n");
  }

  @Test
  @DisplayName("deny at an approval rolls back; watch of the denied release exits 1 with the outcome")
  void denyManualStage() {
    Fixture f = Fixture.create(api, sim, 200);
    String next = f.version(sim, Fixture.healthy());
    JsonObject plan = Fixture.quickPlan(6, 2, 10, 100);
    plan.getJsonArray("stages").getJsonObject(0).put("autoProgress", false);
    f.plan(plan);
    Cli cli = pipeline(f);
    String id = releaseId(cli.run("start", "--connection", f.connectionId(), "--version", next));
    await().atMost(Duration.ofSeconds(40)).until(() -> f.release(id).getString("state").equals("awaiting_approval"));

    assertDecidedThenEnds(cli, id, "deny", "not on a Friday",
      "denied: release " + id + " ROLLED BACK (approval_denied)");
  }

  @Test
  @DisplayName("--timeout gives up with exit 3 while the release goes on; cancel stops it and watch then exits 1")
  void timeoutThenCancel() {
    Fixture f = Fixture.create(api, sim, 100);
    String next = f.version(sim, Fixture.healthy());
    f.plan(Fixture.quickPlan(60, 2, 20, 100));
    Cli cli = pipeline(f);

    Cli.Run waited = cli.run("start", "--connection", f.connectionId(), "--version", next, "--wait", "--timeout", "2");
    assertThat(waited.code()).as(waited.all()).isEqualTo(ReleaseCommand.TIMED_OUT);
    String id = releaseId(waited);
    assertThat(waited.err()).contains("hmd: release " + id + " is still running after 2 s");

    assertDecidedThenEnds(cli, id, "cancel", "wrong version", "cancelled: release " + id + " CANCELLED (cancelled)");
  }

  @Test
  @DisplayName("a bad key is exit 2 with one clear line, and the key is printed nowhere")
  void badKey() {
    Fixture f = Fixture.create(api, sim, 5);
    String key = "hmd_not-a-real-key-0123456789";
    Cli cli = new Cli(Map.of(ReleaseCommand.URL_VARIABLE, url, ReleaseCommand.API_KEY_VARIABLE, key));

    Cli.Run run = cli.run("start", "--connection", f.connectionId(), "--version", f.servingVersion(), "--wait");

    assertThat(run.code()).isEqualTo(ReleaseCommand.ERROR);
    assertThat(run.err().strip()).startsWith("hmd: 401 Unauthorized: ").endsWith("(check HMD_API_KEY)")
      .doesNotContain("\n");
    assertThat(run.out()).isEmpty();
    assertThat(run.all()).doesNotContain(key);
  }

  @Test
  @DisplayName("a viewer key may watch but not start: 403 is exit 2 naming the role needed")
  void viewerCannotStart() {
    Fixture f = Fixture.create(api, sim, 5);
    Cli cli = new Cli(
      Map.of(ReleaseCommand.URL_VARIABLE, url, ReleaseCommand.API_KEY_VARIABLE, api.newKey(f.key(), "viewer")));
    Cli.Run run = cli.run("start", "--connection", f.connectionId(), "--version", f.servingVersion());
    assertThat(run.code()).isEqualTo(ReleaseCommand.ERROR);
    assertThat(run.err()).startsWith("hmd: 403 Forbidden").contains("operator");
  }

  @Test
  @DisplayName("watch of an unknown release id is exit 2 with the API's 404")
  void watchUnknown() {
    Fixture f = Fixture.create(api, sim, 5);
    Cli.Run run = pipeline(f).run("watch", "r_doesnotexist");
    assertThat(run.code()).isEqualTo(ReleaseCommand.ERROR);
    assertThat(run.err().strip()).isEqualTo("hmd: 404 Not Found: no release r_doesnotexist");
  }

  @Test
  @DisplayName("an invalid start is exit 2 with the API's field errors on one line")
  void invalidStart() {
    Fixture f = Fixture.create(api, sim, 5);
    Cli.Run run = pipeline(f).run("start", "--connection", f.connectionId(), "--version", f.servingVersion());
    assertThat(run.code()).isEqualTo(ReleaseCommand.ERROR);
    assertThat(run.err().strip()).startsWith("hmd: 400 Invalid input: newVersionId: ").doesNotContain("\n");
  }

  @Test
  @DisplayName("--url and --api-key stand in for the variables; without either the command says which is missing")
  void settings() {
    Fixture f = Fixture.create(api, sim, 5);
    String key = api.newKey(f.key(), "operator");
    Cli bare = new Cli(Map.of());
    Cli.Run noUrl = bare.run("watch", "r_x");
    assertThat(noUrl.code()).isEqualTo(ReleaseCommand.ERROR);
    assertThat(noUrl.err().strip()).isEqualTo("hmd: no service URL: set HMD_URL or pass --url");
    Cli.Run noKey = bare.run("watch", "r_x", "--url", url);
    assertThat(noKey.err().strip()).isEqualTo("hmd: no API key: set HMD_API_KEY or pass --api-key");
    Cli.Run options = bare.run("watch", "r_unknown", "--url", url + "/", "--api-key", key);
    assertThat(options.err().strip()).isEqualTo("hmd: 404 Not Found: no release r_unknown");
    Cli.Run badUrl = bare.run("watch", "r_x", "--url", "localhost:8080", "--api-key", key);
    assertThat(badUrl.err().strip()).startsWith("hmd: the service URL must look like https://");
    Cli.Run down = bare.run("watch", "r_x", "--url", "http://127.0.0.1:1", "--api-key", key);
    assertThat(down.code()).isEqualTo(ReleaseCommand.ERROR);
    assertThat(down.err()).startsWith("hmd: cannot reach the service at http://127.0.0.1:1");
    assertThat(down.all()).doesNotContain(key);
  }

  @Test
  @DisplayName("usage errors are exit 2; `hmd release` is registered in Main and documents its exit codes")
  void usage() {
    Cli.Run missing = new Cli(Map.of()).run("start", "--connection", "c_x");
    assertThat(missing.code()).isEqualTo(ReleaseCommand.ERROR);
    assertThat(missing.err()).contains("Missing required option: '--version=VERSION_ID'");

    CommandLine main = new CommandLine(new Main());
    assertThat(main.getSubcommands()).containsKey("release");
    assertThat(main.getSubcommands().get("release").getSubcommands().keySet())
      .containsExactlyInAnyOrder("start", "watch", "approve", "deny", "cancel", "pause", "resume", "promote", "revert");
    String help = main.getSubcommands().get("release").getUsageMessage();
    assertThat(help).contains("Exit codes:", "HMD_URL", "HMD_API_KEY");
  }
}
