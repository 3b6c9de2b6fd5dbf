package dev.hmd.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR recording of a measurement window (the JDK's "profile" settings: execution samples every
 * 10 ms per running thread, allocation and lock events) and a summary of where the samples fall:
 * by the method on top of the stack (where CPU goes), by the first frame of our own code (which
 * of our calls leads there) and by thread. The recording is kept for {@code jfr print} or JMC.
 */
final class Profiler implements AutoCloseable {

  private static final int TOP = 15;
  private static final String OWN = "dev.hmd.";

  private final Recording recording;
  private final Path file;

  private Profiler(Recording recording, Path file) {
    this.recording = recording;
    this.file = file;
  }

  /** Starts recording now, or returns null when {@code enabled} is false. */
  static Profiler startIf(boolean enabled, Path file) {
    if (!enabled) {
      return null;
    }
    try {
      Files.createDirectories(file.getParent());
      Recording recording = new Recording(Configuration.getConfiguration("profile"));
      recording.setName("hmd-bench");
      recording.start();
      return new Profiler(recording, file);
    } catch (IOException | ParseException e) {
      throw new IllegalStateException("cannot start a JFR recording: " + e.getMessage(), e);
    }
  }

  /** Stops, writes the recording and summarises its execution samples. */
  JsonObject stop() {
    try {
      recording.stop();
      recording.dump(file);
      recording.close();
      return summarise(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    recording.close();
  }

  static JsonObject summarise(Path file) throws IOException {
    Map<String, Integer> topFrames = new HashMap<>();
    Map<String, Integer> ownFrames = new HashMap<>();
    Map<String, Integer> threads = new HashMap<>();
    Map<String, Integer> packages = new HashMap<>();
    long gcPauseNanos = 0;
    int samples = 0;
    for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
      String type = event.getEventType().getName();
      if (type.equals("jdk.GCPhasePause")) {
        gcPauseNanos += event.getDuration().toNanos();
      }
      if (!type.equals("jdk.ExecutionSample")) {
        continue;
      }
      RecordedStackTrace stack = event.getStackTrace();
      if (stack == null || stack.getFrames().isEmpty()) {
        continue;
      }
      samples++;
      List<RecordedFrame> frames = stack.getFrames();
      topFrames.merge(name(frames.get(0)), 1, Integer::sum);
      String own = "(no dev.hmd frame: Netty, JDK, Vert.x internals)";
      String ownPackage = "(none)";
      for (RecordedFrame frame : frames) {
        String className = frame.getMethod().getType().getName();
        if (className.startsWith(OWN)) {
          own = name(frame);
          ownPackage = className.substring(OWN.length(), Math.max(OWN.length(), className.indexOf('.', OWN.length())));
          break;
        }
      }
      ownFrames.merge(own, 1, Integer::sum);
      packages.merge(ownPackage, 1, Integer::sum);
      String thread = event.getThread("sampledThread") == null ? "?" : event.getThread("sampledThread").getJavaName();
      threads.merge(thread == null ? "?" : thread.replaceAll("-\\d+$", "-N"), 1, Integer::sum);
    }
    return new JsonObject().put("recording", file.toString()).put("executionSamples", samples)
      .put("gcPauseMillis", gcPauseNanos / 1_000_000)
      .put("topOfStack", top(topFrames, samples))
      .put("firstOwnFrame", top(ownFrames, samples))
      .put("firstOwnPackage", top(packages, samples))
      .put("threads", top(threads, samples));
  }

  private static String name(RecordedFrame frame) {
    String type = frame.getMethod().getType().getName();
    return type.substring(type.lastIndexOf('.', type.lastIndexOf('.') - 1) + 1) + "." + frame.getMethod().getName();
  }

  private static JsonArray top(Map<String, Integer> counts, int total) {
    JsonArray top = new JsonArray();
    counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(TOP)
      .forEach(e -> top.add(new JsonObject().put("frame", e.getKey()).put("samples", e.getValue())
        .put("percent", Report.round(100.0 * e.getValue() / Math.max(1, total)))));
    return top;
  }

  /** The summary as lines for the console. */
  static List<String> lines(JsonObject summary) {
    List<String> lines = new java.util.ArrayList<>();
    lines.add("profile: " + summary.getInteger("executionSamples") + " execution samples, GC pauses "
      + summary.getLong("gcPauseMillis") + " ms; recording " + summary.getString("recording"));
    for (String section : List.of("topOfStack", "firstOwnFrame", "firstOwnPackage", "threads")) {
      lines.add("  " + section + ":");
      summary.getJsonArray(section).stream().limit(10).map(JsonObject.class::cast).forEach(e -> lines.add(String.format(
        Locale.ROOT, "    %5.1f%%  %s", e.getDouble("percent"), e.getString("frame"))));
    }
    return lines;
  }
}
