package dev.hmd.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A validated telemetry query. Every way a body can be wrong becomes an
 * {@link ObservabilityException} whose detail names the field.
 */
record TelemetryQuery(String queryId, long from, long to, String view, boolean dry, boolean ignoreSeries,
                      boolean workersDataset, Filter filter, List<Filter.Leaf> wallLeaves,
                      List<Filter.Leaf> cpuLeaves, List<Calculation> calculations, List<GroupBy> groupBys,
                      List<Having> havings, OrderBy orderBy, Integer limit, JsonObject parameters) {

  static final String DATASET = "cloudflare-workers";
  static final Set<String> VIEWS = Set.of("calculations", "events", "invocations", "traces", "requests", "agents");
  static final int MAX_LIMIT = 2000;
  static final int MAX_FILTER_DEPTH = 4;

  /** @param key null when no simulated invocation has the key */
  record Calculation(Operator operator, String keyName, TelemetryKey key, String alias) {
  }

  record GroupBy(String keyName, TelemetryKey key) {
  }

  record Having(String calculation, Filter.Op op, double value) {
  }

  record OrderBy(String calculation, boolean descending) {
  }

  static TelemetryQuery parse(JsonObject body) {
    if (body == null) {
      throw new ObservabilityException("the body must be a JSON object");
    }
    String queryId = body.getValue("queryId") instanceof String id && !id.isBlank() ? id : null;
    if (queryId == null) {
      throw new ObservabilityException("queryId is required");
    }
    if (!(body.getValue("timeframe") instanceof JsonObject timeframe)
      || !(timeframe.getValue("from") instanceof Number from) || !(timeframe.getValue("to") instanceof Number to)) {
      throw new ObservabilityException("timeframe is required: {from, to} in Unix milliseconds");
    }
    if (!unixMillis(from) || !unixMillis(to)) {
      throw new ObservabilityException("timeframe.from and timeframe.to must be Unix milliseconds");
    }
    if (from.longValue() >= to.longValue()) {
      throw new ObservabilityException("timeframe.from must be before timeframe.to");
    }
    Object view = body.getValue("view", "calculations");
    if (!(view instanceof String name) || !VIEWS.contains(name)) {
      throw new ObservabilityException("view must be one of " + String.join(", ", VIEWS.stream().sorted().toList()));
    }
    limit(body.getValue("limit"), "limit");
    Object parametersValue = body.getValue("parameters", new JsonObject());
    if (!(parametersValue instanceof JsonObject parameters)) {
      throw new ObservabilityException("parameters must be an object");
    }
    FilterParser filters = new FilterParser();
    Filter filter = filters.group(parameters.getValue("filterCombination"), parameters.getValue("filters"),
      "parameters.filters", 0);
    List<Calculation> calculations = calculations(parameters.getValue("calculations"));
    return new TelemetryQuery(queryId, from.longValue(), to.longValue(), (String) view,
      flag(body, "dry"), flag(body, "ignoreSeries"), includesWorkers(parameters.getValue("datasets")), filter,
      filters.wallLeaves, filters.cpuLeaves, calculations, groupBys(parameters.getValue("groupBys")),
      havings(parameters.getValue("havings"), calculations), orderBy(parameters.getValue("orderBy"), calculations),
      limit(parameters.getValue("limit"), "parameters.limit"), parameters);
  }

  /** Between 1970 and the year 5138: anything else is not a time in milliseconds. */
  private static boolean unixMillis(Number value) {
    return value.doubleValue() >= 0 && value.doubleValue() <= 1e14;
  }

  private static boolean flag(JsonObject body, String name) {
    Object value = body.getValue(name, false);
    if (!(value instanceof Boolean flag)) {
      throw new ObservabilityException(name + " must be a boolean");
    }
    return flag;
  }

  private static Integer limit(Object value, String field) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number number) || number.doubleValue() != Math.rint(number.doubleValue())
      || number.longValue() < 1 || number.longValue() > MAX_LIMIT) {
      throw new ObservabilityException(field + " must be an integer from 1 to " + MAX_LIMIT);
    }
    return number.intValue();
  }

  /** An empty or absent list means every dataset. */
  private static boolean includesWorkers(Object value) {
    if (value == null) {
      return true;
    }
    JsonArray datasets = array(value, "parameters.datasets");
    for (Object dataset : datasets) {
      if (!(dataset instanceof String)) {
        throw new ObservabilityException("parameters.datasets must hold strings");
      }
    }
    return datasets.isEmpty() || datasets.contains(DATASET);
  }

  private static List<Calculation> calculations(Object value) {
    List<Calculation> calculations = new ArrayList<>();
    JsonArray items = value == null ? new JsonArray() : array(value, "parameters.calculations");
    for (int i = 0; i < items.size(); i++) {
      String at = "parameters.calculations[" + i + "]";
      JsonObject item = object(items.getValue(i), at);
      String operatorName = string(item, "operator", at, true);
      Operator operator = Operator.parse(operatorName).orElseThrow(() -> new ObservabilityException(at
        + ".operator: unknown operator " + operatorName
          + (operatorName.equalsIgnoreCase("p50") ? " (use median)" : "")));
      String keyName = string(item, "key", at, false);
      if (keyName == null && operator != Operator.COUNT) {
        throw new ObservabilityException(at + ".key is required for " + operator.wireName());
      }
      TelemetryKey key = keyName == null ? null : TelemetryKey.of(keyName).orElse(null);
      if (operator.numeric() && key != null && key.type == TelemetryKey.Type.STRING) {
        throw new ObservabilityException(at + ": " + operator.wireName() + " needs a number key, " + keyName
          + " is a string");
      }
      String alias = string(item, "alias", at, false);
      calculations.add(new Calculation(operator, keyName, key, alias == null ? "" : alias));
    }
    return calculations;
  }

  private static List<GroupBy> groupBys(Object value) {
    List<GroupBy> groupBys = new ArrayList<>();
    JsonArray items = value == null ? new JsonArray() : array(value, "parameters.groupBys");
    for (int i = 0; i < items.size(); i++) {
      String at = "parameters.groupBys[" + i + "]";
      String keyName = string(object(items.getValue(i), at), "value", at, true);
      TelemetryKey key = TelemetryKey.of(keyName).orElse(null);
      if (key != null && key.type == TelemetryKey.Type.MEASURE) {
        // [U] the simulator keeps times as histograms, which cannot be grouped by value
        throw new ObservabilityException(at + ": grouping by " + keyName + " is not supported");
      }
      groupBys.add(new GroupBy(keyName, key));
    }
    return groupBys;
  }

  private static List<Having> havings(Object value, List<Calculation> calculations) {
    List<Having> havings = new ArrayList<>();
    JsonArray items = value == null ? new JsonArray() : array(value, "parameters.havings");
    for (int i = 0; i < items.size(); i++) {
      String at = "parameters.havings[" + i + "]";
      JsonObject item = object(items.getValue(i), at);
      String calculation = calculationName(string(item, "key", at, true), calculations, at + ".key");
      Filter.Op op = Filter.Op.parse(string(item, "operation", at, true));
      if (op == null || !Set.of(Filter.Op.EQ, Filter.Op.NEQ, Filter.Op.GT, Filter.Op.GTE, Filter.Op.LT, Filter.Op.LTE)
        .contains(op)) {
        throw new ObservabilityException(at + ".operation must be one of eq, neq, gt, gte, lt, lte");
      }
      if (!(item.getValue("value") instanceof Number number)) {
        throw new ObservabilityException(at + ".value must be a number");
      }
      havings.add(new Having(calculation, op, number.doubleValue()));
    }
    return havings;
  }

  private static OrderBy orderBy(Object value, List<Calculation> calculations) {
    if (value == null) {
      return null;
    }
    JsonObject item = object(value, "parameters.orderBy");
    String calculation = calculationName(string(item, "value", "parameters.orderBy", true), calculations,
      "parameters.orderBy.value");
    Object order = item.getValue("order", "desc");
    if (!"asc".equals(order) && !"desc".equals(order)) {
      throw new ObservabilityException("parameters.orderBy.order must be asc or desc");
    }
    return new OrderBy(calculation, "desc".equals(order));
  }

  /** A calculation is named by its alias, or by its operator when it has none. */
  private static String calculationName(String name, List<Calculation> calculations, String field) {
    for (Calculation calculation : calculations) {
      if (name.equals(calculation.alias()) || name.equalsIgnoreCase(calculation.operator().wireName())) {
        return name;
      }
    }
    throw new ObservabilityException(field + ": no calculation is named " + name);
  }

  static JsonArray array(Object value, String field) {
    if (!(value instanceof JsonArray array)) {
      throw new ObservabilityException(field + " must be an array");
    }
    return array;
  }

  static JsonObject object(Object value, String field) {
    if (!(value instanceof JsonObject object)) {
      throw new ObservabilityException(field + " must be an object");
    }
    return object;
  }

  static String string(JsonObject object, String name, String at, boolean required) {
    Object value = object.getValue(name);
    if (value == null && !required) {
      return null;
    }
    if (!(value instanceof String text) || text.isEmpty()) {
      throw new ObservabilityException(at + "." + name + (required ? " is required and" : "") + " must be a string");
    }
    return text;
  }

  /** Parses the (possibly nested) filters, numbering the leaves on each measure. */
  private static final class FilterParser {
    final List<Filter.Leaf> wallLeaves = new ArrayList<>();
    final List<Filter.Leaf> cpuLeaves = new ArrayList<>();

    Filter group(Object combination, Object filters, String at, int depth) {
      if (depth > MAX_FILTER_DEPTH) {
        throw new ObservabilityException(at + ": filters nest at most " + MAX_FILTER_DEPTH + " deep");
      }
      Object mode = combination == null ? "and" : combination;
      if (!(mode instanceof String text) || !Set.of("and", "or").contains(text.toLowerCase(Locale.ROOT))) {
        throw new ObservabilityException(at + ": filterCombination must be and or or");
      }
      List<Filter> children = new ArrayList<>();
      JsonArray items = filters == null ? new JsonArray() : array(filters, at);
      for (int i = 0; i < items.size(); i++) {
        String itemAt = at + "[" + i + "]";
        JsonObject item = object(items.getValue(i), itemAt);
        if ("group".equals(item.getValue("kind"))) {
          children.add(
            group(item.getValue("filterCombination"), item.getValue("filters"), itemAt + ".filters", depth + 1));
        } else {
          children.add(leaf(item, itemAt));
        }
      }
      return new Filter.Group(((String) mode).equalsIgnoreCase("and"), children);
    }

    private Filter.Leaf leaf(JsonObject item, String at) {
      String keyName = string(item, "key", at, true);
      String opName = string(item, "operation", at, true);
      Filter.Op op = Filter.Op.parse(opName);
      if (op == null) {
        throw new ObservabilityException(at + ".operation: unknown operation " + opName);
      }
      Object type = item.getValue("type");
      if (type != null && !Set.of("string", "number", "boolean").contains(type)) {
        throw new ObservabilityException(at + ".type must be string, number or boolean");
      }
      TelemetryKey key = TelemetryKey.of(keyName).orElse(null);
      List<Object> values = values(item.getValue("value"), op, at);
      if (key != null && key.type != TelemetryKey.Type.STRING && op.comparesNumbers()) {
        for (Object value : values) {
          if (Filter.Leaf.asNumber(value) == null) {
            throw new ObservabilityException(at + ".value: " + keyName + " is a number, " + value + " is not");
          }
        }
      }
      Pattern pattern = op == Filter.Op.REGEX ? pattern(values.get(0), at) : null;
      List<Filter.Leaf> slots = key == TelemetryKey.WALL_TIME ? wallLeaves
        : key == TelemetryKey.CPU_TIME ? cpuLeaves : null;
      if (slots != null && slots.size() == Long.SIZE) {
        throw new ObservabilityException(at + ": too many filters on " + keyName);
      }
      Filter.Leaf leaf = new Filter.Leaf(keyName, key, op, values, pattern, slots == null ? -1 : slots.size());
      if (slots != null) {
        slots.add(leaf);
      }
      return leaf;
    }

    /** {@code in} takes an array or a comma-separated string [U]; other operations one value. */
    private static List<Object> values(Object value, Filter.Op op, String at) {
      if (!op.needsValue()) {
        return List.of();
      }
      if (value == null || value instanceof JsonObject) {
        throw new ObservabilityException(at + ".value is required for " + op.name().toLowerCase(Locale.ROOT));
      }
      boolean many = op == Filter.Op.IN || op == Filter.Op.NOT_IN;
      if (value instanceof JsonArray array) {
        if (!many || array.isEmpty()) {
          throw new ObservabilityException(at + ".value must be a single value");
        }
        return array.getList();
      }
      if (many && value instanceof String text) {
        return Arrays.stream(text.split(",")).map(String::trim).map(part -> (Object) part).toList();
      }
      return List.of(value);
    }

    private static Pattern pattern(Object value, String at) {
      try {
        return Pattern.compile(String.valueOf(value));
      } catch (PatternSyntaxException e) {
        throw new ObservabilityException(at + ".value is not a valid regular expression");
      }
    }
  }
}
