package dev.hmd.sim;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code Cloudflare-Workers-Version-Overrides}, a structured-field Dictionary (RFC 8941) of
 * script name to version id: {@code my-worker="<version-id>", other="<version-id>"}. Parsing is
 * lenient per member [U]: a member that is malformed, or whose value is not a string, is skipped
 * and the others still count; parameters ({@code ;a=1}) are ignored; a later member for the same
 * script wins, as the RFC says. Nothing here throws: a bad header is a header without overrides.
 */
final class VersionOverrides {

  private VersionOverrides() {
  }

  /** Script name to version id, from every line of the header (lines join with commas, per RFC 9110). */
  static Map<String, String> parse(List<String> headerLines) {
    Map<String, String> overrides = new HashMap<>();
    if (headerLines != null && !headerLines.isEmpty()) {
      new Parser(String.join(",", headerLines), overrides).members();
    }
    return overrides;
  }

  private static final class Parser {
    private final String text;
    private final Map<String, String> overrides;
    private int at;

    Parser(String text, Map<String, String> overrides) {
      this.text = text;
      this.overrides = overrides;
    }

    void members() {
      while (true) {
        skipSpaces();
        if (at >= text.length()) {
          return;
        }
        member();
        if (!skipToNextMember()) {
          return;
        }
      }
    }

    /** One {@code key[=value][;params]}; records it only when it is a key with a string value. */
    private void member() {
      int keyStart = at;
      while (at < text.length() && isKeyChar(text.charAt(at))) {
        at++;
      }
      String key = text.substring(keyStart, at);
      if (key.isEmpty() || at >= text.length() || text.charAt(at) != '=') {
        return;
      }
      at++;
      if (at >= text.length() || text.charAt(at) != '"') {
        return;
      }
      String value = quoted();
      if (value == null) {
        return;
      }
      int end = at;
      skipSpaces();
      boolean clean = at >= text.length() || text.charAt(at) == ',' || text.charAt(at) == ';';
      at = end;
      if (clean) {
        overrides.put(key, value);
      }
    }

    /** An sf-string starting at the opening quote; null (and {@code at} at the end) when unterminated or invalid. */
    private String quoted() {
      StringBuilder value = new StringBuilder();
      at++;
      while (at < text.length()) {
        char c = text.charAt(at++);
        if (c == '"') {
          return value.toString();
        }
        if (c == '\\') {
          if (at >= text.length() || (text.charAt(at) != '"' && text.charAt(at) != '\\')) {
            skipRestOfString();
            return null;
          }
          value.append(text.charAt(at++));
        } else if (c < 0x20 || c > 0x7e) {
          skipRestOfString();
          return null;
        } else {
          value.append(c);
        }
      }
      return null;
    }

    private void skipRestOfString() {
      while (at < text.length()) {
        char c = text.charAt(at++);
        if (c == '\\' && at < text.length()) {
          at++;
        } else if (c == '"') {
          return;
        }
      }
    }

    /** Moves past the next comma outside a string; false when the text ends first. */
    private boolean skipToNextMember() {
      while (at < text.length()) {
        char c = text.charAt(at);
        if (c == ',') {
          at++;
          return true;
        }
        if (c == '"') {
          at++;
          skipRestOfString();
        } else {
          at++;
        }
      }
      return false;
    }

    private void skipSpaces() {
      while (at < text.length() && (text.charAt(at) == ' ' || text.charAt(at) == '\t')) {
        at++;
      }
    }

    /** RFC 8941 key characters, plus digits and '_' first, which script names may start with. */
    private static boolean isKeyChar(char c) {
      return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '*';
    }
  }
}
