package dev.hmd.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class VersionOverridesTest {

  private static Map<String, String> parse(String... lines) {
    return VersionOverrides.parse(List.of(lines));
  }

  @Test
  @DisplayName("members of string values are read per script, across lines, with spaces, parameters and escapes")
  void wellFormed() {
    assertThat(parse("my-worker=\"dc8dcd28-271b-4367-9840-6c244f84cb40\""))
      .containsExactly(Map.entry("my-worker", "dc8dcd28-271b-4367-9840-6c244f84cb40"));
    assertThat(parse("a=\"1\",  b=\"2\";q=0.5,\tc=\"x, y\"", "d=\"4\""))
      .containsOnly(Map.entry("a", "1"), Map.entry("b", "2"), Map.entry("c", "x, y"), Map.entry("d", "4"));
    assertThat(parse("a=\"say \\\"hi\\\" \\\\ bye\"")).containsExactly(Map.entry("a", "say \"hi\" \\ bye"));
    assertThat(parse("a=\"1\", a=\"2\"")).containsExactly(Map.entry("a", "2"));
    assertThat(parse("0_svc=\"1\"")).containsExactly(Map.entry("0_svc", "1"));
  }

  @Test
  @DisplayName("malformed members and values that are not strings are skipped; the other members still count")
  void malformed() {
    assertThat(parse("")).isEmpty();
    assertThat(VersionOverrides.parse(List.of())).isEmpty();
    assertThat(VersionOverrides.parse(null)).isEmpty();
    assertThat(parse("a=1, b=?1, c=(\"x\"), d, e=:YWJj:, f=tok, g=\"ok\"")).containsExactly(Map.entry("g", "ok"));
    assertThat(parse("A=\"1\", b =\"2\", c= \"3\", =\"4\", d=\"5\" junk, e=\"6\""))
      .containsExactly(Map.entry("e", "6"));
    assertThat(parse("a=\"bad \\n escape\", b=\"ok\"")).containsExactly(Map.entry("b", "ok"));
    assertThat(parse("a=\"ok\", b=\"unterminated, c=\"lost\"")).containsExactly(Map.entry("a", "ok"));
    assertThat(parse("\"", ",,,", ";;", "=")).isEmpty();
  }
}
