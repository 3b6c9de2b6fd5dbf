package dev.hmd.cloudflare;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The smoke test's split (the new version listed at 0%) and the query that confirms its requests. */
class StandbySplitTest {

  @Test
  @DisplayName(
    "a standby lists the new version at 0%; a listed 0% version is a different deployment, though the same traffic")
  void standby() {
    TrafficSplit standby = TrafficSplit.standby("new", "old");
    assertThat(standby.versions()).containsExactly(new VersionSplit("new", 0), new VersionSplit("old", 100));
    TrafficSplit oldOnly = TrafficSplit.between("new", "old", 0);
    assertThat(standby.sameTraffic(oldOnly)).isTrue();
    assertThat(standby.sameDeployment(oldOnly)).isFalse();
    assertThat(oldOnly.sameDeployment(standby)).isFalse();
    assertThat(
      standby.sameDeployment(new TrafficSplit(List.of(new VersionSplit("old", 100), new VersionSplit("new", 0)))))
      .isTrue();
    // without a 0% entry on either side it is the same traffic
    assertThat(TrafficSplit.between("new", "old", 10).sameDeployment(
      new TrafficSplit(List.of(new VersionSplit("old", 90), new VersionSplit("new", 10))))).isTrue();
    assertThat(TrafficSplit.between("new", "old", 10).sameDeployment(standby)).isFalse();
    assertThat(standby.sameDeployment(null)).isFalse();
  }

  @Test
  @DisplayName("the version count query filters on the script and the version, and its answer sums that version's rows")
  void versionRequests() {
    JsonObject body = ObservabilityQuery.versionRequestsBody("q", "shop", "v-new", Instant.ofEpochSecond(100),
      Instant.ofEpochSecond(105));
    JsonArray filters = body.getJsonObject("parameters").getJsonArray("filters");
    assertThat(filters.encode()).contains("\"$workers.scriptName\"", "\"shop\"", "\"$workers.scriptVersion.id\"",
      "\"v-new\"");
    assertThat(body.getJsonObject("timeframe").getLong("from")).isEqualTo(100_000);
    JsonObject answer = new JsonObject().put("calculations", new JsonArray().add(new JsonObject()
      .put("alias", "requests")
      .put("aggregates", new JsonArray()
        .add(aggregate("v-new", "ok", 2))
        .add(aggregate("v-new", "exception", 1))
        .add(aggregate("v-other", "ok", 50)))));
    assertThat(ObservabilityQuery.foldVersionRequests(answer, "v-new")).isEqualTo(3);
    assertThat(ObservabilityQuery.foldVersionRequests(new JsonObject(), "v-new")).isZero();
  }

  private static JsonObject aggregate(String version, String outcome, long count) {
    return new JsonObject().put("value", count).put("groups", new JsonArray()
      .add(new JsonObject().put("key", "$workers.scriptName").put("value", "shop"))
      .add(new JsonObject().put("key", "$workers.scriptVersion.id").put("value", version))
      .add(new JsonObject().put("key", "$workers.outcome").put("value", outcome)));
  }
}
