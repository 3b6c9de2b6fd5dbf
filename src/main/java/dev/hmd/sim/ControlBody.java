package dev.hmd.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a control body field by field, collecting one error per problem so that a caller learns
 * everything that is wrong at once. Unknown fields are errors: a typo must not pass silently.
 */
final class ControlBody {

  private final JsonObject body;
  private final String prefix;
  private final List<JsonObject> errors;

  private ControlBody(JsonObject body, String prefix, List<JsonObject> errors, Set<String> allowed) {
    this.body = body;
    this.prefix = prefix;
    this.errors = errors;
    body.fieldNames().stream().filter(name -> !allowed.contains(name)).sorted()
      .forEach(name -> error(name, "is not a known field"));
  }

  static ControlBody of(JsonObject body, Set<String> allowed) {
    if (body == null) {
      throw ControlException.invalid("body", "must be a JSON object");
    }
    return new ControlBody(body, "", new ArrayList<>(), allowed);
  }

  /** A nested object, whose errors join this body's; null when absent or not an object. */
  ControlBody nested(String field, Set<String> allowed) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject object)) {
      error(field, "must be an object");
      return null;
    }
    return new ControlBody(object, prefix + field + ".", errors, allowed);
  }

  boolean has(String field) {
    return body.getValue(field) != null;
  }

  Double number(String field, double min, double max) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number number) || !(number.doubleValue() >= min && number.doubleValue() <= max)) {
      error(field, "must be a number from " + CfViews.number(min) + " to " + CfViews.number(max));
      return null;
    }
    return number.doubleValue();
  }

  Long integer(String field, long min, long max) {
    Double value = number(field, min, max);
    if (value != null && value != Math.rint(value)) {
      error(field, "must be an integer");
      return null;
    }
    return value == null ? null : value.longValue();
  }

  String string(String field, int maxBytes) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text) || text.isEmpty() || text.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      error(field, "must be a non-empty string of at most " + maxBytes + " bytes");
      return null;
    }
    return text;
  }

  /** A non-empty string of at most {@code maxChars} characters (not bytes: a message meant for people). */
  String text(String field, int maxChars) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text) || text.isBlank() || text.length() > maxChars) {
      error(field, "must be a non-blank string of at most " + maxChars + " characters");
      return null;
    }
    return text;
  }

  /** A non-empty array of at most {@code maxItems} distinct strings, each matching {@code pattern}. */
  List<String> strings(String field, int maxItems, Pattern pattern) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > maxItems) {
      error(field, "must be an array of 1 to " + maxItems + " strings");
      return null;
    }
    Set<String> items = new LinkedHashSet<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof String item) || !pattern.matcher(item).matches()) {
        error(field + "[" + i + "]", "must be a string matching " + pattern.pattern());
        return null;
      }
      items.add(item);
    }
    return List.copyOf(items);
  }

  void require(String field) {
    if (!has(field)) {
      error(field, "is required");
    }
  }

  void error(String field, String message) {
    errors.add(new JsonObject().put("field", prefix + field).put("message", message));
  }

  /** Throws the collected errors, if any. */
  void done() {
    if (!errors.isEmpty()) {
      throw ControlException.invalid(List.copyOf(errors));
    }
  }
}
