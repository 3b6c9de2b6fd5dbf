package dev.hmd.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.app.Service;
import dev.hmd.db.DatabaseUrl;
import dev.hmd.db.EmbeddedDatabase;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestService;
import dev.hmd.testing.TestSimulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/** The dashboard while the service's database is away: no sign-out, a banner, and back by itself. */
class OutageBrowserTest {

  @Test
  @DisplayName(
    "Postgres stopped: the dashboard keeps the session and says the service is unavailable; back: the page returns")
  void outage() throws IOException {
    Browser.assumeInstalled();
    Path dataDir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "outage-web").resolve("pg");
    EmbeddedDatabase db = EmbeddedDatabase.start(dataDir);
    TestSimulator sim = TestSimulator.start();
    Service service = null;
    Browser browser = null;
    try {
      DatabaseUrl url = db.url();
      service = TestService.onDatabase(url, sim);
      Fixture f = Fixture.create(Api.of(service), sim, 10);
      browser = Browser.start("http://localhost:" + service.httpPort());
      browser.signIn(f.key());
      browser.open("/connections");
      browser.textContains(By.tagName("h1"), "Connections", Browser.WAIT);

      db.close();
      browser.open("/connections/" + f.connectionId());
      browser.textContains(By.id("service-status"), "unavailable", Duration.ofSeconds(30));
      browser.textContains(By.tagName("h1"), "Service unavailable", Duration.ofSeconds(30));
      assertThat(browser.present(By.id("sign-out"))).as("still signed in").isTrue();

      db = EmbeddedDatabase.start(dataDir);
      browser.textContains(By.tagName("h1"), f.script(), Duration.ofSeconds(60));
      assertThat(browser.visible(By.id("sign-out")).isDisplayed()).isTrue();
      assertThat(browser.script("return document.getElementById('service-status').hidden")).isEqualTo(true);
      browser.assertCleanConsole("the outage");
    } finally {
      if (browser != null) {
        browser.close();
      }
      if (service != null) {
        service.close();
      }
      sim.close();
      db.close();
    }
  }
}
