package dev.hmd.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small helpers shared by the handlers: request bodies in, RFC 3339 times out. */
public final class Json {

  private Json() {
  }

  /** The request body as a JSON object, or a 400 saying what is wrong with it. */
  public static JsonObject body(RoutingContext ctx) {
    if (isEmpty(ctx)) {
      throw ApiException.badRequest("a JSON object body is required");
    }
    InputFilter.Parsed filtered = InputFilter.parsedBody(ctx);
    Object parsed;
    if (filtered != null) {
      parsed = filtered.value();
    } else {
      try {
        parsed = ctx.body().asJsonObject();
      } catch (RuntimeException e) {
        throw ApiException.badRequest("the body is not a JSON object");
      }
    }
    if (parsed == null) {
      throw ApiException.badRequest("a JSON object body is required");
    }
    if (!(parsed instanceof JsonObject object)) {
      throw ApiException.badRequest("the body is not a JSON object");
    }
    return object;
  }

  /** The body if there is one, else an empty object (for actions whose body is optional). */
  public static JsonObject optionalBody(RoutingContext ctx) {
    return isEmpty(ctx) ? new JsonObject() : body(ctx);
  }

  /** No body at all, or zero bytes of it ({@code length()} is -1 when none was read). */
  public static boolean isEmpty(RoutingContext ctx) {
    return ctx.body() == null || ctx.body().buffer() == null || ctx.body().buffer().length() == 0;
  }

  public static String time(OffsetDateTime value) {
    return value == null ? null : time(value.toInstant());
  }

  public static String time(Instant value) {
    return value == null ? null : value.truncatedTo(ChronoUnit.MILLIS).toString();
  }

  /** A required non-blank string field, at most {@code max} characters. */
  public static String requiredText(JsonObject body, String field, int max) {
    Object value = body.getValue(field);
    if (!(value instanceof String text) || text.isBlank()) {
      throw ApiException.invalid(field, "is required and must be a non-empty string");
    }
    if (text.length() > max) {
      throw ApiException.invalid(field, "must be at most " + max + " characters");
    }
    return text.trim();
  }

  /** An optional string field: null when absent, a 400 when present but not a string. */
  public static String optionalText(JsonObject body, String field, int max) {
    if (!body.containsKey(field) || body.getValue(field) == null) {
      return null;
    }
    return requiredText(body, field, max);
  }

  /**
   * The object as plain maps and lists, all the way down: for the pure packages, which know
   * nothing of Vert.x's JSON types.
   */
  public static Map<String, Object> plain(JsonObject json) {
    Map<String, Object> map = new LinkedHashMap<>();
    json.forEach(entry -> map.put(entry.getKey(), plainValue(entry.getValue())));
    return map;
  }

  private static Object plainValue(Object value) {
    if (value instanceof JsonObject object) {
      return plain(object);
    }
    if (value instanceof JsonArray array) {
      List<Object> list = new ArrayList<>(array.size());
      array.forEach(element -> list.add(plainValue(element)));
      return list;
    }
    return value;
  }
}
