package dev.hmd.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard in a real headless Chromium against a real service and Cloudflare simulator:
 * what a person does with it, click by click, at desktop and phone sizes. Each test has its own
 * tenant. The page runs under a strict Content-Security-Policy (index.html's meta tag); any
 * violation, or any uncaught script error, fails the test that caused it.
 *
 * <p>Screenshots go to {@code target/screenshots/}; with {@code -Dhmd.screenshots=docs} the ones
 * the docs show replace the committed ones.
 */
// the webhook receiver runs on 127.0.0.1: private addresses must be allowed explicitly
@WithService(env = Config.WEBHOOK_ALLOW_PRIVATE + "=true")
class DashboardBrowserTest {

  static final Duration RELEASE_END = Duration.ofSeconds(90);
  static final String NOT_LIVE = "Not live: this release has ended";

  static TestSimulator sim;
  static Service service;
  static Api api;
  static Browser browser;
  /** A webhook receiver that accepts everything, for the webhooks section's test deliveries. */
  static Vertx receiverVertx;
  static HttpServer receiver;

  @RegisterExtension
  static final BrowserSession SESSION = new BrowserSession(() -> service);

  @BeforeAll
  static void start() {
    browser = SESSION.browser();
    if (browser == null) {
      return;
    }
    receiverVertx = Vertx.vertx();
    receiver = receiverVertx.createHttpServer()
      .requestHandler(req -> req.body().onComplete(body -> req.response().setStatusCode(204).end()))
      .listen(0, "127.0.0.1").await();
  }

  @AfterAll
  static void stop() {
    if (receiverVertx != null) {
      receiverVertx.close().await();
    }
  }

  /** Where a screenshot for the docs goes. */
  static Path screenshot(String name) {
    return Path.of(System.getProperty("hmd.screenshots", "target/screenshots")).resolve(name);
  }

  /** Where any other screenshot goes: only ever under target/. */
  static Path extraScreenshot(String name) {
    return Path.of("target/screenshots").resolve(name);
  }

  /** Set on the page's window; still there later proves the page was never reloaded. */
  void markPage() {
    browser.script("window.__hmdMark = 'same page'");
  }

  void assertSamePage() {
    assertThat(browser.script("return window.__hmdMark")).isEqualTo("same page");
  }

  String text(By by) {
    return browser.visible(by).getText();
  }

  /**
   * Each stage card's counts are the checks table's counted rows of that stage, verdict by
   * verdict, and every row that did not count says why (issue 16, bug 2: the table listed a
   * stage's first window after its split, which the engine does not count, without saying so).
   */
  void assertStageCountsMatchChecks(int stages) {
    if (browser.present(By.id("all-checks"))) {
      browser.click(By.id("all-checks"));
    }
    await().atMost(Browser.WAIT).ignoreExceptions().untilAsserted(() -> {
      for (int i = 0; i < stages; i++) {
        WebElement card = browser.driver.findElement(By.id("stage-" + i));
        String[][] kinds = {{"passed", "pass"}, {"failed", "fail"}, {"inconclusive", "inconclusive"}};
        for (String[] kind : kinds) {
          int onCard = Integer.parseInt(Objects.requireNonNull(card.getDomAttribute("data-" + kind[0])));
          int inTable = browser.driver.findElements(By.cssSelector("#checks-table tr[data-stage='" + i
            + "'][data-counted='true'][data-verdict='" + kind[1] + "']")).size();
          assertThat(inTable).as("stage %d: %s checks on the card and counted in the table", i + 1, kind[1])
            .isEqualTo(onCard);
        }
        int uncounted = browser.driver.findElements(By.cssSelector("#checks-table tr[data-stage='" + i
          + "'][data-counted='false']")).size();
        assertThat(card.getDomAttribute("data-uncounted")).isEqualTo(String.valueOf(uncounted));
        if (uncounted > 0) {
          assertThat(card.getText()).contains(uncounted + " more did not count");
        }
      }
      for (WebElement row : browser.driver.findElements(By.cssSelector("#checks-table tr[data-counted='false']"))) {
        assertThat(row.getText()).contains("No: ");
      }
    });
  }

  /** What a person reads must hold no code or field name of the API. */
  static void assertPlainWords(String text) {
    assertThat(text).doesNotContain("slo_violation", "approval_denied", "failureThreshold", "minRequests",
      "targetPercent", "Cancelled: cancelled", "Succeeded: completed", "lower bound", "observed 0.", "UNAUTHORIZED");
  }

  @Test
  @DisplayName(
    "an admin starts the faulty version and watches it roll back live: plain words, a timeline, counts that match "
    + "the table, then not live; phones and timezones")
  void faultyRollsBackLive() {
    Fixture f = Fixture.create(api, sim, 200);
    String bad = f.version(sim, Fixture.faulty());
    // three failed checks before the rollback: a few points on the charts
    f.plan(Fixture.quickPlan(30, 2, 10, 50, 100).put("failureThreshold", 3));

    browser.signIn(f.key());
    assertThat(text(By.id("who-role"))).isEqualTo("admin");
    browser.click(By.linkText(f.script()));
    browser.visible(By.id("versions"));
    assertThat(text(By.cssSelector("#versions tr.current"))).contains("serving 100%");
    // the Worker in Cloudflare's own dashboard
    assertThat(browser.visible(By.id("cloudflare-link")).getDomAttribute("href")).isEqualTo("https://dash.cloudflare.com/"
      + f.account().accountId() + "/workers/services/view/" + f.script() + "/production");
    browser.click(By.id("start-link"));

    WebElement serving = browser.visible(By.id("version-" + f.servingVersion()));
    assertThat(serving.isEnabled()).as("the serving version cannot be picked").isFalse();
    browser.click(By.id("version-" + bad));
    browser.click(By.id("start-release"));

    await().atMost(Browser.WAIT).until(() -> browser.driver.getCurrentUrl().contains("#/releases/"));
    markPage();
    browser.textContains(By.id("stream-status"), "Live", Browser.WAIT);
    assertThat(text(By.tagName("h1"))).isEqualTo("Release v1 → v2");
    // the outcome in words, then (from the failed check) which SLO broke and by how much, in percent and ms
    browser.textContains(By.id("release-outcome"), "Rolled back: the new version broke an SLO", RELEASE_END);
    String outcome = browser.textContains(By.id("release-outcome"), "The failing check at", Browser.WAIT);
    assertThat(outcome).contains("3 checks failed at stage 1 (10%)", "the plan rolls back after 3 failed checks")
      .containsAnyOf("error rate", "p99 latency").containsAnyOf("%", " ms");
    assertPlainWords(outcome);
    assertThat(text(By.id("release-status"))).startsWith("Rolled back: the new version broke an SLO");
    assertThat(browser.visible(By.id("release-status")).getDomAttribute("aria-live")).isEqualTo("polite");
    browser.visible(By.cssSelector("#checks-table tr[data-verdict='fail']"));
    assertThat(browser.driver.findElements(By.cssSelector("#charts svg.chart"))).hasSize(2);
    assertThat(browser.present(By.cssSelector("#charts .fail-mark"))).isTrue();
    assertThat(browser.visible(By.cssSelector("#stage-0")).getDomAttribute("data-state")).isEqualTo("failed");
    assertThat(text(By.cssSelector("#stage-0 .stage-state"))).isEqualTo("Failed: SLO broken");
    assertThat(browser.present(By.cssSelector("#stage-0 .progress.tone-bad"))).isTrue();
    assertThat(browser.present(By.id("cancel-release"))).as("no actions once it has ended").isFalse();
    // the rollback reaches Cloudflare, and the split bar and the timeline follow, on the same page
    browser.visible(By.cssSelector("#split .split-part.old[data-percentage='100']"), Duration.ofSeconds(20));
    browser.visible(By.cssSelector("#timeline li[data-kind='rollback_applied'] time"));
    // bug 1: the page no longer claims to be live once the release has ended
    browser.textContains(By.id("stream-status"), NOT_LIVE, Browser.WAIT);
    assertThat(text(By.id("stream-status"))).isEqualTo(NOT_LIVE);
    // who started it comes from the audit log, read after the page was drawn
    String timeline = browser.textContains(By.id("timeline"), "by admin", Browser.WAIT);
    assertThat(timeline)
      .contains("Release started: v1 → v2", "by admin", "split applied at Cloudflare (v2 10%, v1 90%)",
        "Stage 1 (10%) checks: ", "3 failed", "Rolled back: the new version broke an SLO", "Traffic back on v1 (100%)");
    assertPlainWords(timeline);
    assertPlainWords(text(By.id("checks-table")));
    assertStageCountsMatchChecks(3);
    assertSamePage();
    browser.screenshot(screenshot("dashboard-release.png"));
    browser.screenshot(By.id("timeline-section"), screenshot("dashboard-timeline.png"));

    // phones: the checks become cards whose verdict badges show whole, and no page scrolls sideways
    browser.width(360, 800);
    try {
      await().atMost(Browser.WAIT).until(browser::fitsWidth);
      WebElement badge = browser.visible(By.cssSelector("#checks-table tr[data-verdict='fail'] .badge"));
      assertThat(browser.inViewWidth(badge)).as("the verdict badge is not cut off").isTrue();
      browser.screenshot(extraScreenshot("dashboard-release-phone.png"));
      String releaseRoute = browser.driver.getCurrentUrl().replaceFirst(".*#", "");
      for (String route : List.of("/releases", "/connections", "/connections/" + f.connectionId(),
        "/connections/" + f.connectionId() + "/plan", "/connections/" + f.connectionId() + "/start", "/keys", "/audit",
        releaseRoute)) {
        browser.open(route);
        browser.visible(By.cssSelector("main h1"));
        await().atMost(Browser.WAIT).ignoreExceptions()
          .until(() -> !browser.present(By.id("boot")) && browser.fitsWidth());
        assertThat(browser.fitsWidth()).as("%s fits 360 px", route).isTrue();
      }
    } finally {
      browser.desktop();
    }

    // the same release from the history: v-numbers, the outcome in words, not live
    browser.click(By.linkText("Releases"));
    WebElement row = browser.visible(By.cssSelector("#releases tr[data-state='rolled_back']"));
    assertThat(row.getText()).contains("v1 → v2", "the new version broke an SLO");
    assertPlainWords(row.getText());
    browser.click(By.cssSelector("#releases tr[data-state='rolled_back'] a"));
    browser.textContains(By.id("stream-status"), NOT_LIVE, Browser.WAIT);
    browser.textContains(By.id("release-outcome"), "Rolled back: the new version broke an SLO", Browser.WAIT);
    browser.visible(By.cssSelector("#checks-table tr[data-verdict='fail']"));
    assertStageCountsMatchChecks(3);

    // times in the viewer's own timezone, with the zone shown
    browser.driver.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", "Asia/Kolkata"));
    try {
      browser.driver.navigate().refresh();
      browser.textContains(By.id("zone"), "GMT+5:30", Browser.WAIT);
      assertThat(browser.textContains(By.cssSelector(".facts"), "GMT+5:30", Browser.WAIT)).contains("Started");
      assertThat(text(By.id("timeline"))).contains("GMT+5:30");
    } finally {
      browser.driver.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", ""));
    }
  }

  @Test
  @DisplayName(
    "a stage that needs approval: the tab title and a banner say so, the operator approves with a note, the "
    + "timeline says who")
  void manualStageApproved() {
    Fixture f = Fixture.create(api, sim, 200);
    String next = f.version(sim, Fixture.healthy());
    JsonObject plan = Fixture.quickPlan(6, 2, 10, 100);
    plan.getJsonArray("stages").getJsonObject(0).put("autoProgress", false).put("description", "canary, then ask");
    f.plan(plan);
    String operatorKey = api.newKey(f.key(), "operator");
    String id = f.start(next).getString("id");

    browser.signIn(operatorKey);
    browser.open("/releases/" + id);
    markPage();
    browser.visible(By.id("approve-release"), Duration.ofSeconds(45));
    assertThat(text(By.id("release-status"))).startsWith("Awaiting approval at stage 1 of 2");
    await().atMost(Browser.WAIT).until(() -> browser.driver.getTitle().startsWith("(1) awaiting approval"));
    assertThat(text(By.id("attention"))).isEqualTo("1 release awaits approval");
    assertThat(browser.present(By.id("deny-release"))).isTrue();
    assertThat(text(By.id("stage-0"))).contains("needs approval", "canary, then ask");
    browser.type(By.id("decision-note"), "looks fine");
    browser.click(By.id("approve-release"));
    assertThat(browser.present(By.cssSelector("dialog[open]"))).as("approving asks nothing").isFalse();

    browser.textContains(By.id("release-outcome"), "Succeeded: all stages passed", RELEASE_END);
    assertThat(text(By.id("release-outcome"))).contains("All 2 stages passed; v2 now serves all traffic.");
    assertThat(browser.present(By.id("approve-release"))).isFalse();
    assertThat(browser.visible(By.id("stage-0")).getDomAttribute("data-state")).isEqualTo("passed");
    assertThat(browser.visible(By.id("stage-1")).getDomAttribute("data-state")).isEqualTo("passed");
    browser.visible(By.cssSelector("#split .split-part.new[data-percentage='100']"), Duration.ofSeconds(20));
    await().atMost(Browser.WAIT).until(() -> !browser.driver.getTitle().contains("awaiting approval"));
    // the approver and the note, in this tab
    String approved = text(By.cssSelector("#timeline li[data-kind='approved']"));
    assertThat(approved).contains("Stage 1 (10%) approved", "by operator-key", "looks fine");
    assertThat(text(By.id("timeline"))).contains("waiting for a person to approve", "Stage 2 (100%) passed",
      "Succeeded: all stages passed");
    assertStageCountsMatchChecks(2);
    assertSamePage();
    assertThat(f.release(id).getString("state")).isEqualTo("succeeded");
    browser.screenshot(extraScreenshot("dashboard-release-succeeded.png"));

    // an admin elsewhere reads who approved from the audit log
    browser.signIn(f.key());
    browser.open("/releases/" + id);
    browser.textContains(By.cssSelector("#timeline li[data-kind='approved']"), "by operator-key", Browser.WAIT);
  }

  @Test
  @DisplayName(
    "a viewer is told who can approve; the operator's deny asks first in the page, then the stage reads Denied, not "
    + "Failed")
  void deniedStage() {
    Fixture f = Fixture.create(api, sim, 200);
    String next = f.version(sim, Fixture.healthy());
    JsonObject plan = Fixture.quickPlan(6, 2, 10, 100);
    plan.getJsonArray("stages").getJsonObject(0).put("autoProgress", false);
    f.plan(plan);
    String viewerKey = api.newKey(f.key(), "viewer");
    String operatorKey = api.newKey(f.key(), "operator");
    String id = f.start(next).getString("id");
    await().atMost(Duration.ofSeconds(45)).until(() -> "awaiting_approval".equals(f.release(id).getString("state")));

    // what needs a person: the home page, the connection page and the release page say so, with links
    browser.signIn(viewerKey);
    browser.open("/connections");
    String banner = browser.textContains(By.id("needs-person"), "waits for approval", Browser.WAIT);
    assertThat(banner).contains("v1 → v2", "operator or admin");
    // the list follows the tenant's stream, so it may be drawn again under us: look until it holds
    await().atMost(Browser.WAIT).ignoreExceptions().until(() ->
      ("#/releases/" + id)
        .equals(browser.driver.findElement(By.cssSelector("#needs-person a")).getDomAttribute("href")));
    assertThat(browser.driver.getTitle()).startsWith("(1) awaiting approval");
    assertThat(text(By.cssSelector("#connections tr[data-connection-id='" + f.connectionId() + "']")))
      .contains("Awaiting approval");
    browser.open("/connections/" + f.connectionId());
    assertThat(browser.textContains(By.id("connection-release"), "waits for approval", Browser.WAIT))
      .contains("stage 1 (10%)", "operator or admin");
    browser.click(By.id("connection-release-link"));
    assertThat(browser.textContains(By.id("release-attention"), "waits for a person", Browser.WAIT))
      .contains("operator or admin key", "your key (viewer)");
    assertThat(browser.present(By.id("approve-release"))).isFalse();

    browser.signIn(operatorKey);
    browser.open("/releases/" + id);
    browser.type(By.id("decision-note"), "not today");
    browser.click(By.id("deny-release"));
    // an in-page dialog, not window.confirm; keeping it changes nothing
    WebElement dialog = browser.visible(By.id("deny-dialog"));
    assertThat(dialog.getText()).contains("Deny stage 1 (10%) and roll back?", "back to v1", "not today");
    assertThat(browser.driver.switchTo().activeElement().getDomAttribute("id")).isEqualTo("deny-dialog-cancel");
    browser.click(By.id("deny-dialog-cancel"));
    await().atMost(Browser.WAIT).until(() -> !browser.present(By.id("deny-dialog")));
    assertThat(f.release(id).getString("state")).isEqualTo("awaiting_approval");
    // Escape keeps it too
    browser.click(By.id("deny-release"));
    browser.visible(By.id("deny-dialog"));
    new Actions(browser.driver).sendKeys(Keys.ESCAPE).perform();
    await().atMost(Browser.WAIT).until(() -> !browser.present(By.id("deny-dialog")));
    assertThat(f.release(id).getString("state")).isEqualTo("awaiting_approval");
    browser.click(By.id("deny-release"));
    browser.click(By.id("deny-dialog-confirm"));

    String outcome = browser.textContains(By.id("release-outcome"), "Rolled back: approval was denied", Browser.WAIT);
    assertThat(outcome).contains("Approval was denied at stage 1 (10%)", "Decided by operator-key: “not today”");
    assertPlainWords(outcome);
    // bug 3: a denied stage is not a failure
    assertThat(text(By.cssSelector("#stage-0 .stage-state"))).isEqualTo("Denied");
    assertThat(browser.present(By.cssSelector("#stage-0 .progress.tone-bad"))).isFalse();
    assertThat(browser.present(By.cssSelector("#stage-0 .badge.bad"))).isFalse();
    assertThat(text(By.cssSelector("#timeline li[data-kind='denied']")))
      .contains("denied", "by operator-key", "not today");
    assertThat(f.release(id).getJsonObject("outcome").getString("code")).isEqualTo("approval_denied");
    await().atMost(Browser.WAIT).until(() -> !browser.driver.getTitle().contains("awaiting approval"));
  }

  @Test
  @DisplayName(
    "the plan editor: errors in words at their fields, live hints, a valid new stage, and a prompt before unsaved "
    + "changes are lost; a viewer only reads")
  void planEditorAndViewer() {
    Fixture f = Fixture.create(api, sim, 20);
    browser.signIn(f.key());
    browser.open("/connections/" + f.connectionId() + "/plan");
    assertThat(text(By.id("plan-revision"))).contains("not saved yet");

    browser.type(By.id("plan-stages-1-targetPercent"), "5");
    browser.type(By.id("plan-stages-1-description"), "half, but not really");
    browser.click(By.id("save-plan"));
    String error = browser.textContains(By.id("plan-stages-1-targetPercent-error"), "more than", Browser.WAIT);
    assertThat(error).contains("Traffic % must be more than the previous stage's 10%.");
    assertThat(browser.visible(By.id("plan-stages-1-targetPercent")).getDomAttribute("aria-invalid")).isEqualTo("true");
    assertThat(text(By.id("plan-errors"))).contains("Stage 2: Traffic % must be more");
    assertPlainWords(text(By.id("plan-errors")));

    // bug 4: hints follow typing, before any save
    browser.type(By.id("plan-stages-0-soakSeconds"), "60");
    assertThat(text(By.id("plan-stages-0-soakSeconds-hint"))).isEqualTo("= 1 min 00 s");
    browser.type(By.id("plan-stages-0-soakSeconds"), "3600");
    assertThat(text(By.id("plan-stages-0-soakSeconds-hint"))).isEqualTo("= 1 h 00 min");
    browser.type(By.id("plan-slos-1-threshold"), "0.05");
    assertThat(text(By.id("plan-slos-1-threshold-hint"))).contains("At most 5% of requests");
    browser.type(By.id("plan-slos-1-threshold"), "0.01");
    browser.type(By.id("plan-stages-0-soakSeconds"), "60");
    browser.screenshot(screenshot("dashboard-plan.png"));

    browser.type(By.id("plan-stages-1-targetPercent"), "50");
    // bug 7: a new stage goes between the last two, so the plan stays valid
    browser.click(By.id("add-stage"));
    assertThat(browser.driver.findElements(By.cssSelector("#stage-rows > li"))).hasSize(4);
    assertThat(browser.visible(By.id("plan-stages-2-targetPercent")).getDomProperty("value")).isEqualTo("75");
    assertThat(browser.visible(By.id("plan-stages-3-targetPercent")).getDomProperty("value")).isEqualTo("100");
    assertThat(browser.driver.switchTo().activeElement().getDomAttribute("id"))
      .isEqualTo("plan-stages-2-targetPercent");
    browser.click(By.id("add-slo"));
    browser.type(By.id("plan-slos-2-threshold"), "1.5");
    new Select(browser.visible(By.id("plan-slos-2-mode"))).selectByValue("relative");
    assertThat(text(By.id("plan-slos-2-threshold-hint"))).contains("1.5 × the old version");
    browser.type(By.id("plan-approvalTimeoutSeconds"), "600");
    assertThat(text(By.id("plan-approvalTimeoutSeconds-hint"))).contains("10 min 00 s");
    browser.click(By.id("save-plan"));
    browser.textContains(By.id("plan-revision"), "Revision 1", Browser.WAIT);
    assertThat(browser.present(By.cssSelector("#plan-form [aria-invalid='true']"))).isFalse();
    JsonObject saved = f.api().get("/v1/connections/" + f.connectionId() + "/plan").bodyAsJsonObject();
    JsonArray stages = saved.getJsonArray("stages");
    assertThat(stages.stream().map(s -> ((JsonObject) s).getInteger("targetPercent")).toList())
      .containsExactly(10, 50, 75, 100);
    assertThat(stages.getJsonObject(1).getString("description")).isEqualTo("half, but not really");
    assertThat(saved.getJsonArray("slos").getJsonObject(2).getString("mode")).isEqualTo("relative");
    assertThat(saved.getInteger("approvalTimeoutSeconds")).isEqualTo(600);

    // bug 5: leaving with unsaved changes asks first, in the page
    browser.type(By.id("plan-minRequests"), "77");
    browser.click(By.linkText("Connections"));
    WebElement leave = browser.visible(By.id("leave-dialog"));
    assertThat(leave.getText()).contains("Leave without saving?");
    browser.click(By.id("leave-dialog-cancel"));
    await().atMost(Browser.WAIT).until(() -> !browser.present(By.id("leave-dialog")));
    assertThat(browser.driver.getCurrentUrl()).endsWith("/plan");
    assertThat(browser.visible(By.id("plan-minRequests")).getDomProperty("value")).isEqualTo("77");
    browser.click(By.linkText("Connections"));
    browser.click(By.id("leave-dialog-confirm"));
    browser.visible(By.id("connections"));
    assertThat(browser.driver.getCurrentUrl()).endsWith("#/connections");
    // saved, nothing to ask
    browser.open("/connections/" + f.connectionId() + "/plan");
    browser.visible(By.id("plan-form"));
    browser.click(By.linkText("Releases"));
    browser.visible(By.id("releases"));
    assertThat(browser.present(By.id("leave-dialog"))).isFalse();

    // reorder, then the server refuses the descending percentages at the right row
    browser.open("/connections/" + f.connectionId() + "/plan");
    browser.click(By.id("stage-0-down"));
    assertThat(browser.visible(By.id("plan-stages-0-targetPercent")).getDomProperty("value")).isEqualTo("50");
    browser.click(By.id("save-plan"));
    browser.textContains(By.id("plan-stages-1-targetPercent-error"), "more than", Browser.WAIT);
    browser.click(By.id("reset-plan"));
    browser.click(By.id("stage-1-remove"));
    assertThat(browser.driver.findElements(By.cssSelector("#stage-rows > li"))).hasSize(3);
    browser.click(By.id("reset-plan"));

    String viewerKey = api.newKey(f.key(), "viewer");
    browser.signIn(viewerKey);
    assertThat(text(By.id("who-role"))).isEqualTo("viewer");
    assertThat(browser.present(By.linkText("API keys"))).isFalse();
    assertThat(browser.present(By.linkText("Audit log"))).isFalse();
    browser.open("/connections");
    browser.visible(By.id("connections"));
    assertThat(browser.present(By.id("add-connection"))).isFalse();
    browser.open("/connections/" + f.connectionId());
    assertThat(text(By.id("plan-link"))).isEqualTo("View the release plan");
    assertThat(browser.present(By.id("start-link"))).isFalse();
    assertThat(browser.present(By.id("rename-form"))).isFalse();
    assertThat(browser.present(By.id("webhooks"))).isFalse();
    assertThat(browser.present(By.id("delete-connection"))).isFalse();
    browser.click(By.id("plan-link"));
    assertThat(text(By.id("plan-stages"))).contains("50%", "75%", "half, but not really");
    assertThat(browser.present(By.id("plan-form"))).isFalse();
    assertThat(browser.present(By.id("save-plan"))).isFalse();
    assertThat(browser.driver.findElements(By.cssSelector("main input, main select"))).isEmpty();
    browser.open("/connections/" + f.connectionId() + "/start");
    browser.visible(By.cssSelector(".notice.info"));
    assertThat(browser.present(By.id("start-release"))).isFalse();
  }

  @Test
  @DisplayName(
    "sign out ends the session; a session whose key is revoked comes back to sign-in with the service's reason; a "
    + "wrong key is refused at the field")
  void signOut() {
    Fixture f = Fixture.create(api, sim, 5);
    browser.signIn(f.key());
    assertThat(browser.driver.manage().getCookieNamed("hmd_session")).isNotNull();
    // keyboard: the first Tab reaches the skip link, which moves focus to the content and keeps the route
    browser.open("/connections");
    browser.driver.navigate().refresh();
    browser.visible(By.id("connections"));
    new Actions(browser.driver).sendKeys(Keys.TAB).perform();
    assertThat(browser.driver.switchTo().activeElement().getText()).isEqualTo("Skip to content");
    new Actions(browser.driver).sendKeys(Keys.ENTER).perform();
    assertThat(browser.driver.switchTo().activeElement().getDomAttribute("id")).isEqualTo("main");
    assertThat(browser.driver.getCurrentUrl()).endsWith("#/connections");
    assertThat(browser.present(By.id("connections"))).isTrue();
    browser.click(By.id("sign-out"));
    browser.visible(By.id("api-key"));
    assertThat(browser.present(By.id("who-role"))).isFalse();
    assertThat(browser.present(By.id("signed-out-reason"))).as("signing out oneself needs no reason").isFalse();
    assertThat(browser.driver.manage().getCookieNamed("hmd_session")).isNull();
    browser.open("/connections");
    browser.driver.navigate().refresh();
    browser.visible(By.id("api-key"));
    assertThat(browser.present(By.id("connections"))).isFalse();

    // the keyboard alone: Enter in the key field submits the form
    browser.type(By.id("api-key"), "hmd_not_a_real_key_0000000000000000" + Keys.ENTER);
    assertThat(browser.driver.switchTo().activeElement().getDomAttribute("id")).isEqualTo("api-key");
    browser.textContains(By.id("api-key-error"), "not valid", Browser.WAIT);

    // bug 8: another admin revokes the key of this session; the next request says why it ended
    JsonObject second = f.api().post("/v1/api-keys", new JsonObject().put("name", "laptop").put("role", "admin"))
      .bodyAsJsonObject();
    browser.signIn(second.getString("key"));
    browser.open("/connections");
    browser.visible(By.id("connections"));
    assertThat(f.api().delete("/v1/api-keys/" + second.getString("id")).statusCode()).isEqualTo(204);
    browser.click(By.linkText("Releases"));
    browser.visible(By.id("api-key"));
    assertThat(browser.textContains(By.id("signed-out-reason"), "revoked", Browser.WAIT))
      .contains("You were signed out: The key behind this session was revoked; sign in again.");
    // after a reload too: the cookie is still there, and the service still says why
    browser.driver.navigate().refresh();
    browser.textContains(By.id("signed-out-reason"), "revoked", Browser.WAIT);
  }

  @Test
  @DisplayName(
    "the connection page shows its running release with the release page's colours, aligned cards and webhooks; "
    + "cancel asks first; errors in words")
  void connectionPage() {
    Fixture f = Fixture.create(api, sim, 50);
    String older = f.version(sim, Fixture.healthy());
    String newer = f.version(sim, Fixture.healthy());
    // the newest version serves; the release rolls an older one out (as a revert would)
    var deployed = sim.cloudflare(HttpMethod.POST,
      "/accounts/" + f.account().accountId() + "/workers/scripts/" + f.script()
        + "/deployments", f.account().token(), new JsonObject().put("strategy", "percentage")
      .put("versions", new JsonArray().add(new JsonObject().put("percentage", 100).put("version_id", newer))));
    assertThat(deployed.statusCode()).isEqualTo(200);
    f.plan(Fixture.quickPlan(120, 5, 20, 100));
    String id = await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> f.start(older).getString("id"),
      Objects::nonNull);
    await().atMost(Duration.ofSeconds(15))
      .until(() -> f.release(id).getJsonArray("currentSplit").encode().contains("\"percentage\":20"));

    browser.signIn(f.key());
    // adding a connection: the server's errors land at their fields, in words
    browser.type(By.cssSelector("#add-connection input[name='accountId']"), "not-an-account");
    browser.type(By.cssSelector("#add-connection input[name='workerName']"), "some-worker");
    browser.click(By.cssSelector("#add-connection button[type='submit']"));
    browser.textContains(By.cssSelector("#add-connection .field-error:not([hidden])"), "32 hex", Browser.WAIT);
    assertThat(browser.textContains(By.id("add-connection"), "API token is required.", Browser.WAIT))
      .contains("Cloudflare account id must be a Cloudflare account id");
    assertThat(browser.visible(By.cssSelector("#add-connection input[name='accountId']"))
      .getDomAttribute("aria-invalid"))
      .isEqualTo("true");
    // a well-formed token Cloudflare refuses: explained, not Cloudflare's code
    browser.type(By.cssSelector("#add-connection input[name='accountId']"), f.account().accountId());
    browser.type(By.cssSelector("#add-connection input[name='workerName']"), f.script());
    browser.type(By.cssSelector("#add-connection input[name='apiToken']"), "a-token-of-some-length");
    browser.click(By.cssSelector("#add-connection button[type='submit']"));
    await().atMost(Browser.WAIT).until(() -> "true".equals(
      browser.visible(By.cssSelector("#add-connection input[name='apiToken']")).getDomAttribute("aria-invalid")));
    assertThat(browser.visible(By.cssSelector("#add-connection input[name='accountId']"))
      .getDomAttribute("aria-invalid"))
      .isNull();
    assertThat(text(By.id("add-connection")))
      .contains("Cloudflare refused the token: check that it can read and edit Workers scripts.");
    assertPlainWords(text(By.id("add-connection")));

    browser.open("/connections/" + f.connectionId());
    // the running release, linked
    browser.textContains(By.id("connection-release"), "release of v2 (replacing v3) is running", Browser.WAIT);
    assertThat(browser.visible(By.id("connection-release-link")).getDomAttribute("href")).isEqualTo("#/releases/" + id);
    // bug 6: the release's new version is blue (new) and its old one grey, as on the release page
    assertThat(browser.visible(By.cssSelector("#serving .split-part[data-version-id='" + older + "']"))
      .getDomAttribute("class")).contains("new");
    assertThat(browser.visible(By.cssSelector("#serving .split-part[data-version-id='" + newer + "']"))
      .getDomAttribute("class")).contains("old");
    assertThat(text(By.id("versions")))
      .contains("serving 20% · new version of the release", "serving 80% · old version");
    assertThat(browser.driver.findElements(By.cssSelector("#versions tbody tr"))).hasSize(3);
    // bug 10: the Manage cards line up
    List<WebElement> cards = browser.driver.findElements(
      By.cssSelector("#rename-form, #rotate-form, #delete-connection"))
      .stream().map(e -> e.getTagName().equals("button") ? e.findElement(By.xpath("..")) : e).toList();
    double top = cards.get(0).getRect().getY();
    assertThat(cards).allSatisfy(card -> assertThat((double) card.getRect().getY()).isCloseTo(top,
      org.assertj.core.data.Offset.offset(1.0)));

    browser.type(By.cssSelector("#rename-form input"), "Storefront");
    browser.click(By.cssSelector("#rename-form button[type='submit']"));
    browser.textContains(By.tagName("h1"), "Storefront", Browser.WAIT);
    browser.type(By.cssSelector("#rotate-form input"), "cf-token-that-cloudflare-refuses");
    browser.click(By.cssSelector("#rotate-form button[type='submit']"));
    browser.textContains(By.cssSelector("#rotate-form .field-error:not([hidden])"), "Cloudflare refused the token",
      Browser.WAIT);
    browser.type(By.cssSelector("#rotate-form input"), f.account().token());
    browser.click(By.cssSelector("#rotate-form button[type='submit']"));
    browser.textContains(By.cssSelector("#rotate-form .notice.ok"), "Token replaced", Browser.WAIT);
    browser.click(By.id("delete-connection"));
    browser.click(By.id("delete-dialog-confirm"));
    browser.textContains(By.cssSelector(".notice.error"), "is active on this connection", Browser.WAIT);

    // webhooks: add one (its secret shown once), test it, read the delivery
    String hookUrl = "http://127.0.0.1:" + receiver.actualPort() + "/hmd/" + f.script();
    browser.type(By.id("webhook-url"), "not a url");
    browser.click(By.cssSelector("#create-webhook button[type='submit']"));
    browser.textContains(By.cssSelector("#create-webhook .field-error:not([hidden])"), "URL ", Browser.WAIT);
    browser.type(By.id("webhook-url"), hookUrl);
    browser.click(By.id("webhook-event-release-started"));
    browser.click(By.cssSelector("#create-webhook button[type='submit']"));
    assertThat(browser.visible(By.id("webhook-secret")).getDomProperty("value")).startsWith("whsec_");
    WebElement hook = browser.visible(By.cssSelector("#webhooks-list li.webhook"));
    assertThat(hook.getText()).contains(hookUrl).doesNotContain("a release starts");
    hook.findElement(By.cssSelector("button.test-webhook")).click();
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
      WebElement card = browser.driver.findElement(By.cssSelector("#webhooks-list li.webhook"));
      if (!card.getText().contains("Delivered")) {
        card.findElement(By.cssSelector("button.show-deliveries")).click();
      }
      return card.findElement(By.cssSelector("tr[data-status='delivered']")).getText().contains("test");
    });
    browser.screenshot(extraScreenshot("dashboard-connection.png"));

    browser.click(By.id("start-link"));
    browser.textContains(By.cssSelector(".notice.info"), "in progress", Browser.WAIT);
    assertThat(browser.visible(By.id("start-release")).isEnabled()).isFalse();
    // during a release, its two versions are told apart (not "current" twice)
    assertThat(text(By.cssSelector("label[for='version-" + older + "']")))
      .contains("new version of the release in progress");
    assertThat(text(By.cssSelector("label[for='version-" + newer + "']")))
      .contains("old version of the release in progress");

    browser.open("/connections");
    browser.textContains(By.id("active-releases"), "Storefront: v3 → v2", Browser.WAIT);
    browser.click(By.cssSelector("#active-releases a"));
    // cancelling asks first, in the page
    browser.type(By.id("decision-note"), "wrong version");
    browser.click(By.id("cancel-release"));
    assertThat(browser.visible(By.id("cancel-dialog")).getText()).contains("Cancel the release and roll back?");
    browser.click(By.id("cancel-dialog-cancel"));
    await().atMost(Browser.WAIT).until(() -> !browser.present(By.id("cancel-dialog")));
    assertThat(f.release(id).getString("state")).isEqualTo("running");
    browser.click(By.id("cancel-release"));
    browser.click(By.id("cancel-dialog-confirm"));
    String outcome = browser.textContains(By.id("release-outcome"), "Cancelled by a person", Browser.WAIT);
    assertThat(outcome).contains("Cancelled at stage 1 (20%)", "Decided by admin: “wrong version”");
    assertPlainWords(outcome);
    assertThat(text(By.cssSelector("#stage-0 .stage-state"))).isEqualTo("Cancelled");
    // the home page follows the tenant's event stream: the cancelled release is not in progress any more
    browser.open("/connections");
    browser.visible(By.id("connections"));
    await().atMost(Browser.WAIT).until(() -> !browser.present(By.id("active-releases")));
  }

  @Test
  @DisplayName(
    "history refuses a reversed date range, shows v-numbers and pages with the cursor, stacks on a phone; keys; the "
    + "audit log filters and pages")
  void historyKeysAndAudit() {
    Fixture f = Fixture.create(api, sim, 5);
    String next = f.version(sim, Fixture.healthy());
    f.plan(Fixture.quickPlan(60, 5, 50, 100));
    for (int i = 0; i < 3; i++) {
      // the Worker is back at 100% old only once the previous cancel's rollback is applied
      String id = await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> f.start(next).getString("id"),
        Objects::nonNull);
      // cancel once the first split is applied: a cancel racing the first deployment can leave the Worker split
      // (reported to the engine's owner)
      await().atMost(Duration.ofSeconds(15))
        .until(() -> f.release(id).getJsonArray("currentSplit").encode().contains("\"percentage\":50"));
      f.api().post("/v1/releases/" + id + "/cancel", new JsonObject().put("note", "test " + i));
    }

    browser.signIn(f.key());
    browser.open("/releases?limit=2");
    await().atMost(Browser.WAIT)
      .until(() -> browser.driver.findElements(By.cssSelector("#releases tbody tr")).size() == 2);
    browser.click(By.id("load-more"));
    await().atMost(Browser.WAIT)
      .until(() -> browser.driver.findElements(By.cssSelector("#releases tbody tr")).size() == 3);
    assertThat(browser.present(By.id("load-more"))).isFalse();
    WebElement first = browser.visible(By.cssSelector("#releases tbody tr"));
    assertThat(first.getText()).contains("v1 → v2", "cancelled by a person (by admin)");
    new Select(browser.visible(By.id("filter-state"))).selectByValue("rolled_back");
    browser.click(By.cssSelector("#history-filters button[type='submit']"));
    browser.visible(By.id("no-releases"));
    assertThat(browser.driver.getCurrentUrl()).contains("state=rolled_back");
    new Select(browser.visible(By.id("filter-state"))).selectByValue("cancelled");
    browser.click(By.cssSelector("#history-filters button[type='submit']"));
    await().atMost(Browser.WAIT)
      .until(() -> browser.driver.findElements(By.cssSelector("#releases tbody tr")).size() == 3);

    // bug 9: a range that ends before it begins is refused at the field, not searched
    String url = browser.driver.getCurrentUrl();
    setDate(By.id("filter-from"), LocalDate.now().plusDays(2));
    setDate(By.id("filter-to"), LocalDate.now().minusDays(2));
    browser.click(By.cssSelector("#history-filters button[type='submit']"));
    assertThat(browser.textContains(By.id("filter-to-error"), "before the start date", Browser.WAIT)).isNotBlank();
    assertThat(browser.visible(By.id("filter-to")).getDomAttribute("aria-invalid")).isEqualTo("true");
    assertThat(browser.driver.getCurrentUrl()).isEqualTo(url);
    assertThat(browser.present(By.id("no-releases"))).isFalse();
    browser.open("/releases?from=2030-01-02&to=2030-01-01");
    browser.textContains(By.id("filter-to-error"), "before the start date", Browser.WAIT);
    assertThat(browser.present(By.id("no-releases"))).isFalse();

    // a phone: one card per release, the state badge whole, nothing sideways
    browser.open("/releases");
    browser.visible(By.cssSelector("#releases tbody tr"));
    browser.width(360, 800);
    try {
      await().atMost(Browser.WAIT).until(browser::fitsWidth);
      List<WebElement> badges = browser.driver.findElements(By.cssSelector("#releases tbody .badge"));
      assertThat(badges).hasSize(3).allSatisfy(b -> assertThat(browser.inViewWidth(b)).isTrue());
      browser.screenshot(screenshot("dashboard-phone-history.png"));
    } finally {
      browser.desktop();
    }

    browser.click(By.linkText("API keys"));
    browser.type(By.id("key-name"), "ci-deployer");
    new Select(browser.visible(By.id("key-role"))).selectByValue("operator");
    browser.click(By.cssSelector("#create-key button[type='submit']"));
    String key = browser.visible(By.id("new-key-value")).getDomProperty("value");
    assertThat(key).isNotBlank();
    assertThat(api.as(key).get("/v1/session").bodyAsJsonObject().getJsonObject("key").getString("role"))
      .isEqualTo("operator");
    browser.click(By.id("copy-key"));
    browser.textContains(By.id("created-key"), "Copied", Browser.WAIT);
    browser.click(By.cssSelector("button[aria-label='Revoke key ci-deployer']"));
    browser.click(By.cssSelector("button[aria-label='Yes, revoke key ci-deployer']"));
    await().atMost(Browser.WAIT).until(() -> !browser.visible(By.id("keys")).getText().contains("ci-deployer"));
    assertThat(api.as(key).get("/v1/session").statusCode()).isEqualTo(401);

    // the audit log: who did what, in words, filtered and paged
    browser.click(By.linkText("Audit log"));
    browser.textContains(By.id("audit"), "revoked an API key", Browser.WAIT);
    assertThat(text(By.id("audit"))).contains("created an API key", "cancelled a release", "started a release",
      "saved a release plan", "added a connection");
    new Select(browser.visible(By.id("audit-action"))).selectByValue("release.cancel");
    browser.click(By.cssSelector("#audit-filters button[type='submit']"));
    await().atMost(Browser.WAIT)
      .until(() -> browser.driver.findElements(By.cssSelector("#audit tbody tr")).size() == 3);
    assertThat(browser.driver.getCurrentUrl()).contains("action=release.cancel");
    assertThat(browser.driver.findElements(By.cssSelector("#audit tbody tr"))).allSatisfy(row ->
      assertThat(row.getDomAttribute("data-action")).isEqualTo("release.cancel"));
    browser.click(By.cssSelector("#audit tbody tr a"));
    browser.visible(By.id("release-outcome"));
    browser.open("/audit?actor=nobody");
    browser.visible(By.id("no-audit"));
    browser.open("/audit?from=" + LocalDate.now().plusDays(1));
    browser.visible(By.id("no-audit"));
    browser.open("/audit?limit=2");
    await().atMost(Browser.WAIT)
      .until(() -> browser.driver.findElements(By.cssSelector("#audit tbody tr")).size() == 2);
    browser.click(By.id("audit-more"));
    await().atMost(Browser.WAIT).until(() -> browser.driver.findElements(By.cssSelector("#audit tbody tr")).size() > 2);
  }

  /** Types a date into a date input the way the browser's locale wants it (en-US: month, day, year). */
  void setDate(By by, LocalDate date) {
    WebElement input = browser.visible(by);
    browser.script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}))",
      input, date.toString());
  }
}
