package dev.hmd.sim;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** A parsed filter tree: leaves on one key each, groups combining them with and/or. */
sealed interface Filter permits Filter.Group, Filter.Leaf {

  /** Three-valued truth, for deciding from the Worker alone whether its traffic can match. */
  enum Truth { TRUE, FALSE, UNKNOWN }

  /** What a query can know about a Worker before reading its traffic. */
  Truth onWorker(SimWorker worker);

  record Group(boolean and, List<Filter> children) implements Filter {

    @Override
    public Truth onWorker(SimWorker worker) {
      if (children.isEmpty()) {
        return Truth.TRUE;
      }
      boolean allDecided = true;
      for (Filter child : children) {
        Truth truth = child.onWorker(worker);
        if (truth == (and ? Truth.FALSE : Truth.TRUE)) {
          return truth;
        }
        allDecided &= truth != Truth.UNKNOWN;
      }
      return allDecided ? (and ? Truth.TRUE : Truth.FALSE) : Truth.UNKNOWN;
    }
  }

  enum Op {
    EQ, NEQ, GT, GTE, LT, LTE, IN, NOT_IN, INCLUDES, NOT_INCLUDES, STARTS_WITH, ENDS_WITH, REGEX, EXISTS,
    NOT_EXISTS, IS_NULL;

    private static final Map<String, Op> ALIASES = Map.ofEntries(
      Map.entry("=", EQ), Map.entry("!=", NEQ), Map.entry(">", GT), Map.entry(">=", GTE), Map.entry("<", LT),
      Map.entry("<=", LTE), Map.entry("does_not_include", NOT_INCLUDES), Map.entry("match_regex", REGEX),
      Map.entry("does_not_exist", NOT_EXISTS));

    static Op parse(String name) {
      String lower = name.toLowerCase(Locale.ROOT);
      Op alias = ALIASES.get(lower);
      if (alias != null) {
        return alias;
      }
      for (Op op : values()) {
        if (op.name().toLowerCase(Locale.ROOT).equals(lower)) {
          return op;
        }
      }
      return null;
    }

    boolean needsValue() {
      return this != EXISTS && this != NOT_EXISTS && this != IS_NULL;
    }

    boolean comparesNumbers() {
      return this == EQ || this == NEQ || this == GT || this == GTE || this == LT || this == LTE || this == IN
        || this == NOT_IN;
    }
  }

  /**
   * One condition. {@code key} is null for a key no simulated invocation has. {@code slot} numbers
   * the leaves on the same measure, so that a bucket's truth over all of them fits in a bit mask.
   *
   * @param values the value, or the values of {@code in} / {@code not_in}
   */
  record Leaf(String keyName, TelemetryKey key, Op op, List<Object> values, Pattern pattern, int slot)
    implements Filter {

    @Override
    public Truth onWorker(SimWorker worker) {
      if (key == null || !key.perWorker()) {
        return Truth.UNKNOWN;
      }
      return test(key.valueOf(worker)) ? Truth.TRUE : Truth.FALSE;
    }

    boolean onMeasure() {
      return key != null && key.type == TelemetryKey.Type.MEASURE;
    }

    /** Whether a value matches; a missing value (null) matches only exists-not and is_null. */
    boolean test(Object value) {
      if (!op.needsValue()) {
        return (value != null) == (op == Op.EXISTS);
      }
      if (value == null) {
        return false;
      }
      return switch (op) {
        case EQ -> equalsAny(value);
        case NEQ -> !equalsAny(value);
        case IN -> equalsAny(value);
        case NOT_IN -> !equalsAny(value);
        case GT -> compare(value, values.get(0)) > 0;
        case GTE -> compare(value, values.get(0)) >= 0;
        case LT -> compare(value, values.get(0)) < 0;
        case LTE -> compare(value, values.get(0)) <= 0;
        case INCLUDES -> text(value).contains(text(values.get(0)));
        case NOT_INCLUDES -> !text(value).contains(text(values.get(0)));
        case STARTS_WITH -> text(value).startsWith(text(values.get(0)));
        case ENDS_WITH -> text(value).endsWith(text(values.get(0)));
        case REGEX -> pattern.matcher(text(value)).find();
        default -> throw new IllegalStateException(op.name());
      };
    }

    private boolean equalsAny(Object value) {
      for (Object expected : values) {
        if (compare(value, expected) == 0) {
          return true;
        }
      }
      return false;
    }

    /** Numbers compare as numbers when both sides are numeric, everything else as text. */
    private static int compare(Object value, Object expected) {
      if (value instanceof Number number) {
        Double other = asNumber(expected);
        if (other != null) {
          return Double.compare(number.doubleValue(), other);
        }
      }
      return text(value).compareTo(text(expected));
    }

    static Double asNumber(Object value) {
      if (value instanceof Number number) {
        return number.doubleValue();
      }
      if (value instanceof String text) {
        try {
          return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
          return null;
        }
      }
      return null;
    }

    private static String text(Object value) {
      return value instanceof Number number ? String.valueOf(CfViews.number(number.doubleValue()))
        : String.valueOf(value);
    }
  }
}
