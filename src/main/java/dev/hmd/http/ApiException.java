package dev.hmd.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A failure the client should see as RFC 9457 problem+json. Thrown (or failed with) anywhere in
 * a request; the router's failure handler writes it.
 */
public final class ApiException extends RuntimeException {

  /** One validation problem: a field path such as {@code stages[2].targetPercent} and why. */
  public record FieldError(String field, String message) {
  }

  private final int status;
  private final String title;
  private final List<FieldError> errors;
  private final Integer retryAfterSeconds;

  public ApiException(int status, String title, String detail, List<FieldError> errors, Integer retryAfterSeconds) {
    super(detail, null, false, false);
    this.status = status;
    this.title = title;
    this.errors = List.copyOf(errors);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static ApiException badRequest(String detail) {
    return new ApiException(400, "Bad Request", detail, List.of(), null);
  }

  public static ApiException invalid(List<FieldError> errors) {
    String detail = errors.size() == 1
      ? errors.get(0).field() + ": " + errors.get(0).message()
      : errors.size() + " fields are invalid";
    return new ApiException(400, "Invalid input", detail, errors, null);
  }

  public static ApiException invalid(String field, String message) {
    return invalid(List.of(new FieldError(field, message)));
  }

  public static ApiException unauthorized(String detail) {
    return new ApiException(401, "Unauthorized", detail, List.of(), null);
  }

  public static ApiException forbidden(String detail) {
    return new ApiException(403, "Forbidden", detail, List.of(), null);
  }

  public static ApiException notFound(String detail) {
    return new ApiException(404, "Not Found", detail, List.of(), null);
  }

  public static ApiException conflict(String detail) {
    return new ApiException(409, "Conflict", detail, List.of(), null);
  }

  public static ApiException tooManyRequests(int retryAfterSeconds) {
    return new ApiException(429, "Too Many Requests", "rate limit exceeded; retry in " + retryAfterSeconds + " s",
      List.of(), retryAfterSeconds);
  }

  /** A 429 that says which limit, with the seconds to wait. */
  public static ApiException tooManyRequests(int retryAfterSeconds, String detail) {
    return new ApiException(429, "Too Many Requests", detail, List.of(), retryAfterSeconds);
  }

  public static ApiException badGateway(String detail) {
    return new ApiException(502, "Bad Gateway", detail, List.of(), null);
  }

  public int status() {
    return status;
  }

  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public JsonObject toJson() {
    JsonObject body = new JsonObject()
      .put("type", Problems.TYPE_BASE + status)
      .put("title", title)
      .put("status", status)
      .put("detail", getMessage());
    if (!errors.isEmpty()) {
      JsonArray items = new JsonArray();
      errors.forEach(e -> items.add(new JsonObject().put("field", e.field()).put("message", e.message())));
      body.put("errors", items);
    }
    return body;
  }
}
