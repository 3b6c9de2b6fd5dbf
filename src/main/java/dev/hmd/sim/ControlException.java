package dev.hmd.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** A refused control call, answered as problem+json like the service's own API. */
final class ControlException extends RuntimeException {

  static final String CONTENT_TYPE = "application/problem+json";
  private static final String TYPE_BASE = "https://workers-hmd.dev/problems/";

  final int status;
  private final String title;
  private final List<JsonObject> errors;

  ControlException(int status, String title, String detail, List<JsonObject> errors) {
    super(detail, null, false, false);
    this.status = status;
    this.title = title;
    this.errors = errors;
  }

  static ControlException invalid(List<JsonObject> errors) {
    return new ControlException(400, "Bad Request", "the request is not valid", errors);
  }

  static ControlException invalid(String field, String message) {
    return invalid(List.of(new JsonObject().put("field", field).put("message", message)));
  }

  static ControlException notFound(String detail) {
    return new ControlException(404, "Not Found", detail, List.of());
  }

  static ControlException conflict(String detail) {
    return new ControlException(409, "Conflict", detail, List.of());
  }

  JsonObject toJson() {
    JsonObject problem = new JsonObject()
      .put("type", TYPE_BASE + title.toLowerCase().replace(' ', '-'))
      .put("title", title)
      .put("status", status)
      .put("detail", getMessage());
    if (!errors.isEmpty()) {
      problem.put("errors", new JsonArray(List.copyOf(errors)));
    }
    return problem;
  }
}
