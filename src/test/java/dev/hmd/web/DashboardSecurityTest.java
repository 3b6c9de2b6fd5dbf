package dev.hmd.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.http.SecurityHeaders;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The dashboard under its own security headers, in a real Chromium: every page renders with the
 * strict Content-Security-Policy in force and the console reports no violation, and a change made
 * with the session cookie (under {@code Referrer-Policy: no-referrer}) still passes the same-site check.
 */
@WithService
class DashboardSecurityTest {

  static TestSimulator sim;
  static Service service;
  static Api api;
  static Browser browser;

  @BeforeAll
  static void start() {
    if (Browser.missing() != null) {
      return;
    }
    browser = Browser.start("http://localhost:" + service.httpPort());
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
  }

  /** Console lines about the policy: Chromium reports each blocked script, style, fetch or frame as one. */
  static List<String> violations(List<String> console) {
    return console.stream().filter(line -> line.contains("Content Security Policy") || line.contains("Refused to"))
      .toList();
  }

  @Test
  @DisplayName(
    "every page renders under the strict CSP with no console violation, and a cookie-authenticated approval works")
  void pagesUnderTheCsp() {
    Browser.assumeInstalled();
    Fixture f = Fixture.create(api, sim, 200);
    JsonObject plan = Fixture.quickPlan(6, 2, 10, 100);
    plan.getJsonArray("stages").getJsonObject(0).put("autoProgress", false);
    f.plan(plan);
    String id = f.start(f.version(sim, Fixture.healthy())).getString("id");
    List<String> console = new ArrayList<>();

    browser.signIn(f.key());
    Object csp = browser.driver.executeAsyncScript(
      "const done = arguments[arguments.length - 1];"
        + "fetch('/').then(r => done(r.headers.get('content-security-policy')), e => done(String(e)));");
    assertThat(csp).isEqualTo(SecurityHeaders.contentSecurityPolicy());
    for (String route : List.of("/connections", "/connections/" + f.connectionId(),
      "/connections/" + f.connectionId() + "/plan", "/connections/" + f.connectionId() + "/start", "/releases",
      "/keys")) {
      browser.open(route);
      browser.visible(By.cssSelector("main h1"));
      console.addAll(browser.consoleLog());
    }
    // the release page draws the split bar, the stage progress and the charts: the styled parts
    browser.open("/releases/" + id);
    browser.visible(By.cssSelector("#split .split-part"), Duration.ofSeconds(30));
    browser.click(By.id("approve-release"));
    await().atMost(Duration.ofSeconds(60)).until(() -> f.release(id).getString("state").equals("succeeded"));
    browser.textContains(By.id("release-status"), "Succeeded", Duration.ofSeconds(30));
    assertThat(browser.driver.findElements(By.cssSelector("#charts svg.chart"))).isNotEmpty();
    String width = (String) browser.script(
      "return document.querySelector('#split .split-part').style.width");
    assertThat(width).as("the split bar's width is applied").endsWith("%");
    console.addAll(browser.consoleLog());

    System.out.println("browser console:");
    console.forEach(line -> System.out.println("  " + line));
    assertThat(violations(console)).isEmpty();
    assertThat(api.as(f.key()).get("/v1/audit").bodyAsJsonObject().getJsonArray("items").stream()
      .map(item -> ((JsonObject) item).getString("action"))).contains("release.approve");
  }

  @Test
  @DisplayName(
    "the dashboard cannot be framed: a page of another origin framing it gets the browser's frame-ancestors refusal")
  void notFramed() {
    Browser.assumeInstalled();
    HttpServer other = service.vertx().createHttpServer()
      .requestHandler(request -> request.response().putHeader("Content-Type", "text/html")
        .end("<!doctype html><title>other site</title><iframe src='http://localhost:" + service.httpPort() + "/'></iframe>"))
      .listen(0).await();
    List<String> seen = new ArrayList<>();
    try {
      browser.consoleLog();
      // 127.0.0.1 is another origin than localhost
      browser.driver.get("http://127.0.0.1:" + other.actualPort() + "/");
      await().atMost(Browser.WAIT).until(() -> {
        seen.addAll(browser.consoleLog());
        return seen.stream().anyMatch(line -> line.contains("frame-ancestors"));
      });
    } finally {
      System.out.println("browser console while framing:");
      seen.forEach(line -> System.out.println("  " + line));
      other.close().await();
    }
  }
}
