package dev.hmd.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A Cloudflare API error answer: HTTP status plus one error item. The codes Cloudflare is known
 * to use are marked [V] or [P] in docs/cloudflare-api.md; the ones marked [U] here are the
 * simulator's own choice where Cloudflare's code is not known.
 */
final class CfException extends RuntimeException {

  static final int AUTHENTICATION = 10000;
  static final int INVALID_HEADERS = 6003;
  static final int NO_ROUTE = 7003;
  static final int WORKER_NOT_FOUND = 10007;
  static final int RATE_LIMITED = 971;
  /** [U] any injected or unexpected server error. */
  static final int INTERNAL = 10013;
  /** [U] the body is not a JSON object, or is too large. */
  static final int MALFORMED_BODY = 10020;
  /** [U] strategy missing or not "percentage". */
  static final int INVALID_STRATEGY = 10021;
  /** [U] versions missing, not an array, or not 1 or 2 entries. */
  static final int INVALID_VERSION_COUNT = 10022;
  /** [U] a percentage missing, not a number, outside 0..100, or the sum not 100. */
  static final int INVALID_PERCENTAGE = 10023;
  /** [U] the same version twice. */
  static final int DUPLICATE_VERSION = 10024;
  /** [U] a version id unknown, or not among the Worker's last 100 versions. */
  static final int VERSION_NOT_DEPLOYABLE = 10025;
  /** [U] annotations not an object, or workers/message over 1000 bytes. */
  static final int INVALID_ANNOTATIONS = 10026;
  /** [U] page, per_page or deployable not valid. */
  static final int INVALID_QUERY = 10027;
  /** [U] GET of a version id the Worker does not have. */
  static final int VERSION_NOT_FOUND = 10030;

  final int status;
  final int code;
  final String pointer;
  final long retryAfterSeconds;
  private final JsonArray errorChain;

  CfException(int status, int code, String message) {
    this(status, code, message, null, 0, null);
  }

  private CfException(int status, int code, String message, String pointer, long retryAfterSeconds,
                      JsonArray errorChain) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.pointer = pointer;
    this.retryAfterSeconds = retryAfterSeconds;
    this.errorChain = errorChain;
  }

  static CfException invalid(int code, String message, String pointer) {
    return new CfException(400, code, message, pointer, 0, null);
  }

  static CfException authentication() {
    return new CfException(401, AUTHENTICATION, "Authentication error");
  }

  static CfException forbidden() {
    return new CfException(403, AUTHENTICATION, "Authentication error");
  }

  static CfException badAuthorizationHeader() {
    return new CfException(400, INVALID_HEADERS, "Invalid request headers", null, 0,
      new JsonArray()
        .add(new JsonObject().put("code", 6111).put("message", "Invalid format for Authorization header")));
  }

  static CfException noRoute(String path) {
    return new CfException(404, NO_ROUTE,
      "Could not route to " + path + ", perhaps your object identifier is invalid?");
  }

  static CfException workerNotFound() {
    return new CfException(404, WORKER_NOT_FOUND, "This Worker does not exist on your account.");
  }

  static CfException rateLimited(long retryAfterSeconds) {
    return new CfException(429, RATE_LIMITED, "Please wait and consider throttling your request speed", null,
      retryAfterSeconds, null);
  }

  JsonObject toErrorItem() {
    JsonObject item = new JsonObject().put("code", code).put("message", getMessage());
    if (pointer != null) {
      item.put("source", new JsonObject().put("pointer", pointer));
    }
    if (errorChain != null) {
      item.put("error_chain", errorChain);
    }
    return item;
  }
}
