package dev.hmd.sim;

/** A refused telemetry query: the observability endpoints answer without an error code. */
final class ObservabilityException extends RuntimeException {

  final int status;

  ObservabilityException(String detail) {
    this(400, detail);
  }

  ObservabilityException(int status, String detail) {
    super(detail, null, false, false);
    this.status = status;
  }
}
