package dev.hmd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Each benchmark scenario end to end at a tiny size, so that they keep working; the real runs
 * (docs/BENCHMARKS.md) take minutes and stay out of the build.
 */
class BenchSmokeTest {

  @TempDir
  Path out;

  private JsonObject bench(String... args) throws IOException {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--out";
    all[args.length + 1] = out.toString();
    int code = new CommandLine(new BenchCommand()).execute(all);
    assertThat(code).isZero();
    return new JsonObject(Files.readString(out.resolve(args[0] + ".json")));
  }

  @Test
  @DisplayName(
    "scale: two small runs measure lag from the stored checks, count Cloudflare calls and plot lag against N")
  void scale() throws IOException {
    JsonObject result = bench("scale", "--releases", "6,12", "--accounts", "3", "--poll", "2", "--warmup", "3",
      "--duration", "5");
    assertThat(result.getJsonArray("runs")).hasSize(2);
    JsonObject run = result.getJsonArray("runs").getJsonObject(1);
    assertThat(run.getLong("activeAtEnd")).isEqualTo(12);
    assertThat(run.getJsonObject("lagMs").getLong("checks")).isPositive();
    assertThat(run.getJsonObject("lagMs").getDouble("p99")).isNotNull();
    assertThat(run.getDouble("checksPerSecond")).isPositive();
    assertThat(run.getJsonObject("cloudflarePerCycle").getDouble("telemetry.query")).isPositive();
    assertThat(run.getDouble("dbStatementsPerSecond")).isPositive();
    assertThat(run.getJsonObject("heapMiB").getDouble("end")).isPositive();
    assertThat(Files.readString(out.resolve("scale-lag.svg"))).startsWith("<svg").contains("polyline");
  }

  @Test
  @DisplayName("rollback: versions turned bad mid-soak are rolled back, timed from the first bad window's end")
  void rollback() throws IOException {
    JsonObject run = bench("rollback", "--rollbacks", "3", "--poll", "2", "--rps", "50")
      .getJsonArray("runs").getJsonObject(0);
    assertThat(run.getLong("rolledBack")).isEqualTo(3);
    assertThat(run.getInteger("falseRollbacks")).isZero();
    assertThat(run.getJsonObject("latencySeconds").getDouble("p99")).isPositive();
    assertThat(run.getJsonArray("perRelease")).hasSize(3);
  }

  @Test
  @DisplayName(
    "sse: streaming clients in a child JVM receive every event; latency and memory per connection are measured")
  void sse() throws IOException {
    JsonObject run = bench("sse", "--clients", "20", "--events-per-second", "10", "--warmup", "1", "--duration", "2")
      .getJsonArray("runs").getJsonObject(0);
    assertThat(run.getLong("connected")).isEqualTo(20);
    assertThat(run.getLong("deliveries")).isEqualTo(run.getLong("expectedDeliveries")).isPositive();
    assertThat(run.getJsonObject("latencyMs").getDouble("p99")).isPositive();
  }

  @Test
  @DisplayName("api: GET /v1/releases/{id} and the bare endpoint both answer under load; the ratio is reported")
  void api() throws IOException {
    JsonObject run = bench("api", "--concurrency", "4", "--warmup", "2", "--duration", "2")
      .getJsonArray("runs").getJsonObject(0);
    long requests = run.getJsonObject("api").getLong("requests");
    assertThat(requests).isPositive();
    // a request that timed out on a loaded build machine is an error, not a hang; more than one in a
    // hundred would be a broken endpoint
    assertThat(run.getJsonObject("api").getLong("errors")).isLessThanOrEqualTo(requests / 100);
    assertThat(run.getJsonObject("bare").getLong("errors"))
      .isLessThanOrEqualTo(run.getJsonObject("bare").getLong("requests") / 100);
    assertThat(run.getDouble("ratio")).isPositive();
  }
}
