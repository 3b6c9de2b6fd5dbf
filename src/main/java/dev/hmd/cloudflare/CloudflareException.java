package dev.hmd.cloudflare;

import java.time.Duration;
import java.util.Optional;

/**
 * A failed Cloudflare call, typed by {@link Kind} so callers branch on what happened rather than
 * on status codes. The message names the endpoint, the HTTP status, Cloudflare's error code and
 * message; it never holds the API token (texts echoed by the server are redacted by the client).
 */
public final class CloudflareException extends RuntimeException {

  public enum Kind {
    /** 401, or Cloudflare's authentication codes (10000, 6003) on another 4xx. */
    UNAUTHORIZED(false),
    /** 403: the token is valid but lacks a permission. */
    FORBIDDEN(false),
    /** 404 or code 10007: no such script (or account, or route). */
    NOT_FOUND(false),
    /** 429 or code 971, or the client's own budget would have to queue too long. */
    RATE_LIMITED(true),
    /** 5xx. */
    SERVER_ERROR(true),
    /** No response in time (or a 408). */
    TIMEOUT(true),
    /** Any other 4xx, or an unsuccessful envelope on a 2xx. */
    BAD_REQUEST(false),
    /** Connection refused, reset, DNS, TLS: nothing came back. */
    NETWORK(true),
    /** A 2xx whose body is not the envelope the contract describes. */
    INVALID_RESPONSE(false);

    private final boolean retryable;

    Kind(boolean retryable) {
      this.retryable = retryable;
    }

    public boolean retryable() {
      return retryable;
    }
  }

  /** Cloudflare's "Authentication error" code. */
  public static final int CODE_AUTHENTICATION = 10000;
  /** Malformed Authorization header. */
  public static final int CODE_BAD_AUTH_HEADER = 6003;
  /** "This Worker does not exist on your account." */
  public static final int CODE_WORKER_NOT_FOUND = 10007;
  /** "Please wait and consider throttling your request speed." */
  public static final int CODE_RATE_LIMITED = 971;

  private final Kind kind;
  private final String endpoint;
  private final int httpStatus;
  private final Integer code;
  private final String cloudflareMessage;
  private final Duration retryAfter;

  private CloudflareException(Kind kind, String endpoint, int httpStatus, Integer code, String cloudflareMessage,
                              Duration retryAfter, Throwable cause) {
    super(describe(kind, endpoint, httpStatus, code, cloudflareMessage), cause);
    this.kind = kind;
    this.endpoint = endpoint;
    this.httpStatus = httpStatus;
    this.code = code;
    this.cloudflareMessage = cloudflareMessage;
    this.retryAfter = retryAfter;
  }

  /** An answer from Cloudflare that is a failure: a non-2xx status or {@code success: false}. */
  public static CloudflareException fromResponse(String endpoint, int httpStatus, Integer code, String message,
                                                 Duration retryAfter) {
    return new CloudflareException(classify(httpStatus, code), endpoint, httpStatus, code, message, retryAfter, null);
  }

  public static CloudflareException timeout(String endpoint, Throwable cause) {
    return new CloudflareException(Kind.TIMEOUT, endpoint, 0, null, "no response in time", null, cause);
  }

  public static CloudflareException network(String endpoint, Throwable cause) {
    String what = cause == null ? "connection failed" : cause.getClass().getSimpleName();
    return new CloudflareException(Kind.NETWORK, endpoint, 0, null, what, null, cause);
  }

  public static CloudflareException invalidResponse(String endpoint, int httpStatus, String detail) {
    return new CloudflareException(Kind.INVALID_RESPONSE, endpoint, httpStatus, null, detail, null, null);
  }

  /** A script that exists but has never been deployed: there is no serving deployment to read. */
  public static CloudflareException noDeployment(String endpoint) {
    return new CloudflareException(Kind.NOT_FOUND, endpoint, 200, null, "the script has no deployment", null, null);
  }

  /** The client's own per-token budget would have queued this call longer than allowed. */
  public static CloudflareException budgetExhausted(String endpoint, Duration wait) {
    return new CloudflareException(Kind.RATE_LIMITED, endpoint, 0, null,
      "request budget of this token exhausted, next slot in " + wait.toSeconds() + " s", wait, null);
  }

  static Kind classify(int status, Integer code) {
    if (status == 429 || (code != null && code == CODE_RATE_LIMITED)) {
      return Kind.RATE_LIMITED;
    }
    if (status >= 500) {
      return Kind.SERVER_ERROR;
    }
    if (status == 401) {
      return Kind.UNAUTHORIZED;
    }
    if (status == 403) {
      return Kind.FORBIDDEN;
    }
    if (status == 404 || (code != null && code == CODE_WORKER_NOT_FOUND)) {
      return Kind.NOT_FOUND;
    }
    if (status == 408) {
      return Kind.TIMEOUT;
    }
    // Cloudflare sometimes answers a bad token with 400 rather than 401.
    if (code != null && (code == CODE_AUTHENTICATION || code == CODE_BAD_AUTH_HEADER)) {
      return Kind.UNAUTHORIZED;
    }
    return Kind.BAD_REQUEST;
  }

  /**
   * This exception with {@code secret} blanked out of the texts the server sent, in case a proxy
   * or the server echoed the Authorization header. Returns itself when there is nothing to hide.
   */
  CloudflareException redact(String secret) {
    if (secret == null || secret.isEmpty() || cloudflareMessage == null || !cloudflareMessage.contains(secret)) {
      return this;
    }
    return new CloudflareException(kind, endpoint, httpStatus, code, cloudflareMessage.replace(secret, "[redacted]"),
      retryAfter, getCause());
  }

  private static String describe(Kind kind, String endpoint, int status, Integer code, String message) {
    StringBuilder text = new StringBuilder("Cloudflare ").append(endpoint).append(' ').append(kind);
    if (status > 0 || code != null) {
      text.append(" (");
      if (status > 0) {
        text.append("HTTP ").append(status);
      }
      if (code != null) {
        text.append(status > 0 ? ", " : "").append("code ").append(code);
      }
      text.append(')');
    }
    if (message != null && !message.isBlank()) {
      text.append(": ").append(message);
    }
    return text.toString();
  }

  public Kind kind() {
    return kind;
  }

  /** The endpoint template, e.g. {@code deployments.create}. */
  public String endpoint() {
    return endpoint;
  }

  /** The HTTP status, 0 when no response came back. */
  public int httpStatus() {
    return httpStatus;
  }

  /** Cloudflare's error code of the first error, absent for observability errors and transport failures. */
  public Optional<Integer> code() {
    return Optional.ofNullable(code);
  }

  /** Cloudflare's error message (with the observability {@code detail} appended), or what went wrong locally. */
  public String cloudflareMessage() {
    return cloudflareMessage;
  }

  /** How long Cloudflare (or the local budget) asked to wait, when it said. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  public boolean retryable() {
    return kind.retryable();
  }
}
