package dev.hmd.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConfigTest {

  static final Map<String, String> SECRETS = Map.of(
    Config.DATABASE_URL, "postgresql://hmd:db-password-123@db:5432/hmd",
    Config.ADMIN_TOKEN, "admin-token-abcdef",
    Config.MASTER_KEY, "bWFzdGVyLWtleS1tYXN0ZXIta2V5LW1hc3Rlci1rZXk=",
    Config.MASTER_KEY_PREVIOUS, "b2xkLWtleQ==",
    Config.JWT_SECRET, "jwt-secret-0123456789-0123456789-0123");

  @Test
  @DisplayName("toString shows every setting but no secret, nor the database password")
  void toStringHidesSecrets() {
    Config config = Config.from(SECRETS);
    String shown = config.toString();
    for (String secret : SECRETS.values()) {
      assertThat(shown).doesNotContain(secret);
    }
    assertThat(shown).doesNotContain("db-password-123").contains(Config.ADMIN_TOKEN + "=(set)")
      .contains(Config.HTTP_PORT + "=8080");
  }

  @Test
  @DisplayName("the variables a configuration gives back make the same configuration")
  void roundTrip() {
    Config config = Config.from(Map.of(Config.RETENTION_DAYS, "7", Config.WEBHOOK_ALLOW_PRIVATE, "false",
      Config.HTTP_PORT, "9000", Config.INSTANCE_ID, "a"));
    assertThat(Config.from(config.toEnv())).isEqualTo(config);
    assertThat(config.with(Config.LEASE_SECONDS, "4").leaseDuration().toSeconds()).isEqualTo(4);
    assertThat(Config.from(Config.from(SECRETS).toEnv())).isEqualTo(Config.from(SECRETS));
  }

  @Test
  @DisplayName("a malformed variable stops the start with its name")
  void malformed() {
    assertThatThrownBy(() -> Config.from(Map.of(Config.HTTP_PORT, "eighty")))
      .hasMessageContaining(Config.HTTP_PORT);
    assertThatThrownBy(() -> Config.from(Map.of(Config.WEBHOOK_ALLOW_PRIVATE, "maybe")))
      .hasMessageContaining(Config.WEBHOOK_ALLOW_PRIVATE);
    assertThatThrownBy(() -> Config.from(Map.of(Config.LEASE_SECONDS, "0")))
      .hasMessageContaining(Config.LEASE_SECONDS);
  }
}
