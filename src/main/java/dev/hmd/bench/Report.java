package dev.hmd.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A scenario's outcome: tables for people, JSON for tools, notes on targets met or missed. */
final class Report {

  private final String scenario;
  private final JsonObject json;
  private final List<String> titles = new ArrayList<>();
  private final List<Table> tables = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  Report(BenchSettings settings) {
    this.scenario = settings.scenario();
    this.json = new JsonObject().put("scenario", scenario).put("finishedAt", Instant.now().toString())
      .put("machine", Machine.describe()).put("settings", settings.toJson()).put("runs", new JsonArray())
      .put("notes", new JsonArray());
  }

  Report table(String title, Table table) {
    titles.add(title);
    tables.add(table);
    return this;
  }

  Report run(JsonObject run) {
    json.getJsonArray("runs").add(run);
    return this;
  }

  /** A line under the tables, e.g. "target met: ..." (also kept in the JSON). */
  Report note(String note) {
    notes.add(note);
    json.getJsonArray("notes").add(note);
    return this;
  }

  Report put(String key, Object value) {
    json.put(key, value);
    return this;
  }

  JsonObject json() {
    return json;
  }

  List<Table> tables() {
    return tables;
  }

  void print(PrintStream out) {
    out.println();
    for (int i = 0; i < tables.size(); i++) {
      out.println("== " + titles.get(i));
      tables.get(i).print(out);
      out.println();
    }
    notes.forEach(out::println);
  }

  Path write(Path dir) {
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve(scenario + ".json");
      Files.writeString(file, json.encodePrettily() + "\n");
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the results under " + dir, e);
    }
  }

  /** A figure with a sensible number of digits for a table. */
  static String fmt(double value) {
    if (Double.isNaN(value)) {
      return "-";
    }
    double abs = Math.abs(value);
    return String.format(Locale.ROOT, abs >= 100 ? "%.0f" : abs >= 10 ? "%.1f" : abs >= 1 ? "%.2f" : "%.3f", value);
  }

  /** Rounded for the JSON: 3 decimals; null for NaN and infinities (JSON has neither). */
  static Double round(double value) {
    return Double.isFinite(value) ? Math.round(value * 1000) / 1000.0 : null;
  }
}
