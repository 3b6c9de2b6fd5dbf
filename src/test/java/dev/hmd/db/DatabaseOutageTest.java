package dev.hmd.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestService;
import dev.hmd.testing.TestSimulator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The service's own Postgres stopped under it (a database it does not run: it cannot restart it),
 * then started again: the API says "unavailable", never "bad credentials", and everything goes on
 * by itself once Postgres is back.
 */
class DatabaseOutageTest {

  @Test
  @DisplayName(
    "Postgres stopped: 503 problems with Retry-After (never 401), readiness 503; back: the same key and session "
    + "work and the release finishes")
  void outage() throws IOException {
    Path dataDir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "outage-pg").resolve("pg");
    EmbeddedDatabase db = EmbeddedDatabase.start(dataDir);
    TestSimulator sim = TestSimulator.start();
    Service service = null;
    try {
      DatabaseUrl url = db.url();
      service = TestService.onDatabase(url, sim);
      Api root = Api.of(service);
      Fixture f = Fixture.create(root, sim, 200);
      HttpResponse<Buffer> signIn = root.post("/v1/session", new JsonObject().put("apiKey", f.key()));
      assertThat(signIn.statusCode()).isEqualTo(204);
      String setCookie = signIn.getHeader("Set-Cookie");
      String cookie = setCookie.substring(0, setCookie.indexOf(';'));
      Api bySession = root.with("Cookie", cookie);
      f.plan(Fixture.quickPlan(12, 2, 10, 100));
      String releaseId = f.start(f.version(sim, Fixture.healthy())).getString("id");
      await().atMost(Duration.ofSeconds(30)).until(() -> f.release(releaseId).getJsonArray("stages").getJsonObject(0)
        .getString("startedAt") != null);

      db.close();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> f.api().get("/v1/connections").statusCode() == 503);
      for (Api api : new Api[] {f.api(), bySession}) {
        HttpResponse<Buffer> down = api.get("/v1/releases/" + releaseId + "/checks");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.getHeader("Content-Type")).startsWith("application/problem+json");
        assertThat(down.getHeader("Retry-After")).isEqualTo("5");
        assertThat(down.bodyAsJsonObject().getString("detail")).contains("database");
      }
      assertThat(bySession.get("/v1/session").statusCode()).isEqualTo(503);
      assertThat(root.get("/health/ready").statusCode()).isEqualTo(503);
      assertThat(scrape(root)).containsPattern("hmd_database_unavailable_total [1-9]");

      db = EmbeddedDatabase.start(dataDir);
      assertThat(db.port()).isEqualTo(url.port());
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> root.get("/health/ready").statusCode() == 200);
      await().atMost(Duration.ofSeconds(30)).until(() -> f.api().get("/v1/connections").statusCode() == 200);
      assertThat(bySession.get("/v1/session").statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(90)).until(() -> !f.release(releaseId).getString("state").equals("running"));
      assertThat(f.release(releaseId).getString("state")).isEqualTo("succeeded");
    } finally {
      if (service != null) {
        service.close();
      }
      sim.close();
      db.close();
    }
  }

  static String scrape(Api api) {
    return api.get("/metrics").bodyAsString();
  }
}
