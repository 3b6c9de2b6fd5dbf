package dev.hmd.cloudflare;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Cloudflare's JSON, both ways, with no I/O: the envelope, the resources the client reads, and the
 * bodies it sends. Kept apart from the transport so each shape is unit-testable. Parsers throw
 * {@link IllegalStateException} on a body that breaks the contract; the client reports that as
 * {@link CloudflareException.Kind#INVALID_RESPONSE}.
 */
public final class CloudflareJson {

  public static final String ANNOTATION_MESSAGE = "workers/message";
  public static final String ANNOTATION_TAG = "workers/tag";
  /** Cloudflare caps {@code workers/message} at 1000 bytes. */
  public static final int MAX_MESSAGE_BYTES = 1000;

  private CloudflareJson() {
  }

  /** The useful part of a successful envelope: {@code result} (object, array or null) and {@code result_info}. */
  public record Envelope(Object result, JsonObject resultInfo) {

    public JsonObject resultObject() {
      if (result instanceof JsonObject o) {
        return o;
      }
      throw new IllegalStateException("result is not an object");
    }
  }

  /**
   * Reads a response: the envelope on a 2xx with {@code success: true}, otherwise throws the typed
   * failure built from {@code errors[]}.
   *
   * @param retryAfter the {@code retry-after} header, null when absent
   */
  public static Envelope envelope(String endpoint, int status, String retryAfter, Buffer body, Instant now) {
    JsonObject json = parseObject(body);
    boolean ok = status >= 200 && status < 300;
    if (ok && json == null) {
      throw CloudflareException.invalidResponse(endpoint, status, "body is not a JSON object");
    }
    if (ok && json.getValue("success") instanceof Boolean success && success) {
      return new Envelope(json.getValue("result"), json.getJsonObject("result_info"));
    }
    if (ok && !(json.getValue("success") instanceof Boolean)) {
      throw CloudflareException.invalidResponse(endpoint, status, "envelope without a boolean success");
    }
    Integer code = null;
    String message = null;
    if (json != null && json.getValue("errors") instanceof JsonArray errors) {
      List<String> texts = new ArrayList<>();
      for (Object item : errors) {
        if (item instanceof JsonObject error) {
          if (code == null && error.getValue("code") instanceof Number n) {
            code = n.intValue();
          }
          texts.add(errorText(error));
        }
      }
      message = texts.isEmpty() ? null : String.join("; ", texts);
    }
    if (message == null) {
      message = json == null ? "response without a JSON body" : "no error details";
    }
    throw CloudflareException.fromResponse(endpoint, status, code, message, retryAfter(retryAfter, now));
  }

  /** Observability errors say {@code message: "Bad Request"} and put the reason in {@code detail}. */
  private static String errorText(JsonObject error) {
    String message = error.getValue("message") instanceof String s ? s : null;
    String detail = error.getValue("detail") instanceof String s ? s : null;
    if (message != null && detail != null && !detail.isBlank()) {
      return message + ": " + detail;
    }
    return message != null ? message : Objects.requireNonNullElse(detail, "unknown error");
  }

  /**
   * The body as a JSON object (null when it is not one), without any {@code series} member: the
   * per-interval points Workers Observability adds to every calculation are never read here, and
   * building them was most of the cost of reading a telemetry answer (a profile of a hundred
   * Workers per query put half the poller's time there).
   */
  static JsonObject parseObject(Buffer body) {
    if (body == null || body.length() == 0) {
      return null;
    }
    try (JsonParser parser = JSON.createParser(body.getBytes())) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      JsonObject object = new JsonObject(readObject(parser));
      return parser.nextToken() == null ? object : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static final JsonFactory JSON = new JsonFactory();
  private static final String SKIPPED = "series";

  private static Map<String, Object> readObject(JsonParser parser) throws IOException {
    Map<String, Object> map = new LinkedHashMap<>();
    for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      if (SKIPPED.equals(name)) {
        parser.skipChildren();
        continue;
      }
      map.put(name, readValue(parser, value));
    }
    return map;
  }

  private static Object readValue(JsonParser parser, JsonToken token) throws IOException {
    return switch (token) {
      case START_OBJECT -> new JsonObject(readObject(parser));
      case START_ARRAY -> {
        List<Object> list = new ArrayList<>();
        for (JsonToken item = parser.nextToken(); item != JsonToken.END_ARRAY; item = parser.nextToken()) {
          list.add(readValue(parser, item));
        }
        yield new JsonArray(list);
      }
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT -> parser.getNumberValue();
      case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw new IOException("unexpected " + token);
    };
  }

  /**
   * {@code retry-after} as seconds or as an HTTP date; null when absent or unreadable. A date in
   * the past is zero.
   */
  public static Duration retryAfter(String header, Instant now) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String value = header.trim();
    try {
      double seconds = Double.parseDouble(value);
      return seconds < 0 || Double.isNaN(seconds) || Double.isInfinite(seconds)
        ? null : Duration.ofMillis((long) Math.ceil(seconds * 1000));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
      } catch (DateTimeParseException notDate) {
        return null;
      }
    }
  }

  // ---- versions

  /** {@code result} of the versions list: {@code {"items": [...]}}, newest first. */
  public static List<WorkerVersion> versions(Object result) {
    JsonArray items;
    if (result instanceof JsonObject o && o.getValue("items") instanceof JsonArray a) {
      items = a;
    } else if (result instanceof JsonArray a) {
      // Older Workers endpoints return the bare list; accept it rather than fail a rollout over it.
      items = a;
    } else {
      throw new IllegalStateException("versions result has no items list");
    }
    List<WorkerVersion> out = new ArrayList<>(items.size());
    for (Object item : items) {
      out.add(version(object(item, "version")));
    }
    return out;
  }

  public static WorkerVersion version(JsonObject json) {
    JsonObject metadata = json.getValue("metadata") instanceof JsonObject m ? m : new JsonObject();
    JsonObject annotations = json.getValue("annotations") instanceof JsonObject a ? a : new JsonObject();
    int number = json.getValue("number") instanceof Number n ? n.intValue() : 0;
    return new WorkerVersion(
      requiredText(json, "id"),
      number,
      instant(metadata.getValue("created_on")),
      text(annotations, ANNOTATION_MESSAGE),
      text(metadata, "source"),
      text(annotations, ANNOTATION_TAG));
  }

  /**
   * Whether a versions page is followed by another. {@code result_info} carries only
   * {@code page} and {@code per_page} on this endpoint, so a short page is the usual end; a
   * {@code total_pages} or {@code total_count}, when present, is trusted first.
   */
  public static boolean hasNextPage(JsonObject resultInfo, int page, int perPage, int itemsOnPage) {
    if (itemsOnPage == 0) {
      return false;
    }
    if (resultInfo != null) {
      if (resultInfo.getValue("total_pages") instanceof Number totalPages) {
        return page < totalPages.intValue();
      }
      if (resultInfo.getValue("total_count") instanceof Number totalCount) {
        int served = resultInfo.getValue("per_page") instanceof Number p ? p.intValue() : perPage;
        return (long) page * served < totalCount.longValue();
      }
      if (resultInfo.getValue("per_page") instanceof Number served) {
        return itemsOnPage >= served.intValue();
      }
    }
    return itemsOnPage >= perPage;
  }

  // ---- deployments

  /** {@code result} of the deployments list: {@code {"deployments": [...]}}, newest (serving) first. */
  public static List<WorkerDeployment> deployments(Object result) {
    if (!(result instanceof JsonObject o) || !(o.getValue("deployments") instanceof JsonArray items)) {
      throw new IllegalStateException("deployments result has no deployments list");
    }
    List<WorkerDeployment> out = new ArrayList<>(items.size());
    for (Object item : items) {
      out.add(deployment(object(item, "deployment")));
    }
    return out;
  }

  public static WorkerDeployment deployment(JsonObject json) {
    if (!(json.getValue("versions") instanceof JsonArray versions)) {
      throw new IllegalStateException("deployment without versions");
    }
    List<VersionSplit> splits = new ArrayList<>(versions.size());
    for (Object item : versions) {
      JsonObject v = object(item, "deployment version");
      if (!(v.getValue("percentage") instanceof Number percentage)) {
        throw new IllegalStateException("deployment version without a percentage");
      }
      splits.add(new VersionSplit(requiredText(v, "version_id"), (int) Math.round(percentage.doubleValue())));
    }
    JsonObject annotations = json.getValue("annotations") instanceof JsonObject a ? a : new JsonObject();
    return new WorkerDeployment(
      requiredText(json, "id"),
      instant(json.getValue("created_on")),
      splits,
      text(annotations, ANNOTATION_MESSAGE),
      text(json, "source"),
      text(json, "author_email"));
  }

  /**
   * The body of a new deployment. Validates what Cloudflare would refuse, so a bad split fails
   * here, before it spends a request: one or two versions, percentages summing to 100, a message
   * within 1000 bytes.
   */
  public static JsonObject deploymentBody(List<VersionSplit> versions, String message) {
    if (versions == null || versions.isEmpty() || versions.size() > 2) {
      throw new IllegalArgumentException("a deployment holds one or two versions");
    }
    if (versions.stream().mapToInt(VersionSplit::percentage).sum() != 100) {
      throw new IllegalArgumentException("deployment percentages must sum to 100");
    }
    if (versions.size() == 2 && versions.get(0).versionId().equals(versions.get(1).versionId())) {
      throw new IllegalArgumentException("a deployment cannot list the same version twice");
    }
    JsonArray splits = new JsonArray();
    for (VersionSplit v : versions) {
      splits.add(new JsonObject().put("percentage", v.percentage()).put("version_id", v.versionId()));
    }
    JsonObject body = new JsonObject().put("strategy", "percentage").put("versions", splits);
    if (message != null) {
      if (message.getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE_BYTES) {
        throw new IllegalArgumentException("workers/message is limited to " + MAX_MESSAGE_BYTES + " bytes");
      }
      body.put("annotations", new JsonObject().put(ANNOTATION_MESSAGE, message));
    }
    return body;
  }

  // ---- tokens

  public static TokenStatus tokenStatus(Object result) {
    JsonObject json = object(result, "token");
    return new TokenStatus(requiredText(json, "id"), requiredText(json, "status"));
  }

  // ---- helpers

  static JsonObject object(Object value, String what) {
    if (value instanceof JsonObject o) {
      return o;
    }
    throw new IllegalStateException(what + " is not an object");
  }

  static String text(JsonObject json, String key) {
    return json.getValue(key) instanceof String s ? s : null;
  }

  static String requiredText(JsonObject json, String key) {
    String value = text(json, key);
    if (value == null || value.isEmpty()) {
      throw new IllegalStateException("missing " + key);
    }
    return value;
  }

  /** Cloudflare writes RFC 3339 with a {@code Z} and up to nanoseconds; an offset is accepted too. */
  static Instant instant(Object value) {
    if (!(value instanceof String s) || s.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(s).toInstant();
      } catch (DateTimeParseException e2) {
        throw new IllegalStateException("unreadable timestamp " + s);
      }
    }
  }
}
