package dev.hmd.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;

/**
 * The release controls in the dashboard, in a real headless Chromium against a real service and
 * simulator: the plan editor's smoke test, gates and dry-run SLOs; the release page's smoke and
 * gate results; pause, resume, promote and revert with their confirmations; who decided and why.
 */
@WithService
class ReleaseControlsBrowserTest {

  static final Duration RELEASE_END = Duration.ofSeconds(90);

  static TestSimulator sim;
  static Service service;
  static Api api;
  static Browser browser;
  /** A gate that answers 503 to its first two calls and 200 after. */
  static Vertx gateVertx;
  static HttpServer gate;
  static final AtomicInteger GATE_CALLS = new AtomicInteger();

  @RegisterExtension
  static final BrowserSession SESSION = new BrowserSession(() -> service);

  @BeforeAll
  static void start() {
    browser = SESSION.browser();
    if (browser == null) {
      return;
    }
    gateVertx = Vertx.vertx();
    gate = gateVertx.createHttpServer()
      .requestHandler(req -> req.body().onComplete(body ->
        req.response().setStatusCode(GATE_CALLS.incrementAndGet() <= 2 ? 503 : 200).end()))
      .listen(0, "127.0.0.1").await();
  }

  @AfterAll
  static void stop() {
    if (gateVertx != null) {
      gateVertx.close().await();
    }
  }

  String text(By by) {
    return browser.visible(by).getText();
  }

  static String edgeUrl(Fixture f) {
    return "http://localhost:" + sim.port() + "/sim/edge/" + f.account().accountId() + "/" + f.script();
  }

  static JsonObject clean() {
    return new JsonObject().put("latencyMs", new JsonObject().put("p50", 20).put("p99", 100)).put("errorRate", 0.0);
  }

  @Test
  @DisplayName(
    "the plan editor sets a smoke test, a gate and a dry-run SLO, names a bad gate URL at its field, and makes a "
    + "gate secret")
  void planEditor() {
    Fixture f = Fixture.create(api, sim, 5);
    browser.signIn(f.key());
    browser.open("/connections/" + f.connectionId() + "/plan");
    browser.click(By.id("plan-slos-0-dryRun"));
    browser.click(By.id("plan-smokeTest-enabled"));
    browser.type(By.id("plan-smokeTest-url"), edgeUrl(f));
    browser.type(By.id("plan-smokeTest-repeat"), "3");
    browser.type(By.id("plan-smokeTest-requests-0-path"), "/health");
    browser.type(By.id("plan-smokeTest-requests-0-expectStatus"), "200, 204");
    browser.click(By.id("add-smoke-request"));
    new Select(browser.visible(By.id("plan-smokeTest-requests-1-method"))).selectByValue("HEAD");
    browser.type(By.id("plan-smokeTest-requests-1-path"), "/");
    browser.click(By.id("add-gate"));
    browser.type(By.id("plan-gates-0-name"), "load-test");
    browser.type(By.id("plan-gates-0-url"), "not a url");
    new Select(browser.visible(By.id("plan-gates-0-when"))).selectByValue("before_promotion");
    browser.type(By.id("plan-gates-0-timeoutSeconds"), "120");
    assertThat(text(By.id("plan-gates-0-timeoutSeconds-hint"))).isEqualTo("= 2 min 00 s");
    browser.click(By.id("save-plan"));

    String error = browser.textContains(By.id("plan-gates-0-url-error"), "URL", Browser.WAIT);
    assertThat(error).contains("must be an absolute http or https URL");
    assertThat(text(By.id("plan-errors"))).contains("Gate 1: URL must be");
    browser.type(By.id("plan-gates-0-url"), "https://ci.example.com/gates/load");
    browser.click(By.id("save-plan"));
    browser.textContains(By.id("plan-errors"), "Saved: revision", Browser.WAIT);

    JsonObject saved = f.api().get("/v1/connections/" + f.connectionId() + "/plan").bodyAsJsonObject();
    assertThat(saved.getJsonArray("slos").getJsonObject(0).getBoolean("dryRun")).isTrue();
    JsonObject smoke = saved.getJsonObject("smokeTest");
    assertThat(smoke.getString("url")).isEqualTo(edgeUrl(f));
    assertThat(smoke.getInteger("repeat")).isEqualTo(3);
    assertThat(smoke.getJsonArray("requests").getJsonObject(0).getJsonArray("expectStatus")).containsExactly(200, 204);
    assertThat(smoke.getJsonArray("requests").getJsonObject(1).getString("method")).isEqualTo("HEAD");
    JsonObject gate = saved.getJsonArray("gates").getJsonObject(0);
    assertThat(gate.getString("name")).isEqualTo("load-test");
    assertThat(gate.getString("when")).isEqualTo("before_promotion");
    assertThat(gate.getInteger("timeoutSeconds")).isEqualTo(120);

    // after a reload the editor shows what was saved, and turning the smoke test off is a change
    browser.open("/connections");
    browser.open("/connections/" + f.connectionId() + "/plan");
    assertThat(browser.visible(By.id("plan-smokeTest-requests-0-expectStatus")).getDomProperty("value"))
      .isEqualTo("200, 204");
    assertThat(browser.visible(By.id("plan-slos-0-dryRun")).isSelected()).isTrue();

    browser.click(By.id("new-gate-secret"));
    assertThat(text(By.id("gate-secret-dialog"))).contains("signed with the new secret");
    browser.click(By.id("gate-secret-dialog-confirm"));
    assertThat(browser.visible(By.id("gate-secret-value")).getDomProperty("value")).startsWith("whsec_");
    browser.screenshot(DashboardBrowserTest.extraScreenshot("dashboard-plan-controls.png"));
  }

  @Test
  @DisplayName(
    "the release page shows the smoke test's attempts and the gate that held a stage, and the timeline tells both")
  void smokeAndGateResults() {
    Fixture f = Fixture.create(api, sim, 200);
    String next = f.version(sim, clean());
    GATE_CALLS.set(0);
    f.plan(Fixture.quickPlan(6, 2, 10, 100).put("onInsufficientData", "proceed")
      .put("smokeTest", new JsonObject().put("url", edgeUrl(f)).put("repeat", 2)
        .put("requests", new JsonArray().add(new JsonObject().put("path", "/health"))))
      .put("gates", new JsonArray().add(new JsonObject().put("name", "load-test")
        .put("url", "http://127.0.0.1:" + gate.actualPort() + "/gate").put("when", "before_promotion")
        .put("timeoutSeconds", 60))));
    String id = f.start(next).getString("id");
    browser.signIn(f.key());
    browser.open("/releases/" + id);
    browser.textContains(By.id("release-outcome"), "Succeeded", RELEASE_END);

    String smoke = text(By.id("smoke-results"));
    assertThat(smoke).contains("Smoke test at 0%", "Passed", "GET /health × 2");
    assertThat(browser.present(By.cssSelector("#smoke-table tr[data-verdict='pass']"))).isTrue();
    String gates = text(By.id("gates-table"));
    assertThat(gates).contains("load-test", "stage 2 (100%)", "503, 503, 200");
    String timeline = text(By.id("timeline"));
    assertThat(timeline).contains("Smoke test at 0%, attempt", "answered as expected",
      "Gate “load-test” said yes before stage 2 (100%) (after 3 attempts)");
    browser.screenshot(DashboardBrowserTest.extraScreenshot("dashboard-release-controls.png"));
  }

  @Test
  @DisplayName("a failed smoke test reads as such: rolled back before any traffic, the unexpected answers shown")
  void failedSmokeTest() {
    Fixture f = Fixture.create(api, sim, 5);
    String broken = f.version(sim, new JsonObject().put("serverErrorRate", 1.0).put("errorRate", 0.0));
    f.plan(Fixture.quickPlan(6, 2, 10, 100).put("smokeTest", new JsonObject().put("url", edgeUrl(f))
      .put("requests", new JsonArray().add(new JsonObject().put("path", "/health")))));
    String id = f.start(broken).getString("id");
    browser.signIn(f.key());
    browser.open("/releases/" + id);
    String outcome = browser.textContains(By.id("release-outcome"), "Rolled back: the smoke test failed", RELEASE_END);
    assertThat(outcome).contains("before any real traffic reached");
    assertThat(text(By.cssSelector("#stage-0 .stage-state"))).isEqualTo("Smoke test failed");
    assertThat(text(By.id("smoke-table"))).contains("Failed", "1 of 1");
  }

  @Test
  @DisplayName(
    "pause, resume, promote to 100% and complete, each asked first; then revert opens the revert, and both say who "
    + "and why")
  void operatorControls() {
    Fixture f = Fixture.create(api, sim, 50);
    String next = f.version(sim, clean());
    f.plan(Fixture.quickPlan(600, 60, 10, 50, 100));
    String operatorKey = api.newKey(f.key(), "operator");
    String id = f.start(next).getString("id");
    await().atMost(Duration.ofSeconds(20)).until(() -> f.release(id).getJsonArray("stages").getJsonObject(0)
      .getString("soakStartedAt") != null);

    browser.signIn(operatorKey);
    browser.open("/releases/" + id);
    browser.type(By.id("decision-note"), "checking a graph");
    browser.click(By.id("pause-release"));
    assertThat(text(By.id("pause-dialog"))).contains("Pause the soak?", "checking a graph");
    browser.click(By.id("pause-dialog-cancel"));
    await().atMost(Browser.WAIT).until(() -> !browser.present(By.id("pause-dialog")));
    assertThat(f.release(id).getString("state")).isEqualTo("running");
    browser.click(By.id("pause-release"));
    browser.click(By.id("pause-dialog-confirm"));
    assertThat(browser.textContains(By.id("paused-notice"), "Paused since", Browser.WAIT))
      .contains("by operator-key", "checking a graph");
    assertThat(text(By.id("release-state"))).isEqualTo("Paused");
    assertThat(text(By.id("release-status"))).startsWith("Paused at stage 1 of 3");

    browser.click(By.id("resume-release"));
    browser.click(By.id("resume-dialog-confirm"));
    browser.textContains(By.id("release-state"), "Running", Browser.WAIT);
    browser.click(By.id("promote-full-release"));
    assertThat(text(By.id("promote-full-dialog"))).contains("Go straight to 100%?");
    browser.click(By.id("promote-full-dialog-confirm"));
    browser.textContains(By.cssSelector("#stage-1 .stage-state"), "Skipped", Browser.WAIT);
    await().atMost(Duration.ofSeconds(20)).until(() -> f.release(id).getJsonArray("stages").getJsonObject(2)
      .getString("soakStartedAt") != null);
    browser.click(By.id("promote-release"));
    assertThat(text(By.id("promote-dialog"))).contains("Complete the release now?");
    browser.click(By.id("promote-dialog-confirm"));
    browser.textContains(By.id("release-outcome"), "Succeeded", Browser.WAIT);
    String timeline = text(By.id("timeline"));
    assertThat(timeline).contains("Release paused", "by operator-key: “checking a graph”", "Release resumed",
      "Release promoted straight to 100%");
    assertThat(text(By.id("decisions"))).contains("Paused by operator-key", "checking a graph",
      "Promoted straight to 100% by operator-key");

    browser.type(By.id("decision-note"), "customers complain");
    browser.click(By.id("revert-release"));
    assertThat(text(By.id("revert-dialog"))).contains("Revert this release?", "v1");
    browser.click(By.id("revert-dialog-confirm"));
    browser.textContains(By.cssSelector("h1"), "Revert to v1", Browser.WAIT);
    assertThat(text(By.id("release-related"))).contains("Undoes", "release " + id);
    browser.textContains(By.id("release-outcome"), "Succeeded", RELEASE_END);
    assertThat(text(By.id("timeline"))).contains("Revert started", "by operator-key: “customers complain”");
    browser.click(By.id("revert-of"));
    assertThat(browser.textContains(By.id("release-related"), "Reverted by operator-key", Browser.WAIT))
      .contains("customers complain");
    assertThat(browser.present(By.id("revert-release"))).isFalse();
  }
}
