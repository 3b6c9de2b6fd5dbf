package dev.hmd.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;

/**
 * The client side of {@code text/event-stream}, the one parser of it (the CLI, the benchmarks and
 * the tests read streams with it): fields until a blank line, which dispatches the event; comments
 * and {@code retry:} hints reported as they come; unknown fields ignored, as the specification says.
 * Feed it the response's chunks ({@link #handler}).
 */
public final class SseParser {

  /** One dispatched event; {@code id} is -1 when the stream has given none yet. */
  public record Event(long id, String type, String data) {
  }

  /** What a stream says. Only {@link #event} must be handled. */
  public interface Listener {
    void event(Event event);

    /** A comment line (a heartbeat), without its colon. */
    default void comment(String text) {
    }

    /** The server's reconnection delay, in milliseconds. */
    default void retry(long millis) {
    }
  }

  private final Listener listener;
  private final StringBuilder data = new StringBuilder();
  private long id = -1;
  private String type = "message";
  private boolean hasData;

  private SseParser(Listener listener) {
    this.listener = listener;
  }

  /** A handler for the response's body chunks that tells {@code listener} what the stream says. */
  public static Handler<Buffer> handler(Listener listener) {
    SseParser parser = new SseParser(listener);
    return RecordParser.newDelimited("\n", line -> parser.line(line.toString(StandardCharsets.UTF_8)));
  }

  private void line(String raw) {
    String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
    if (line.isEmpty()) {
      dispatch();
      return;
    }
    if (line.startsWith(":")) {
      listener.comment(line.substring(1).trim());
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "data" -> {
        data.append(hasData ? "\n" : "").append(value);
        hasData = true;
      }
      case "event" -> type = value;
      case "id" -> id = parseLong(value, id);
      case "retry" -> {
        long millis = parseLong(value, -1);
        if (millis >= 0) {
          listener.retry(millis);
        }
      }
      default -> {
        // unknown fields are ignored
      }
    }
  }

  private void dispatch() {
    if (hasData) {
      listener.event(new Event(id, type, data.toString()));
    }
    data.setLength(0);
    hasData = false;
    type = "message";
  }

  private static long parseLong(String value, long fallback) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
