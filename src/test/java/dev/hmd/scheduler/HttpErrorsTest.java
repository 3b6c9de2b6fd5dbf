package dev.hmd.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestSimulator;
import dev.hmd.testing.WithService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Errors a Worker answers without throwing: most Workers catch their exceptions and answer 500. */
@WithService
class HttpErrorsTest {

  static TestSimulator sim;
  static Api api;

  static JsonObject answers500() {
    return Fixture.healthy().put("message", "answers 500").put("errorRate", 0).put("serverErrorRate", 0.15);
  }

  static String awaitEnd(Fixture f, String id) {
    await().atMost(Duration.ofSeconds(90)).until(() ->
      !List.of("running", "awaiting_approval").contains(f.release(id).getString("state")));
    return f.release(id).getString("state");
  }

  @Test
  @DisplayName(
    "a version answering 500 without exceptions fails error_rate and is rolled back; its checks tell errors from "
    + "exceptions")
  void serverErrorsRollBack() {
    Fixture f = Fixture.create(api, sim, 200);
    f.plan(Fixture.quickPlan(20, 2, 10, 100));
    String id = f.start(f.version(sim, answers500())).getString("id");

    assertThat(awaitEnd(f, id)).isEqualTo("rolled_back");
    assertThat(f.release(id).getJsonObject("outcome").getString("code")).isEqualTo("slo_violation");
    JsonArray checks = f.checks(id);
    JsonObject failed = checks.getJsonObject(checks.size() - 1);
    assertThat(failed.getString("verdict")).isEqualTo("fail");
    JsonObject stats = failed.getJsonObject("new");
    assertThat(stats.getLong("errors")).isPositive();
    assertThat(stats.getLong("exceptions")).isLessThan(stats.getLong("errors"));
    assertThat(stats.getDouble("exceptionRate")).isLessThan(0.01);
  }

  @Test
  @DisplayName("an exception_rate SLO alone lets the same version through: it counts exceptions only")
  void exceptionRateIgnoresAnswered500s() {
    Fixture f = Fixture.create(api, sim, 200);
    JsonObject plan = Fixture.quickPlan(10, 2, 10, 100);
    plan.put("slos", new JsonArray().add(new JsonObject().put("sli", "exception_rate").put("threshold", 0.05)));
    f.plan(plan);
    String id = f.start(f.version(sim, answers500())).getString("id");

    assertThat(awaitEnd(f, id)).isEqualTo("succeeded");
  }
}
