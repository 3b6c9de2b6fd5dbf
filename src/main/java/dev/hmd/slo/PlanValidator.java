package dev.hmd.slo;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Turns an untrusted JSON body (as plain maps and lists, see {@code PlanJson}) into a {@link Plan}, or into every
 * problem it has, one
 * {@link FieldError} per problem with a path such as {@code stages[2].targetPercent}. It never
 * throws on input, however malformed.
 *
 * <p>Unknown fields are ignored, at the top level and inside stages and SLOs: the plan a client
 * GETs carries {@code revision} and {@code updatedAt}, and a client that edits that document and
 * PUTs it back must not be refused for them. The response echoes the plan as understood, so a
 * misspelt field shows up as its default there.
 *
 * <p>{@code stages} and {@code slos} are required (an empty {@code slos} list is allowed but must
 * be said: a release with no health checks should be a choice, not an omission). The scalar
 * settings default to the values of {@link Plan#defaultPlan()}.
 */
public final class PlanValidator {

  public static final int MAX_STAGES = 20;
  public static final int MAX_SLOS = 20;
  /**
   * A week. A soak holds the Worker in a split and a release slot for its whole length; longer
   * than a week is far more likely a unit mistake (milliseconds typed as seconds) than intent,
   * and a person who wants longer can use a manual gate.
   */
  public static final int MAX_SOAK_SECONDS = 7 * 24 * 3600;
  /** The longest a soak may wait for evidence: four of the longest soaks, as the default is four soaks. */
  public static final int MAX_MAX_SOAK_SECONDS = Stage.DEFAULT_MAX_SOAK_FACTOR * MAX_SOAK_SECONDS;
  /** An hour: a check less often than that watches a live split too loosely to be worth it. */
  public static final int MAX_POLL_INTERVAL_SECONDS = 3600;
  public static final int MAX_DESCRIPTION_LENGTH = 200;
  public static final int MAX_MIN_REQUESTS = 1_000_000_000;
  public static final int MAX_FAILURE_THRESHOLD = 1000;
  /** 30 days; {@code null} means wait forever, so a longer finite timeout is never needed. */
  public static final int MAX_APPROVAL_TIMEOUT_SECONDS = 30 * 24 * 3600;
  public static final int MAX_GATES = 10;
  public static final int MAX_GATE_NAME_LENGTH = 100;
  /** A day: a gate holds the release (and the Worker in its split) while it waits. */
  public static final int MAX_GATE_TIMEOUT_SECONDS = 24 * 3600;
  public static final int MAX_URL_LENGTH = 2000;
  public static final int MAX_SMOKE_REQUESTS = 20;
  public static final int MAX_SMOKE_REPEAT = 50;
  /** Requests of one smoke attempt at most ({@code requests} x {@code repeat}): a smoke test, not a load test. */
  public static final int MAX_SMOKE_TOTAL = 200;
  public static final int MAX_SMOKE_PATH_LENGTH = 1000;
  public static final int MAX_EXPECTED_STATUSES = 10;
  public static final List<String> SMOKE_METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
  /**
   * http or https, a host, no user:password@ and no #fragment. The URL is checked as text here (this
   * package does no I/O and knows no URI parser); where it resolves to is checked when it is called.
   */
  private static final Pattern URL = Pattern.compile(
    "(?i)https?://[^\\s/?#@\\[\\]]+(?::\\d{1,5})?(?:[/?][^\\s#]*)?"
      + "|(?i)https?://\\[[0-9a-f:.]+\\](?::\\d{1,5})?(?:[/?][^\\s#]*)?");

  private PlanValidator() {
  }

  public static PlanValidation validate(Map<String, ?> body) {
    if (body == null) {
      return new PlanValidation.Invalid(List.of(new FieldError("body", "must be a JSON object")));
    }
    Reader reader = new Reader();
    List<Stage> stages = reader.stages(body.get("stages"));
    List<Slo> slos = reader.slos(body.get("slos"));
    Integer pollIntervalSeconds = reader.integer(body.get("pollIntervalSeconds"), "pollIntervalSeconds",
      1, MAX_POLL_INTERVAL_SECONDS, Plan.DEFAULT_POLL_INTERVAL_SECONDS);
    // minRequests >= 1: a check with no requests carries no evidence, and the contract says such
    // a check is never a pass; 0 would let an idle version pass every check.
    Integer minRequests = reader.integer(body.get("minRequests"), "minRequests",
      1, MAX_MIN_REQUESTS, Plan.DEFAULT_MIN_REQUESTS);
    Integer failureThreshold = reader.integer(body.get("failureThreshold"), "failureThreshold",
      1, MAX_FAILURE_THRESHOLD, Plan.DEFAULT_FAILURE_THRESHOLD);
    InsufficientDataPolicy onInsufficientData = reader.oneOf(body.get("onInsufficientData"),
      "onInsufficientData", InsufficientDataPolicy::fromWireName, "pause, rollback, proceed",
      Plan.DEFAULT_ON_INSUFFICIENT_DATA);
    Object timeout = body.get("approvalTimeoutSeconds");
    Integer approvalTimeoutSeconds = timeout == null
      ? null
      : reader.integer(timeout, "approvalTimeoutSeconds", 1, MAX_APPROVAL_TIMEOUT_SECONDS, null);

    SmokeTest smokeTest = reader.smokeTest(body.get("smokeTest"));
    List<Gate> gates = reader.gates(body.get("gates"));

    if (!reader.errors.isEmpty()) {
      return new PlanValidation.Invalid(reader.errors);
    }
    return new PlanValidation.Valid(new Plan(stages, slos, pollIntervalSeconds, minRequests, failureThreshold,
      onInsufficientData, approvalTimeoutSeconds, smokeTest, gates));
  }

  /** Reads fields and collects errors; each reader method adds at most one error per field. */
  private static final class Reader {

    final List<FieldError> errors = new ArrayList<>();

    List<Stage> stages(Object value) {
      if (value == null) {
        error("stages", "is required: a list of 1 to " + MAX_STAGES + " stages");
        return List.of();
      }
      if (!(value instanceof List<?> array)) {
        error("stages", "must be a list of 1 to " + MAX_STAGES + " stages (got " + describe(value) + ")");
        return List.of();
      }
      if (array.isEmpty() || array.size() > MAX_STAGES) {
        error("stages", "must be a list of 1 to " + MAX_STAGES + " stages (got " + array.size() + ")");
      }
      List<Stage> stages = new ArrayList<>();
      Integer previousTarget = null;
      for (int i = 0; i < array.size(); i++) {
        String path = "stages[" + i + "]";
        Object element = array.get(i);
        if (!(element instanceof Map<?, ?> json)) {
          error(path, "must be an object (got " + describe(element) + ")");
          continue;
        }
        Integer target = integer(json.get("targetPercent"), path + ".targetPercent", 1, 100, null);
        if (target != null && previousTarget != null && target <= previousTarget) {
          error(path + ".targetPercent",
            "must be greater than the previous stage's targetPercent (" + previousTarget + ")");
        }
        if (target != null && i == array.size() - 1 && target != 100) {
          error(path + ".targetPercent", "must be 100: the last stage sends all traffic to the new version");
        }
        if (target != null) {
          previousTarget = target;
        }
        Integer soak = integer(json.get("soakSeconds"), path + ".soakSeconds", 1, MAX_SOAK_SECONDS, null);
        Boolean autoProgress = bool(json.get("autoProgress"), path + ".autoProgress", true);
        String description = optionalString(json.get("description"), path + ".description",
          MAX_DESCRIPTION_LENGTH);
        Object maxSoakValue = json.get("maxSoakSeconds");
        Integer maxSoak = maxSoakValue == null ? null
          : integer(maxSoakValue, path + ".maxSoakSeconds", 1, MAX_MAX_SOAK_SECONDS, null);
        if (maxSoak != null && soak != null && maxSoak < soak) {
          error(path + ".maxSoakSeconds", "must be at least soakSeconds (" + soak + ")");
          maxSoak = null;
        }
        if (target != null && soak != null && autoProgress != null && (maxSoakValue == null || maxSoak != null)) {
          stages.add(new Stage(target, soak, autoProgress, description, maxSoak));
        }
      }
      return stages;
    }

    List<Slo> slos(Object value) {
      if (value == null) {
        error("slos", "is required: a list of 0 to " + MAX_SLOS + " SLOs ([] for none)");
        return List.of();
      }
      if (!(value instanceof List<?> array)) {
        error("slos", "must be a list of 0 to " + MAX_SLOS + " SLOs (got " + describe(value) + ")");
        return List.of();
      }
      if (array.size() > MAX_SLOS) {
        error("slos", "must be a list of 0 to " + MAX_SLOS + " SLOs (got " + array.size() + ")");
      }
      List<Slo> slos = new ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        String path = "slos[" + i + "]";
        Object element = array.get(i);
        if (!(element instanceof Map<?, ?> json)) {
          error(path, "must be an object (got " + describe(element) + ")");
          continue;
        }
        Sli sli = oneOf(json.get("sli"), path + ".sli", Sli::fromWireName, Sli.wireNames(), null);
        SloMode mode = oneOf(json.get("mode"), path + ".mode", SloMode::fromWireName, "absolute, relative",
          SloMode.ABSOLUTE);
        Double threshold = threshold(json.get("threshold"), path + ".threshold", sli, mode);
        Boolean dryRun = bool(json.get("dryRun"), path + ".dryRun", false);
        if (sli != null && mode != null && threshold != null && dryRun != null) {
          slos.add(new Slo(sli, threshold, mode, dryRun));
        }
      }
      return slos;
    }

    /** Absent or null: no smoke test. */
    SmokeTest smokeTest(Object value) {
      if (value == null) {
        return null;
      }
      String path = "smokeTest";
      if (!(value instanceof Map<?, ?> json)) {
        error(path, "must be an object {url, requests, repeat, maxFailures} or null (got " + describe(value) + ")");
        return null;
      }
      String url = url(json.get("url"), path + ".url");
      List<SmokeTest.SmokeRequest> requests = smokeRequests(json.get("requests"), path + ".requests");
      Integer repeat = integer(json.get("repeat"), path + ".repeat", 1, MAX_SMOKE_REPEAT, SmokeTest.DEFAULT_REPEAT);
      Integer maxFailures = integer(json.get("maxFailures"), path + ".maxFailures", 0, MAX_SMOKE_TOTAL,
        SmokeTest.DEFAULT_MAX_FAILURES);
      if (requests != null && repeat != null && requests.size() * repeat > MAX_SMOKE_TOTAL) {
        error(path + ".repeat", "must keep requests x repeat at most " + MAX_SMOKE_TOTAL + " (got " + requests.size()
          + " x " + repeat + ")");
        return null;
      }
      if (requests != null && repeat != null && maxFailures != null && maxFailures >= requests.size() * repeat) {
        error(path + ".maxFailures", "must be less than the number of requests sent (" + requests.size() * repeat
          + "), or the test could never fail");
        return null;
      }
      if (url == null || requests == null || repeat == null || maxFailures == null) {
        return null;
      }
      return new SmokeTest(url, requests, repeat, maxFailures);
    }

    private List<SmokeTest.SmokeRequest> smokeRequests(Object value, String path) {
      if (!(value instanceof List<?> array) || array.isEmpty() || array.size() > MAX_SMOKE_REQUESTS) {
        error(path, (value == null ? "is required: " : "must be ") + "a list of 1 to " + MAX_SMOKE_REQUESTS
          + " requests {method, path, expectStatus}" + (value == null ? "" : " (got " + (value instanceof List<?> l
          ? l.size() + "" : describe(value)) + ")"));
        return null;
      }
      List<SmokeTest.SmokeRequest> requests = new ArrayList<>();
      boolean ok = true;
      for (int i = 0; i < array.size(); i++) {
        String at = path + "[" + i + "]";
        if (!(array.get(i) instanceof Map<?, ?> json)) {
          error(at, "must be an object {method, path, expectStatus} (got " + describe(array.get(i)) + ")");
          ok = false;
          continue;
        }
        String method = oneOf(json.get("method"), at + ".method",
          m -> SMOKE_METHODS.contains(m) ? Optional.of(m) : Optional.empty(), String.join(", ", SMOKE_METHODS), "GET");
        String requestPath = requestPath(json.get("path"), at + ".path");
        List<Integer> statuses = statuses(json.get("expectStatus"), at + ".expectStatus");
        if (method == null || requestPath == null || statuses == null) {
          ok = false;
          continue;
        }
        requests.add(new SmokeTest.SmokeRequest(method, requestPath, statuses));
      }
      return ok ? requests : null;
    }

    private String requestPath(Object value, String path) {
      String rule = "a path starting with / of at most " + MAX_SMOKE_PATH_LENGTH + " characters, without spaces";
      if (value == null) {
        error(path, "is required: " + rule);
        return null;
      }
      if (!(value instanceof CharSequence text) || text.length() == 0 || text.charAt(0) != '/'
        || text.length() > MAX_SMOKE_PATH_LENGTH || text.chars().anyMatch(c -> c <= ' ' || c == '#' || c == 127)) {
        error(path, "must be " + rule + " (got " + describe(value) + ")");
        return null;
      }
      return text.toString();
    }

    /** One status or a list of 1 to 10; absent means 200. */
    private List<Integer> statuses(Object value, String path) {
      String rule = "an HTTP status (100 to 599) or a list of 1 to " + MAX_EXPECTED_STATUSES + " of them";
      if (value == null) {
        return List.of(200);
      }
      List<?> items = value instanceof List<?> list ? list : List.of(value);
      if (items.isEmpty() || items.size() > MAX_EXPECTED_STATUSES) {
        error(path, "must be " + rule + " (got " + items.size() + ")");
        return null;
      }
      List<Integer> statuses = new ArrayList<>();
      for (Object item : items) {
        BigDecimal number = decimal(item);
        if (number == null || !isWhole(number) || number.compareTo(BigDecimal.valueOf(100)) < 0
          || number.compareTo(BigDecimal.valueOf(599)) > 0) {
          error(path, "must be " + rule + " (got " + describe(item) + ")");
          return null;
        }
        if (!statuses.contains(number.intValueExact())) {
          statuses.add(number.intValueExact());
        }
      }
      return statuses;
    }

    /** Absent or null: no gates. */
    List<Gate> gates(Object value) {
      if (value == null) {
        return List.of();
      }
      if (!(value instanceof List<?> array) || array.size() > MAX_GATES) {
        error("gates", "must be a list of 0 to " + MAX_GATES + " gates (got " + (value instanceof List<?> l
          ? l.size() + "" : describe(value)) + ")");
        return List.of();
      }
      List<Gate> gates = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        String path = "gates[" + i + "]";
        if (!(array.get(i) instanceof Map<?, ?> json)) {
          error(path, "must be an object {name, url, when, timeoutSeconds} (got " + describe(array.get(i)) + ")");
          continue;
        }
        String name = optionalString(json.get("name"), path + ".name", MAX_GATE_NAME_LENGTH);
        if (json.get("name") == null || name != null && name.isBlank()) {
          error(path + ".name", "is required: a name of 1 to " + MAX_GATE_NAME_LENGTH + " characters");
          name = null;
        } else if (name != null && names.contains(name)) {
          error(path + ".name", "must be unique: another gate is called \"" + name + "\"");
          name = null;
        }
        if (name != null) {
          names.add(name);
        }
        String url = url(json.get("url"), path + ".url");
        Gate.When when = oneOf(json.get("when"), path + ".when", Gate.When::fromWireName, Gate.When.wireNames(), null);
        Integer timeout = integer(json.get("timeoutSeconds"), path + ".timeoutSeconds", 1, MAX_GATE_TIMEOUT_SECONDS,
          Gate.DEFAULT_TIMEOUT_SECONDS);
        if (name != null && url != null && when != null && timeout != null) {
          gates.add(new Gate(name, url, when, timeout));
        }
      }
      return gates;
    }

    String url(Object value, String path) {
      String rule = "an absolute http or https URL of at most " + MAX_URL_LENGTH + " characters, without "
        + "user:password@ or a #fragment";
      if (value == null) {
        error(path, "is required: " + rule);
        return null;
      }
      if (!(value instanceof CharSequence text) || text.length() > MAX_URL_LENGTH || !URL.matcher(text).matches()) {
        error(path, "must be " + rule + " (got " + describe(value) + ")");
        return null;
      }
      return text.toString();
    }

    /** The allowed range depends on the SLI and mode; when those are invalid, any number will do. */
    Double threshold(Object value, String path, Sli sli, SloMode mode) {
      String rule;
      BigDecimal min;
      boolean minExclusive;
      BigDecimal max = null;
      if (mode == SloMode.RELATIVE) {
        rule = "a number greater than 0 (a factor of the old version's value)";
        min = BigDecimal.ZERO;
        minExclusive = true;
      } else if (sli != null && sli.kind() == Sli.Kind.RATE && mode == SloMode.ABSOLUTE) {
        rule = "a number from 0 to 1 (a fraction of requests)";
        min = BigDecimal.ZERO;
        minExclusive = false;
        max = BigDecimal.ONE;
      } else if (sli != null && mode == SloMode.ABSOLUTE) {
        rule = "a number >= 0 (milliseconds)";
        min = BigDecimal.ZERO;
        minExclusive = false;
      } else {
        rule = "a number";
        min = null;
        minExclusive = false;
      }
      if (value == null) {
        error(path, "is required: " + rule);
        return null;
      }
      BigDecimal number = decimal(value);
      if (number == null) {
        error(path, "must be " + rule + " (got " + describe(value) + ")");
        return null;
      }
      boolean belowMin = min != null && (minExclusive ? number.compareTo(min) <= 0 : number.compareTo(min) < 0);
      boolean aboveMax = max != null && number.compareTo(max) > 0;
      double asDouble = number.doubleValue();
      if (belowMin || aboveMax || Double.isInfinite(asDouble)) {
        error(path, "must be " + rule + " (got " + describe(value) + ")");
        return null;
      }
      return asDouble;
    }

    /** An integer in [min, max]; absent (missing or null) gives the default, or an error without one. */
    Integer integer(Object value, String path, int min, int max, Integer defaultValue) {
      String rule = "an integer from " + min + " to " + max;
      if (value == null) {
        if (defaultValue == null) {
          error(path, "is required: " + rule);
        }
        return defaultValue;
      }
      BigDecimal number = decimal(value);
      if (number == null || !isWhole(number)
        || number.compareTo(BigDecimal.valueOf(min)) < 0 || number.compareTo(BigDecimal.valueOf(max)) > 0) {
        error(path, "must be " + rule + " (got " + describe(value) + ")");
        return null;
      }
      return number.intValueExact();
    }

    Boolean bool(Object value, String path, boolean defaultValue) {
      if (value == null) {
        return defaultValue;
      }
      if (value instanceof Boolean b) {
        return b;
      }
      error(path, "must be true or false (got " + describe(value) + ")");
      return null;
    }

    String optionalString(Object value, String path, int maxLength) {
      if (value == null) {
        return null;
      }
      if (!(value instanceof CharSequence text)) {
        error(path, "must be a string of at most " + maxLength + " characters (got " + describe(value) + ")");
        return null;
      }
      if (text.length() > maxLength) {
        error(path, "must be a string of at most " + maxLength + " characters (got " + text.length() + ")");
        return null;
      }
      return text.toString();
    }

    <T> T oneOf(Object value, String path, Function<String, Optional<T>> parse, String allowed, T defaultValue) {
      if (value == null) {
        if (defaultValue == null) {
          error(path, "is required: one of " + allowed);
        }
        return defaultValue;
      }
      Optional<T> parsed = value instanceof CharSequence text ? parse.apply(text.toString()) : Optional.empty();
      if (parsed.isEmpty()) {
        error(path, "must be one of " + allowed + " (got " + describe(value) + ")");
        return null;
      }
      return parsed.get();
    }

    void error(String field, String message) {
      errors.add(new FieldError(field, message));
    }
  }

  /** Any JSON number as an exact decimal; null for non-numbers, NaN and infinities. */
  private static BigDecimal decimal(Object value) {
    if (value instanceof BigDecimal d) {
      return d;
    }
    if (value instanceof BigInteger i) {
      return new BigDecimal(i);
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      return Double.isFinite(d) ? new BigDecimal(d) : null;
    }
    if (value instanceof Number n) {
      return BigDecimal.valueOf(n.longValue());
    }
    return null;
  }

  /** JSON has one number type, so 10.0 is an integer; 10.5 is not. */
  private static boolean isWhole(BigDecimal number) {
    return number.signum() == 0 || number.stripTrailingZeros().scale() <= 0;
  }

  private static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof CharSequence text) {
      String shown = text.length() > 40 ? text.subSequence(0, 40) + "..." : text.toString();
      return "the string \"" + shown + "\"";
    }
    if (value instanceof Boolean) {
      return value.toString();
    }
    if (value instanceof Map) {
      return "an object";
    }
    if (value instanceof List) {
      return "a list";
    }
    if (value instanceof Number) {
      String text = value.toString();
      return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
    return "a " + value.getClass().getSimpleName();
  }
}
