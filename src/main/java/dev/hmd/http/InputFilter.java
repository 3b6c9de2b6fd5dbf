package dev.hmd.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Text that reaches a handler is valid UTF-8 without NUL, decided once, before any handler: the
 * path, the query, every header, and JSON bodies (decoded strictly, then every string checked
 * for NUL and unpaired surrogates, which Postgres refuses or turns into {@code ?}). A body
 * must be {@code application/json}, with no charset or UTF-8. Everything else is a 400 (415 for
 * the media type) before anything is read from or written to the database.
 */
public final class InputFilter {

  private static final Set<HttpMethod> WITH_BODY = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH);
  /** The one place that parses a JSON body; handlers read it from here instead of parsing it again. */
  private static final String PARSED_BODY = "hmd.body";

  private InputFilter() {
  }

  /** Every route, first: the path, the query and the headers. */
  public static void request(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String path = request.path();
    if (path != null && !validPercentEncoded(path)) {
      ctx.fail(ApiException.badRequest("the path must be percent-encoded UTF-8 without NUL characters"));
      return;
    }
    String query = request.query();
    if (query != null && !validPercentEncoded(query)) {
      ctx.fail(ApiException.badRequest("the query must be percent-encoded UTF-8 without NUL characters"));
      return;
    }
    for (Map.Entry<String, String> header : request.headers()) {
      if (!validHeaderText(header.getKey()) || !validHeaderText(header.getValue())) {
        ctx.fail(ApiException.badRequest("header " + printable(header.getKey())
          + " must be UTF-8 text without NUL characters"));
        return;
      }
    }
    ctx.next();
  }

  /**
   * {@code /v1} routes, before the body is read: the body of a POST, PUT or PATCH must be
   * {@code application/json} (no charset parameter, or {@code charset=utf-8}, and nothing else);
   * so must its Content-Type when it sends one without a body. Multipart and form bodies are
   * never parsed. Other methods take no body: whatever one sends is not read by any handler.
   */
  public static void mediaType(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String type = request.getHeader("Content-Type");
    if (WITH_BODY.contains(request.method()) && (type != null || hasBody(request)) && !isJson(type)) {
      ctx.fail(new ApiException(415, "Unsupported Media Type",
        "send the body as application/json (UTF-8), or send no body", List.of(), null));
      return;
    }
    ctx.next();
  }

  /** {@code /v1} routes, after the body is read: strict UTF-8, JSON, no NUL or unpaired surrogate in any string. */
  public static void body(RoutingContext ctx) {
    Buffer raw = ctx.body() == null ? null : ctx.body().buffer();
    if (!WITH_BODY.contains(ctx.request().method()) || raw == null || raw.length() == 0) {
      ctx.next();
      return;
    }
    String text;
    try {
      text = strictUtf8().decode(ByteBuffer.wrap(raw.getBytes())).toString();
    } catch (CharacterCodingException e) {
      ctx.fail(ApiException.badRequest("the body is not valid UTF-8"));
      return;
    }
    Object parsed;
    try {
      parsed = io.vertx.core.json.Json.decodeValue(text);
    } catch (DecodeException e) {
      ctx.fail(ApiException.badRequest("the body is not valid JSON"));
      return;
    }
    if (!cleanStrings(parsed)) {
      ctx.fail(ApiException.badRequest("a string in the body holds a NUL character or an unpaired surrogate"));
      return;
    }
    ctx.put(PARSED_BODY, new Parsed(parsed));
    ctx.next();
  }

  /** A body {@link #body} parsed: a JsonObject, JsonArray, String, Number, Boolean or null (JSON null). */
  record Parsed(Object value) {
  }

  /** The body as {@link #body} parsed it; null when it did not (no body, or a route outside {@code /v1}). */
  static Parsed parsedBody(RoutingContext ctx) {
    return ctx.get(PARSED_BODY);
  }

  /** A media type of exactly {@code application/json}, whose only parameter may be {@code charset=utf-8}. */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    String[] parts = contentType.split(";", -1);
    if (!parts[0].trim().toLowerCase(Locale.ROOT).equals("application/json")) {
      return false;
    }
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i].trim();
      if (parameter.isEmpty()) {
        continue;
      }
      int equals = parameter.indexOf('=');
      if (equals < 0 || !parameter.substring(0, equals).trim().equalsIgnoreCase("charset")) {
        return false;
      }
      String value = parameter.substring(equals + 1).trim();
      if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
        value = value.substring(1, value.length() - 1);
      }
      if (!value.equalsIgnoreCase("utf-8")) {
        return false;
      }
    }
    return true;
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader("Content-Length");
    if (length != null) {
      try {
        return Long.parseLong(length.trim()) > 0;
      } catch (NumberFormatException e) {
        return true;
      }
    }
    return request.getHeader("Transfer-Encoding") != null;
  }

  /**
   * Percent-escapes decode to UTF-8 bytes, and the text as a whole (the request line arrives as
   * bytes, one char each) is valid UTF-8 without NUL. A malformed escape is no better.
   */
  static boolean validPercentEncoded(String raw) {
    if (plainAscii(raw, true)) {
      return true;
    }
    byte[] bytes = new byte[raw.length()];
    int n = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          return false;
        }
        int high = Character.digit(raw.charAt(i + 1), 16);
        int low = Character.digit(raw.charAt(i + 2), 16);
        if (high < 0 || low < 0) {
          return false;
        }
        bytes[n++] = (byte) (high * 16 + low);
        i += 2;
      } else if (c > 0xff) {
        return false;
      } else {
        bytes[n++] = (byte) c;
      }
    }
    return validUtf8WithoutNul(bytes, n);
  }

  /** A header value arrives as bytes, one char each: they must be UTF-8 without NUL. */
  static boolean validHeaderText(String value) {
    if (plainAscii(value, false)) {
      return true;
    }
    byte[] bytes = new byte[value.length()];
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c > 0xff) {
        return false;
      }
      bytes[i] = (byte) c;
    }
    return validUtf8WithoutNul(bytes, bytes.length);
  }

  /**
   * The common case, decided without decoding: ASCII without NUL (and, for a path or a query,
   * without {@code %}) is valid UTF-8 without NUL as it stands.
   */
  private static boolean plainAscii(String text, boolean percentEncoded) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0 || c >= 0x80 || percentEncoded && c == '%') {
        return false;
      }
    }
    return true;
  }

  private static boolean validUtf8WithoutNul(byte[] bytes, int length) {
    for (int i = 0; i < length; i++) {
      if (bytes[i] == 0) {
        return false;
      }
    }
    try {
      strictUtf8().decode(ByteBuffer.wrap(bytes, 0, length));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /**
   * Java's UTF-8 decoder refuses overlong forms and encoded surrogates; REPORT makes it say so instead of replacing
   * them.
   */
  private static CharsetDecoder strictUtf8() {
    return StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  }

  private static boolean cleanStrings(Object value) {
    if (value instanceof String text) {
      return cleanString(text);
    }
    if (value instanceof JsonObject object) {
      for (Map.Entry<String, Object> entry : object) {
        if (!cleanString(entry.getKey()) || !cleanStrings(entry.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (value instanceof JsonArray array) {
      for (Object item : array) {
        if (!cleanStrings(item)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean cleanString(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0) {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /** A header name for a message: printable ASCII only, whatever was sent. */
  private static String printable(String name) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < name.length() && out.length() < 64; i++) {
      char c = name.charAt(i);
      out.append(c >= 0x21 && c < 0x7f ? c : '?');
    }
    return out.toString();
  }
}
