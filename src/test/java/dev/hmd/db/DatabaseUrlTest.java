package dev.hmd.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.pgclient.SslMode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseUrlTest {

  @Test
  @DisplayName("a full URL gives host, port, database, credentials and sslmode")
  void parsesFullUrl() {
    DatabaseUrl url = DatabaseUrl.parse("postgresql://app:p%40ss@db.internal:6543/hmd?sslmode=require");
    assertThat(url.host()).isEqualTo("db.internal");
    assertThat(url.port()).isEqualTo(6543);
    assertThat(url.database()).isEqualTo("hmd");
    assertThat(url.user()).isEqualTo("app");
    assertThat(url.password()).isEqualTo("p@ss");
    assertThat(url.sslMode()).isEqualTo(SslMode.REQUIRE);
    assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/hmd?sslmode=require");
    assertThat(url.toString()).doesNotContain("p@ss");
  }

  @Test
  @DisplayName("the port defaults to 5432")
  void defaultPort() {
    assertThat(DatabaseUrl.parse("postgres://u@h/d").port()).isEqualTo(5432);
  }

  @ParameterizedTest(name = "{0} is refused with a clear message")
  @ValueSource(strings = {
    "mysql://u@h/d", "postgresql://u@h", "postgresql:///d", "not a url at all", "postgresql://u@h/d?sslmode=maybe"})
  @DisplayName("malformed URLs are refused with a message naming HMD_DATABASE_URL")
  void refusesMalformed(String raw) {
    assertThatThrownBy(() -> DatabaseUrl.parse(raw))
      .isInstanceOf(IllegalArgumentException.class)
      .hasMessageContaining("HMD_DATABASE_URL");
  }
}
