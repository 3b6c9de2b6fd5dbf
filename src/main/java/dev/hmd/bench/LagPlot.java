package dev.hmd.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Scheduler lag (p50, p99, max) against the number of active releases, as a hand-written SVG. */
final class LagPlot {

  private static final int WIDTH = 720;
  private static final int HEIGHT = 420;
  private static final int LEFT = 70;
  private static final int RIGHT = 30;
  private static final int TOP = 50;
  private static final int BOTTOM = 60;
  private static final String[][] SERIES = {{"p50", "#2b8cbe"}, {"p99", "#e6550d"}, {"max", "#969696"}};

  private LagPlot() {
  }

  static void write(Path file, List<JsonObject> runs, BenchSettings s) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, svg(runs, s));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String svg(List<JsonObject> runs, BenchSettings s) {
    double maxN = runs.stream().mapToDouble(r -> r.getInteger("releases")).max().orElse(1);
    double maxLag = runs.stream().mapToDouble(r -> r.getJsonObject("lagMs").getDouble("max", 0.0)).max().orElse(0);
    double xMax = niceCeiling(maxN);
    double yMax = niceCeiling(Math.max(maxLag, ScaleBench.TARGET_LAG_P99_MS) * 1.05);
    int plotW = WIDTH - LEFT - RIGHT;
    int plotH = HEIGHT - TOP - BOTTOM;
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
    svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">Scheduler lag "
      + "against active releases</text>%n", LEFT));
    svg.append(
      String.format(Locale.ROOT, "<text x=\"%d\" y=\"38\" fill=\"#555\">%d accounts, poll %d s, %d s measured, "
      + "%d cores; lag = check start - due time</text>%n", LEFT, s.accounts(), s.poll(), s.duration(),
      Runtime.getRuntime().availableProcessors()));
    // grid and axes
    for (int i = 0; i <= 5; i++) {
      double v = yMax * i / 5;
      double y = TOP + plotH - plotH * i / 5.0;
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>%n",
        LEFT, y, LEFT + plotW, y));
      svg.append(
        String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 8, y + 4,
        label(v)));
    }
    for (int i = 0; i <= 5; i++) {
      double v = xMax * i / 5;
      double x = LEFT + plotW * i / 5.0;
      svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e0e0e0\"/>%n",
        x, TOP, x, TOP + plotH));
      svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x,
        TOP + plotH + 18, label(v)));
    }
    svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
      + "stroke=\"#333\"/>%n", LEFT, TOP, plotW, plotH));
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">active releases (N)</text>%n",
      LEFT + plotW / 2, HEIGHT - 18));
    svg.append(String.format(Locale.ROOT, "<text transform=\"translate(18,%d) rotate(-90)\" text-anchor=\"middle\">"
      + "lag (ms)</text>%n", TOP + plotH / 2));
    // the target
    double targetY = TOP + plotH - plotH * ScaleBench.TARGET_LAG_P99_MS / yMax;
    svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#d62728\" "
      + "stroke-dasharray=\"6,4\"/>%n", LEFT, targetY, LEFT + plotW, targetY));
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#d62728\">target: p99 "
      + "&lt; 1 s</text>%n", LEFT + plotW - 6, targetY - 6));
    // the series
    for (int k = 0; k < SERIES.length; k++) {
      String key = SERIES[k][0];
      String color = SERIES[k][1];
      StringBuilder points = new StringBuilder();
      for (JsonObject run : runs) {
        double x = LEFT + plotW * run.getInteger("releases") / xMax;
        double y = TOP + plotH - plotH * run.getJsonObject("lagMs").getDouble(key, 0.0) / yMax;
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>N=%d %s "
          + "%.0f ms</title></circle>%n", x, y, color, run.getInteger("releases"), key,
          run.getJsonObject("lagMs").getDouble(key, 0.0)));
      }
      svg.append(
        String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
        points.toString().trim(), color));
      int ly = TOP + 14 + k * 18;
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
        + "stroke-width=\"2\"/>%n", LEFT + 12, ly - 4, LEFT + 36, ly - 4, color));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + 42, ly, key));
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  /** 1, 2 or 5 times a power of ten, at least {@code v}. */
  static double niceCeiling(double v) {
    if (v <= 0) {
      return 1;
    }
    double power = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * power >= v) {
        return m * power;
      }
    }
    return 10 * power;
  }

  private static String label(double v) {
    return v == Math.rint(v) ? String.format(Locale.ROOT, "%,d", (long) v) : String.format(Locale.ROOT, "%.1f", v);
  }
}
