package dev.hmd.web;

import dev.hmd.app.Service;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestService;
import dev.hmd.testing.TestSimulator;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard in a real headless Chromium against a real service and Cloudflare simulator:
 * what a person does with it, click by click. Each test has its own tenant.
 *
 * <p>Screenshots go to {@code target/screenshots/}; with {@code -Dhmd.screenshots=docs} the two
 * the docs show ({@code dashboard-release.png}, {@code dashboard-plan.png}) replace the committed ones.
 */
class DashboardBrowserTest {

  static final Duration RELEASE_END = Duration.ofSeconds(90);

  static TestSimulator sim;
  static Service service;
  static Api api;
  static Browser browser;

  @BeforeAll
  static void start() {
    if (Browser.missing() != null) {
      return;
    }
    sim = TestSimulator.start();
    service = TestService.onSimulator(sim);
    api = Api.of(service);
    browser = Browser.start("http://localhost:" + service.httpPort());
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (service != null) {
      service.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  @BeforeEach
  void forgetSession() {
    Browser.assumeInstalled();
    browser.reset();
  }

  @AfterEach
  void printConsole(TestInfo test) {
    if (browser != null) {
      System.out.println("browser console during " + test.getDisplayName() + ":");
      browser.consoleLog().forEach(line -> System.out.println("  " + line));
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

  @Test
  @DisplayName("an admin starts the faulty version from the page and watches it roll back live, with the reason")
  void faultyRollsBackLive() {
    Fixture f = Fixture.create(api, sim, 200);
    String bad = f.version(sim, Fixture.faulty());
    // three failed checks before the rollback: a few points on the charts
    f.plan(Fixture.quickPlan(30, 2, 10, 50, 100).put("failureThreshold", 3));

    browser.signIn(f.key());
    assertThat(browser.visible(By.id("who-role")).getText()).isEqualTo("admin");
    browser.click(By.linkText(f.script()));
    browser.visible(By.id("versions"));
    assertThat(browser.visible(By.cssSelector("#versions tr.current")).getText()).contains("current · 100%");
    browser.click(By.id("start-link"));

    WebElement serving = browser.visible(By.id("version-" + f.servingVersion()));
    assertThat(serving.isEnabled()).as("the serving version cannot be picked").isFalse();
    browser.click(By.id("version-" + bad));
    browser.click(By.id("start-release"));

    await().atMost(Browser.WAIT).until(() -> browser.driver.getCurrentUrl().contains("#/releases/"));
    markPage();
    browser.textContains(By.id("stream-status"), "Live", Browser.WAIT);
    // the outcome, then (from the failed check) which SLO broke and by how much
    String outcome = browser.textContains(By.id("release-outcome"), "Rolled back: slo_violation — ", RELEASE_END);
    assertThat(outcome).containsAnyOf("error_rate", "latency_p99").contains(" > ");
    assertThat(browser.visible(By.id("release-status")).getText()).startsWith("Rolled back: slo_violation");
    assertThat(browser.visible(By.id("release-status")).getDomAttribute("aria-live")).isEqualTo("polite");
    browser.visible(By.cssSelector("#checks-table tr[data-verdict='fail']"));
    assertThat(browser.driver.findElements(By.cssSelector("#charts svg.chart"))).hasSize(2);
    assertThat(browser.present(By.cssSelector("#charts .fail-mark"))).isTrue();
    assertThat(browser.visible(By.cssSelector("#stage-0")).getDomAttribute("data-state")).isEqualTo("failed");
    assertThat(browser.present(By.id("cancel-release"))).as("no actions once it has ended").isFalse();
    // the rollback reaches Cloudflare, and the split bar follows
    browser.visible(By.cssSelector("#split .split-part.old[data-percentage='100']"), Duration.ofSeconds(20));
    assertSamePage();
    browser.screenshot(screenshot("dashboard-release.png"));

    // on a phone-sized screen nothing spills sideways (wide tables scroll inside their own box)
    browser.driver.manage().window().setSize(new Dimension(390, 844));
    try {
      await().atMost(Browser.WAIT).until(() -> (Boolean) browser.script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"));
      browser.screenshot(extraScreenshot("dashboard-release-narrow.png"));
    } finally {
      browser.driver.manage().window().setSize(new Dimension(1280, 1000));
    }

    // the same release from the history: not live, same outcome
    browser.click(By.linkText("Releases"));
    browser.click(By.cssSelector("#releases tr[data-state='rolled_back'] a"));
    browser.textContains(By.id("stream-status"), "Not live", Browser.WAIT);
    browser.textContains(By.id("release-outcome"), "Rolled back: slo_violation", Browser.WAIT);
    browser.visible(By.cssSelector("#checks-table tr[data-verdict='fail']"));
  }

  @Test
  @DisplayName("a manual stage waits for approval; approving it from the page lets the release succeed")
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
    assertThat(browser.visible(By.id("release-status")).getText()).startsWith("Awaiting approval at stage 1 of 2");
    assertThat(browser.present(By.id("deny-release"))).isTrue();
    assertThat(browser.visible(By.id("stage-0")).getText()).contains("manual approval", "canary, then ask");
    browser.type(By.id("decision-note"), "looks fine");
    browser.click(By.id("approve-release"));

    browser.textContains(By.id("release-outcome"), "Succeeded: completed", RELEASE_END);
    assertThat(browser.present(By.id("approve-release"))).isFalse();
    assertThat(browser.visible(By.id("stage-0")).getDomAttribute("data-state")).isEqualTo("passed");
    assertThat(browser.visible(By.id("stage-1")).getDomAttribute("data-state")).isEqualTo("passed");
    browser.visible(By.cssSelector("#split .split-part.new[data-percentage='100']"), Duration.ofSeconds(20));
    assertSamePage();
    assertThat(f.release(id).getString("state")).isEqualTo("succeeded");
    browser.screenshot(extraScreenshot("dashboard-release-succeeded.png"));
  }

  @Test
  @DisplayName("the plan editor shows the server's refusal at the field, then saves; a viewer gets no edit or start controls")
  void planEditorAndViewer() {
    Fixture f = Fixture.create(api, sim, 20);
    browser.signIn(f.key());
    browser.open("/connections/" + f.connectionId() + "/plan");
    assertThat(browser.visible(By.id("plan-revision")).getText()).contains("not saved yet");

    browser.type(By.id("plan-stages-1-targetPercent"), "5");
    browser.type(By.id("plan-stages-1-description"), "half, but not really");
    browser.click(By.id("save-plan"));
    String error = browser.textContains(By.id("plan-stages-1-targetPercent-error"), "greater than", Browser.WAIT);
    assertThat(error).contains("previous stage's targetPercent (10)");
    assertThat(browser.visible(By.id("plan-stages-1-targetPercent")).getDomAttribute("aria-invalid")).isEqualTo("true");
    assertThat(browser.visible(By.id("plan-errors")).getText()).contains("Stage 2, traffic %");
    browser.screenshot(screenshot("dashboard-plan.png"));

    browser.type(By.id("plan-stages-1-targetPercent"), "50");
    browser.click(By.id("add-slo"));
    browser.type(By.id("plan-slos-2-threshold"), "1.5");
    new Select(browser.visible(By.id("plan-slos-2-mode"))).selectByValue("relative");
    browser.type(By.id("plan-approvalTimeoutSeconds"), "600");
    browser.click(By.id("save-plan"));
    browser.textContains(By.id("plan-revision"), "Revision 1", Browser.WAIT);
    assertThat(browser.present(By.cssSelector("#plan-form [aria-invalid='true']"))).isFalse();
    JsonObject saved = f.api().get("/v1/connections/" + f.connectionId() + "/plan").bodyAsJsonObject();
    assertThat(saved.getJsonArray("stages").getJsonObject(1).getInteger("targetPercent")).isEqualTo(50);
    assertThat(saved.getJsonArray("stages").getJsonObject(1).getString("description")).isEqualTo("half, but not really");
    assertThat(saved.getJsonArray("slos").getJsonObject(2).getString("mode")).isEqualTo("relative");
    assertThat(saved.getInteger("approvalTimeoutSeconds")).isEqualTo(600);

    // reorder and remove, then the server refuses the descending percentages at the right row
    browser.click(By.id("stage-0-down"));
    assertThat(browser.visible(By.id("plan-stages-0-targetPercent")).getDomProperty("value")).isEqualTo("50");
    browser.click(By.id("save-plan"));
    browser.textContains(By.id("plan-stages-1-targetPercent-error"), "greater than", Browser.WAIT);
    browser.click(By.id("reset-plan"));
    browser.click(By.id("stage-1-remove"));
    assertThat(browser.driver.findElements(By.cssSelector("#stage-rows > li"))).hasSize(2);

    String viewerKey = api.newKey(f.key(), "viewer");
    browser.signIn(viewerKey);
    assertThat(browser.visible(By.id("who-role")).getText()).isEqualTo("viewer");
    assertThat(browser.present(By.linkText("API keys"))).isFalse();
    browser.open("/connections");
    browser.visible(By.id("connections"));
    assertThat(browser.present(By.id("add-connection"))).isFalse();
    browser.open("/connections/" + f.connectionId());
    assertThat(browser.visible(By.id("plan-link")).getText()).isEqualTo("View the release plan");
    assertThat(browser.present(By.id("start-link"))).isFalse();
    assertThat(browser.present(By.id("rename-form"))).isFalse();
    assertThat(browser.present(By.id("delete-connection"))).isFalse();
    browser.click(By.id("plan-link"));
    assertThat(browser.visible(By.id("plan-stages")).getText()).contains("50%", "half, but not really");
    assertThat(browser.present(By.id("plan-form"))).isFalse();
    assertThat(browser.present(By.id("save-plan"))).isFalse();
    assertThat(browser.driver.findElements(By.cssSelector("main input, main select"))).isEmpty();
    browser.open("/connections/" + f.connectionId() + "/start");
    browser.visible(By.cssSelector(".notice.info"));
    assertThat(browser.present(By.id("start-release"))).isFalse();
  }

  @Test
  @DisplayName("sign out ends the session: the sign-in form comes back, also after a reload; a wrong key is refused at the field")
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
    assertThat(browser.driver.manage().getCookieNamed("hmd_session")).isNull();
    browser.open("/connections");
    browser.driver.navigate().refresh();
    browser.visible(By.id("api-key"));
    assertThat(browser.present(By.id("connections"))).isFalse();

    // the keyboard alone: Enter in the key field submits the form
    browser.type(By.id("api-key"), "hmd_not_a_real_key_0000000000000000" + Keys.ENTER);
    assertThat(browser.driver.switchTo().activeElement().getDomAttribute("id")).isEqualTo("api-key");
    browser.textContains(By.id("api-key-error"), "not valid", Browser.WAIT);
  }

  @Test
  @DisplayName("an admin renames a connection, is told why it cannot be deleted mid-release, and sees the split explained")
  void connectionPage() {
    Fixture f = Fixture.create(api, sim, 50);
    String next = f.version(sim, Fixture.healthy());
    f.plan(Fixture.quickPlan(120, 5, 20, 100));
    String id = f.start(next).getString("id");
    await().atMost(Duration.ofSeconds(15)).until(() -> f.release(id).getJsonArray("currentSplit").encode().contains("\"percentage\":20"));

    browser.signIn(f.key());
    // adding a connection: the server's errors land at their fields
    browser.type(By.cssSelector("#add-connection input[name='accountId']"), "not-an-account");
    browser.type(By.cssSelector("#add-connection input[name='workerName']"), "some-worker");
    browser.type(By.cssSelector("#add-connection input[name='apiToken']"), "a-token-of-some-length");
    browser.click(By.cssSelector("#add-connection button[type='submit']"));
    browser.textContains(By.cssSelector("#add-connection .field-error:not([hidden])"), "32 hex", Browser.WAIT);
    assertThat(browser.visible(By.cssSelector("#add-connection input[name='accountId']")).getDomAttribute("aria-invalid"))
      .isEqualTo("true");
    // a well-formed token Cloudflare refuses
    browser.type(By.cssSelector("#add-connection input[name='accountId']"), f.account().accountId());
    browser.type(By.cssSelector("#add-connection input[name='workerName']"), f.script());
    browser.click(By.cssSelector("#add-connection button[type='submit']"));
    await().atMost(Browser.WAIT).until(() -> "true".equals(
      browser.visible(By.cssSelector("#add-connection input[name='apiToken']")).getDomAttribute("aria-invalid")));
    assertThat(browser.visible(By.cssSelector("#add-connection input[name='accountId']")).getDomAttribute("aria-invalid"))
      .isNull();
    assertThat(browser.visible(By.cssSelector("#add-connection input[name='apiToken']")).getDomAttribute("aria-invalid"))
      .isEqualTo("true");

    browser.open("/connections/" + f.connectionId());
    assertThat(browser.visible(By.id("versions")).getText()).contains("healthy");
    assertThat(browser.driver.findElements(By.cssSelector("#versions tbody tr"))).hasSize(2);
    assertThat(browser.driver.findElements(By.cssSelector("#versions tr.current"))).hasSize(2);
    browser.type(By.cssSelector("#rename-form input"), "Storefront");
    browser.click(By.cssSelector("#rename-form button[type='submit']"));
    browser.textContains(By.tagName("h1"), "Storefront", Browser.WAIT);
    browser.type(By.cssSelector("#rotate-form input"), "cf-token-that-cloudflare-refuses");
    browser.click(By.cssSelector("#rotate-form button[type='submit']"));
    browser.visible(By.cssSelector("#rotate-form .field-error:not([hidden])"));
    browser.type(By.cssSelector("#rotate-form input"), f.account().token());
    browser.click(By.cssSelector("#rotate-form button[type='submit']"));
    browser.textContains(By.cssSelector("#rotate-form .notice.ok"), "Token replaced", Browser.WAIT);
    browser.click(By.id("delete-connection"));
    browser.click(By.id("confirm-delete"));
    browser.textContains(By.cssSelector(".notice.error"), "is active on this connection", Browser.WAIT);

    browser.click(By.id("start-link"));
    browser.textContains(By.cssSelector(".notice.info"), "in progress", Browser.WAIT);
    assertThat(browser.visible(By.id("start-release")).isEnabled()).isFalse();

    browser.open("/connections");
    browser.textContains(By.id("active-releases"), "Storefront", Browser.WAIT);
    f.api().post("/v1/releases/" + id + "/cancel", null);
    // the home page follows the tenant's event stream: the cancelled release leaves the list
    await().atMost(Browser.WAIT).until(() -> !browser.present(By.id("active-releases")));
  }

  @Test
  @DisplayName("history filters by state and pages with the cursor; an admin creates a key (shown once) and revokes it")
  void historyAndKeys() {
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
    await().atMost(Browser.WAIT).until(() -> browser.driver.findElements(By.cssSelector("#releases tbody tr")).size() == 2);
    browser.click(By.id("load-more"));
    await().atMost(Browser.WAIT).until(() -> browser.driver.findElements(By.cssSelector("#releases tbody tr")).size() == 3);
    assertThat(browser.present(By.id("load-more"))).isFalse();
    new Select(browser.visible(By.id("filter-state"))).selectByValue("rolled_back");
    browser.click(By.cssSelector("#history-filters button[type='submit']"));
    browser.visible(By.id("no-releases"));
    assertThat(browser.driver.getCurrentUrl()).contains("state=rolled_back");
    new Select(browser.visible(By.id("filter-state"))).selectByValue("cancelled");
    browser.click(By.cssSelector("#history-filters button[type='submit']"));
    await().atMost(Browser.WAIT).until(() -> browser.driver.findElements(By.cssSelector("#releases tbody tr")).size() == 3);

    browser.click(By.linkText("API keys"));
    browser.type(By.id("key-name"), "ci-deployer");
    new Select(browser.visible(By.id("key-role"))).selectByValue("operator");
    browser.click(By.cssSelector("#create-key button[type='submit']"));
    String key = browser.visible(By.id("new-key-value")).getDomProperty("value");
    assertThat(key).isNotBlank();
    assertThat(api.as(key).get("/v1/session").bodyAsJsonObject().getJsonObject("key").getString("role")).isEqualTo("operator");
    browser.click(By.id("copy-key"));
    browser.textContains(By.id("created-key"), "Copied", Browser.WAIT);
    browser.click(By.cssSelector("button[aria-label='Revoke key ci-deployer']"));
    browser.click(By.cssSelector("button[aria-label='Yes, revoke key ci-deployer']"));
    await().atMost(Browser.WAIT).until(() -> !browser.visible(By.id("keys")).getText().contains("ci-deployer"));
    assertThat(api.as(key).get("/v1/session").statusCode()).isEqualTo(401);
  }
}
