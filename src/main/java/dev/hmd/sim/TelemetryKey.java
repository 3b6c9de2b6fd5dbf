package dev.hmd.sim;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The telemetry keys a simulated invocation carries. All but the two times are the same for every
 * invocation of a {@link TrafficCell} (one version, one outcome), so they are read off the cell;
 * the times are {@link Type#MEASURE}s, read from the cell's histograms.
 */
enum TelemetryKey {
  SCRIPT_NAME("$workers.scriptName", Type.STRING),
  SERVICE("$metadata.service", Type.STRING),
  VERSION_ID("$workers.scriptVersion.id", Type.STRING),
  VERSION_MESSAGE("$workers.scriptVersion.message", Type.STRING),
  VERSION_TAG("$workers.scriptVersion.tag", Type.STRING),
  OUTCOME("$workers.outcome", Type.STRING),
  EVENT_TYPE("$workers.eventType", Type.STRING),
  RESPONSE_STATUS("$workers.event.response.status", Type.NUMBER),
  STATUS_CODE("$metadata.statusCode", Type.NUMBER),
  TYPE("$metadata.type", Type.STRING),
  ERROR("$metadata.error", Type.STRING),
  WALL_TIME("$workers.wallTimeMs", Type.MEASURE),
  CPU_TIME("$workers.cpuTimeMs", Type.MEASURE);

  enum Type { STRING, NUMBER, MEASURE }

  /** [U] what a simulated exception says. */
  static final String ERROR_MESSAGE = "Error: simulated exception";
  private static final Map<String, TelemetryKey> BY_NAME = Arrays.stream(values())
    .collect(Collectors.toMap(key -> key.wireName, Function.identity()));

  final String wireName;
  final Type type;

  TelemetryKey(String wireName, Type type) {
    this.wireName = wireName;
    this.type = type;
  }

  /** Unknown keys are not an error: no invocation has them, as at Cloudflare. */
  static Optional<TelemetryKey> of(String wireName) {
    return Optional.ofNullable(BY_NAME.get(wireName));
  }

  /** Keys fixed for the whole Worker, which let a query skip Workers without reading traffic. */
  boolean perWorker() {
    return this == SCRIPT_NAME || this == SERVICE;
  }

  /** The value every invocation of the cell has; null when they lack the key. Not for measures. */
  Object valueOf(SimWorker worker, TrafficCell cell) {
    return switch (this) {
      case SCRIPT_NAME, SERVICE -> worker.script;
      case VERSION_ID -> cell.version.id;
      case VERSION_MESSAGE -> cell.version.message;
      case VERSION_TAG -> cell.version.tag;
      case OUTCOME -> cell.outcome.wireName;
      case EVENT_TYPE -> "fetch";
      case RESPONSE_STATUS, STATUS_CODE -> cell.outcome.status;
      case TYPE -> "cf-worker-event";
      case ERROR -> cell.outcome.threw ? ERROR_MESSAGE : null;
      case WALL_TIME, CPU_TIME -> throw new IllegalStateException(wireName + " is per invocation");
    };
  }

  /** The value for a Worker-level key without reading any traffic. */
  Object valueOf(SimWorker worker) {
    return perWorker() ? worker.script : null;
  }
}
