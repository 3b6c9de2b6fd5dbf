package dev.hmd.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A plain-text table with aligned columns, as the benchmarks print it (and as Markdown for the docs). */
final class Table {

  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... header) {
    this.header = List.of(header);
  }

  Table row(Object... cells) {
    List<String> row = new ArrayList<>();
    Arrays.stream(cells).forEach(c -> row.add(c == null ? "-" : String.valueOf(c)));
    while (row.size() < header.size()) {
      row.add("");
    }
    rows.add(row);
    return this;
  }

  void print(PrintStream out) {
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = header.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    out.println(line(header, widths));
    StringBuilder rule = new StringBuilder();
    for (int i = 0; i < widths.length; i++) {
      rule.append(i == 0 ? "" : "  ").append("-".repeat(widths[i]));
    }
    out.println(rule);
    rows.forEach(r -> out.println(line(r, widths)));
  }

  String markdown() {
    StringBuilder md = new StringBuilder("| ").append(String.join(" | ", header)).append(" |\n|");
    header.forEach(h -> md.append(" --- |"));
    md.append('\n');
    rows.forEach(r -> md.append("| ").append(String.join(" | ", r)).append(" |\n"));
    return md.toString();
  }

  private static String line(List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String cell = cells.get(i);
      if (i > 0) {
        line.append("  ");
      }
      // the first column is a label (left-aligned), the others figures (right-aligned)
      line.append(i == 0 ? cell + " ".repeat(widths[i] - cell.length()) : " ".repeat(widths[i] - cell.length()) + cell);
    }
    return line.toString().stripTrailing();
  }
}
