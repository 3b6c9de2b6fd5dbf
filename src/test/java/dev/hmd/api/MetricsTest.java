package dev.hmd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.app.Service;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.SseClient;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.Tools;
import dev.hmd.testing.WithService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@WithService
class MetricsTest {

  static TestSimulator sim;
  static Service service;
  static Api api;
  static String scrape;

  @BeforeAll
  static void start() {
    Fixture f = Fixture.create(api, sim, 200);
    String bad = f.version(sim, Fixture.faulty());
    f.plan(Fixture.quickPlan(20, 2, 10, 100));
    String id = f.start(bad).getString("id");
    try (SseClient sse = SseClient.open(service.vertx(), service.httpPort(), "/v1/events",
      Map.of("Authorization", "Bearer " + f.key()))) {
      await().atMost(Duration.ofSeconds(60)).until(() -> f.release(id).getString("state").equals("rolled_back"));
      scrape = api.get("/metrics").bodyAsString();
    }
  }

  @Test
  @DisplayName("the scrape has the contract's series, the engine's histograms, JVM and HTTP server metrics")
  void contractNames() {
    assertThat(scrape).contains(
      "hmd_releases_active",
      "hmd_release_outcomes_total{outcome=\"slo_violation\"}",
      "hmd_release_outcomes_total{outcome=\"completed\"}",
      "hmd_checks_total{verdict=\"fail\"}",
      "hmd_cloudflare_requests_total{endpoint=\"telemetry.query\",status=\"200\"}",
      "hmd_cloudflare_requests_total{endpoint=\"deployments.create\",status=\"200\"}",
      "hmd_cloudflare_request_duration_seconds_bucket",
      "hmd_sse_clients",
      "hmd_sse_events_sent_total",
      "hmd_check_duration_seconds_bucket",
      "hmd_stage_duration_seconds",
      "hmd_rollback_latency_seconds_bucket",
      "hmd_lease_takeovers_total",
      "jvm_memory_used_bytes",
      "jvm_threads_live_threads",
      "vertx_http_server_requests_total");
    assertThat(scrape).containsPattern("hmd_sse_clients(\\{[^}]*\\})? 1(\\.0)?\\n");
  }

  @Test
  @DisplayName("promtool accepts the scrape")
  void promtool() throws IOException, InterruptedException {
    Path promtool = Tools.require("prometheus", "/usr/bin/promtool", "/usr/local/bin/promtool");
    Process process = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
    process.getOutputStream().write(scrape.getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int code = process.waitFor();
    // promtool's lint findings (naming advice) are printed but only malformed text fails it
    List<String> problems = output.lines().filter(l -> l.contains("error") || l.contains("parse")).toList();
    assertThat(problems).as(output).isEmpty();
    assertThat(code).as(output).isIn(0, 3);
  }
}
