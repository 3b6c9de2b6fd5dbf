package dev.hmd.cloudflare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TrafficSplitTest {

  @Test
  @DisplayName("between: new P%, old the rest, a 0% side left out")
  void between() {
    assertThat(TrafficSplit.between("new", "old", 10).versions())
      .containsExactly(new VersionSplit("new", 10), new VersionSplit("old", 90));
    assertThat(TrafficSplit.between("new", "old", 0).versions()).containsExactly(new VersionSplit("old", 100));
    assertThat(TrafficSplit.between("new", "old", 100).versions()).containsExactly(new VersionSplit("new", 100));
    assertThatThrownBy(() -> TrafficSplit.between("new", "old", 101)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("the same traffic: equal shares per version whatever the order, 0% entries ignored, never null")
  void sameTraffic() {
    TrafficSplit split = TrafficSplit.between("new", "old", 10);
    assertThat(split.sameTraffic(new TrafficSplit(List.of(new VersionSplit("old", 90), new VersionSplit("new", 10)))))
      .isTrue();
    assertThat(TrafficSplit.between("new", "old", 0)
      .sameTraffic(new TrafficSplit(List.of(new VersionSplit("old", 100), new VersionSplit("new", 0))))).isTrue();
    assertThat(split.sameTraffic(TrafficSplit.between("new", "old", 20))).isFalse();
    assertThat(split.sameTraffic(TrafficSplit.between("other", "old", 10))).isFalse();
    assertThat(split.sameTraffic(null)).isFalse();
    assertThat(split.percentOf("old")).isEqualTo(90);
    assertThat(split.percentOf("unknown")).isZero();
  }

  @Test
  @DisplayName("JSON as stored and shown, read back; a malformed entry is named")
  void json() {
    TrafficSplit split = TrafficSplit.between("new", "old", 25);
    assertThat(split.toJson()).isEqualTo(new JsonArray()
      .add(new JsonObject().put("versionId", "new").put("percentage", 25))
      .add(new JsonObject().put("versionId", "old").put("percentage", 75)));
    assertThat(TrafficSplit.fromJson(split.toJson())).isEqualTo(split);
    assertThatThrownBy(() -> TrafficSplit.fromJson(new JsonArray().add(new JsonObject().put("versionId", "a")
      .put("percentage", 100)).add(new JsonObject().put("versionId", "b").put("percentage", "lots"))))
      .hasMessage("[1].percentage is 'lots', not an integer 0..100");
    assertThatThrownBy(() -> TrafficSplit.fromJson(new JsonArray().add(new JsonObject().put("percentage", 100))))
      .hasMessage("[0].versionId is null, not a version id");
    assertThatThrownBy(() -> TrafficSplit.fromJson(new JsonArray().add(7))).hasMessage("[0] is 7, not an object");
  }
}
