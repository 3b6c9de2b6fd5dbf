package dev.hmd.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hmd.app.Service;
import dev.hmd.config.Config;
import dev.hmd.testing.Api;
import dev.hmd.testing.Fixture;
import dev.hmd.testing.TestService;
import dev.hmd.testing.TestSimulator;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class KeyRotationTest {

  static String keyIdInDatabase(Service service) {
    return service.pool().query("select distinct token_key_id from connections").execute().await()
      .iterator().next().getString(0);
  }

  @Test
  @DisplayName("a new master key with the old one as previous: tokens are sealed again at start and keep working")
  void rotation() {
    String oldKey = Secrets.newKey();
    String newKey = Secrets.newKey();
    try (TestSimulator sim = TestSimulator.start()) {
      Config config = TestService.config(Map.of(Config.CLOUDFLARE_API_BASE, sim.apiBase(), Config.MASTER_KEY, oldKey));
      String connectionId;
      String key;
      try (Service first = Service.start(config)) {
        Fixture f = Fixture.create(Api.of(first), sim, 5);
        connectionId = f.connectionId();
        key = f.key();
        assertThat(keyIdInDatabase(first)).isEqualTo(new TokenCipher(java.util.List.of(
          java.util.Base64.getDecoder().decode(oldKey))).currentKeyId());
      }
      Config rotated = config.with(Config.MASTER_KEY, newKey).with(Config.MASTER_KEY_PREVIOUS, oldKey);
      try (Service second = Service.start(rotated)) {
        assertThat(Api.of(second).as(key).get("/v1/connections/" + connectionId + "/versions").statusCode())
          .isEqualTo(200);
        assertThat(keyIdInDatabase(second)).isEqualTo(new TokenCipher(java.util.List.of(
          java.util.Base64.getDecoder().decode(newKey))).currentKeyId());
      }
      try (Service third = Service.start(config.with(Config.MASTER_KEY, newKey))) {
        assertThat(Api.of(third).as(key).get("/v1/connections/" + connectionId + "/versions").statusCode())
          .isEqualTo(200);
      }
      assertThatThrownBy(() -> Service.start(config.with(Config.MASTER_KEY, Secrets.newKey())))
        .hasMessageContaining("no master key with id");
    }
  }
}
