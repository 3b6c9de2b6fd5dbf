package dev.hmd.sim;

import java.util.Locale;
import java.util.Optional;

/** The calculation operators of Workers Observability. There is no p50: Cloudflare calls it median. */
enum Operator {
  COUNT(Double.NaN), UNIQ(Double.NaN), MAX(Double.NaN), MIN(Double.NaN), SUM(Double.NaN), AVG(Double.NaN),
  MEDIAN(0.5), P001(0.001), P01(0.01), P05(0.05), P10(0.10), P25(0.25), P75(0.75), P90(0.90), P95(0.95),
  P99(0.99), P999(0.999), STDDEV(Double.NaN), VARIANCE(Double.NaN);

  /** The quantile an operator stands for; NaN when it is not a quantile. */
  final double quantile;

  Operator(double quantile) {
    this.quantile = quantile;
  }

  /** Accepts both spellings the API does: {@code p99} and {@code P99}, {@code uniq} and {@code COUNT_DISTINCT}. */
  static Optional<Operator> parse(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.equals("count_distinct")) {
      return Optional.of(UNIQ);
    }
    for (Operator operator : values()) {
      if (operator.wireName().equals(lower)) {
        return Optional.of(operator);
      }
    }
    return Optional.empty();
  }

  String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the operator needs a numeric key (all but count and uniq). */
  boolean numeric() {
    return this != COUNT && this != UNIQ;
  }
}
