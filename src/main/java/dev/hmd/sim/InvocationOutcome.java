package dev.hmd.sim;

/**
 * How one invocation ended, as the telemetry shows it. A server error is a Worker that caught its
 * exception and answered 500 itself: Cloudflare sees outcome {@code ok}, only the status tells.
 */
enum InvocationOutcome {
  OK("ok", 200, false),
  SERVER_ERROR("ok", 500, false),
  EXCEPTION("exception", 500, true);

  final String wireName;
  final int status;
  final boolean threw;

  InvocationOutcome(String wireName, int status, boolean threw) {
    this.wireName = wireName;
    this.status = status;
    this.threw = threw;
  }

  /** Whether the invocation answered a 5xx, whichever way it got there. */
  boolean failed() {
    return status >= 500;
  }

  /**
   * The outcome of a uniform draw {@code u} in [0, 1): one draw for both error kinds, so that a
   * profile without server errors draws exactly the invocations it drew before they existed.
   */
  static InvocationOutcome of(double u, double errorRate, double serverErrorRate) {
    if (u < errorRate) {
      return EXCEPTION;
    }
    return u < errorRate + serverErrorRate ? SERVER_ERROR : OK;
  }
}
