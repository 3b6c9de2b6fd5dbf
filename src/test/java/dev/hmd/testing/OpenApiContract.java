package dev.hmd.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The OpenAPI document ({@code src/main/resources/openapi.yaml}) as a test oracle: finds the
 * operation a request hit, and checks a response against it (status documented, content type
 * documented, required headers present, JSON body valid against the schema). {@link Api} runs
 * {@link #verify} on every response the API tests receive, so the document stays true.
 *
 * <p>Schemas are OpenAPI 3.1 schemas, that is JSON Schema 2020-12; they are validated with
 * vertx-json-schema, with the whole document registered so that {@code #/components/...}
 * references resolve.
 */
public final class OpenApiContract {

  public static final String RESOURCE = "/openapi.yaml";
  public static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
  /** A request the document does not describe must still be refused the way the contract says. */
  static final Set<Integer> UNDOCUMENTED_STATUSES = Set.of(400, 401, 403, 404, 405, 413, 415, 429);

  private static final String BASE_URI = "app:///openapi.yaml";
  private static final Pattern TEMPLATE_PARAM = Pattern.compile("\\{([^}/]+)}");
  private static volatile OpenApiContract shared;

  private final JsonObject document;
  private final List<Operation> operations;
  private final SchemaRepository repository;
  private final JsonSchemaOptions options;
  private final Map<String, Validator> validators = new ConcurrentHashMap<>();

  /** One operation of the document: {@code method} upper case, {@code path} the template as written. */
  public record Operation(String method, String path, JsonObject json, Pattern pattern, int templateParams) {

    public String operationId() {
      return json.getString("operationId");
    }

    /** {@code GET /v1/connections/{id}}. */
    public String key() {
      return method + " " + path;
    }

    String pointer() {
      return "/paths/" + escape(path) + "/" + method.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
      return operationId() + " (" + key() + ")";
    }
  }

  private OpenApiContract(JsonObject document) {
    this.document = document;
    this.operations = readOperations(document);
    this.options = new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri(BASE_URI)
      .setOutputFormat(OutputFormat.Basic);
    this.repository = SchemaRepository.create(options);
    // a copy: dereferencing rewrites the $refs it is given into absolute URIs
    repository.dereference(BASE_URI, JsonSchema.of(document.copy()));
  }

  /** The document on the test classpath, parsed once per JVM. */
  public static OpenApiContract load() {
    OpenApiContract contract = shared;
    if (contract == null) {
      synchronized (OpenApiContract.class) {
        if (shared == null) {
          shared = new OpenApiContract(readDocument());
        }
        contract = shared;
      }
    }
    return contract;
  }

  /** Parses the YAML resource into JSON (YAML is only a notation here: the document is JSON data). */
  public static JsonObject readDocument() {
    try (InputStream in = OpenApiContract.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the classpath");
      }
      Object tree = new ObjectMapper(new YAMLFactory()).readValue(in, Object.class);
      if (!(tree instanceof Map<?, ?>)) {
        throw new IllegalStateException(RESOURCE + " is not a YAML mapping");
      }
      // through JSON text, so numbers and nesting become what vert.x JSON holds
      return new JsonObject(new ObjectMapper().writeValueAsString(tree));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  public JsonObject document() {
    return document;
  }

  public List<Operation> operations() {
    return operations;
  }

  /** The documented operation a request hit: exact path segments win over templated ones. */
  public Optional<Operation> find(String method, String requestPath) {
    String path = withoutQuery(requestPath);
    return operations.stream()
      .filter(op -> op.method().equalsIgnoreCase(method) && op.pattern().matcher(path).matches())
      .min(Comparator.comparingInt(Operation::templateParams));
  }

  /**
   * Hook for {@link Api}: fails the calling test (with an {@link AssertionError}) when the response
   * is not what the document says that request can answer. Returns the response unchanged.
   */
  public static HttpResponse<Buffer> verify(HttpMethod method, String requestPath, HttpResponse<Buffer> response) {
    load().check(method.name(), requestPath, response.statusCode(), response.getHeader("Content-Type"),
      response.body(), response.headers());
    return response;
  }

  /** Like {@link #violations}, but throws an {@link AssertionError} listing them. */
  public void check(String method, String requestPath, int status, String contentType, Buffer body, MultiMap headers) {
    List<String> problems = violations(method, requestPath, status, contentType, body, headers);
    if (!problems.isEmpty()) {
      String operation = find(method, requestPath).map(Operation::toString).orElse("no documented operation");
      throw new AssertionError("response to " + method + " " + requestPath + " disagrees with openapi.yaml ["
        + operation + ", status " + status + ", " + contentType + "]:\n  - "
        + String.join("\n  - ", problems) + "\n  body: " + abbreviate(body));
    }
  }

  /**
   * Everything wrong with a response to {@code method requestPath}; empty when the document
   * describes it. {@code headers} may be null (then required headers are not checked).
   */
  public List<String> violations(String method, String requestPath, int status, String contentType, Buffer body,
                                 MultiMap headers) {
    Optional<Operation> operation = find(method, requestPath);
    if (operation.isEmpty()) {
      return undocumented(method, requestPath, status, contentType, body);
    }
    Operation op = operation.get();
    JsonObject responses = op.json().getJsonObject("responses", new JsonObject());
    String statusKey = responseKey(responses, status);
    if (statusKey == null) {
      return List.of("status " + status + " is not documented for " + op + " (documented: "
        + String.join(", ", responses.fieldNames()) + ")");
    }
    String pointer = op.pointer() + "/responses/" + escape(statusKey);
    return checkResponse(pointer, status, contentType, body, headers);
  }

  private List<String> undocumented(String method, String requestPath, int status, String contentType, Buffer body) {
    if (!UNDOCUMENTED_STATUSES.contains(status)) {
      return List.of(method + " " + withoutQuery(requestPath) + " is not a documented operation, and it answered "
        + status + ": document it, or refuse it with a 4xx problem");
    }
    if (!"application/problem+json".equals(mediaType(contentType))) {
      return List.of("an undocumented request must be refused with application/problem+json, not " + contentType);
    }
    return validate("/components/schemas/Problem", body);
  }

  private List<String> checkResponse(String pointer, int status, String contentType, Buffer body, MultiMap headers) {
    JsonObject response = resolve(pointer);
    String location = refOf(pointer);
    List<String> problems = new ArrayList<>();
    JsonObject declaredHeaders = response.getJsonObject("headers", new JsonObject());
    if (headers != null) {
      for (String name : declaredHeaders.fieldNames()) {
        JsonObject header = resolve(location + "/headers/" + escape(name));
        if (header.getBoolean("required", false) && headers.get(name) == null) {
          problems.add("required header " + name + " is missing");
        }
      }
    }
    JsonObject content = response.getJsonObject("content");
    boolean hasBody = body != null && body.length() > 0;
    if (content == null || content.isEmpty()) {
      if (hasBody) {
        problems.add("status " + status + " is documented without a body, but one came: " + contentType);
      }
      return problems;
    }
    String media = mediaType(contentType);
    String documented = content.fieldNames().stream().filter(key -> mediaMatches(key, media)).findFirst().orElse(null);
    if (documented == null) {
      problems.add("content type " + contentType + " is not documented for status " + status + " (documented: "
        + String.join(", ", content.fieldNames()) + ")");
      return problems;
    }
    if (isJson(media)) {
      String schemaPointer = location + "/content/" + escape(documented) + "/schema";
      if (!hasBody) {
        problems.add("a JSON body is documented, but the body is empty");
      } else if (content.getJsonObject(documented).containsKey("schema")) {
        problems.addAll(validate(schemaPointer, body));
      }
    }
    return problems;
  }

  /** Validates a JSON body against the schema at {@code pointer} (a JSON pointer into the document). */
  public List<String> validate(String pointer, Buffer body) {
    Object json;
    try {
      json = io.vertx.core.json.Json.decodeValue(body);
    } catch (DecodeException e) {
      return List.of("the body is not JSON: " + e.getMessage());
    }
    return validateValue(pointer, json);
  }

  /** Validates a decoded JSON value (JsonObject, JsonArray, String, Number, Boolean or null). */
  public List<String> validateValue(String pointer, Object json) {
    Validator validator = validators.computeIfAbsent(pointer, p ->
      repository.validator(JsonSchema.of(new JsonObject().put("$ref", BASE_URI + "#" + fragment(p))), options));
    OutputUnit result = validator.validate(json);
    if (Boolean.TRUE.equals(result.getValid())) {
      return List.of();
    }
    List<OutputUnit> errors = result.getErrors() == null ? List.of() : result.getErrors();
    // the leaves say what is wrong; the "a subschema had errors" units above them only say where
    List<String> leaves = errors.stream()
      .filter(e -> e.getError() != null && !e.getError().startsWith("A subschema had errors")
        && !e.getError().contains("match schema"))
      .map(e -> "schema " + Optional.ofNullable(e.getAbsoluteKeywordLocation()).orElse(e.getKeywordLocation())
        .replace(BASE_URI, "") + ": at " + e.getInstanceLocation() + ": " + e.getError())
      .distinct()
      .collect(Collectors.toList());
    if (leaves.isEmpty()) {
      leaves.add("schema " + pointer + ": "
        + (result.getError() == null ? result.toJson().encode() : result.getError()));
    }
    return leaves;
  }

  /** The object at {@code pointer}, following a {@code $ref} there (Response, Header and Parameter objects). */
  public JsonObject resolve(String pointer) {
    return (JsonObject) at(refOf(pointer));
  }

  /** The pointer of the object that {@code pointer} stands for, after following {@code $ref}s. */
  private String refOf(String pointer) {
    String current = pointer;
    for (int hops = 0; hops < 10; hops++) {
      Object node = at(current);
      if (!(node instanceof JsonObject object) || !object.containsKey("$ref")) {
        return current;
      }
      String ref = object.getString("$ref");
      if (!ref.startsWith("#")) {
        throw new IllegalStateException("only local $refs are supported: " + ref);
      }
      current = ref.substring(1);
    }
    throw new IllegalStateException("$ref loop at " + pointer);
  }

  /** The value at a JSON pointer ({@code ""} is the document), or null. */
  public Object at(String pointer) {
    Object node = document;
    if (pointer.isEmpty()) {
      return node;
    }
    for (String raw : pointer.substring(1).split("/", -1)) {
      String token = raw.replace("~1", "/").replace("~0", "~");
      if (node instanceof JsonObject object) {
        node = object.getValue(token);
      } else if (node instanceof io.vertx.core.json.JsonArray array && token.matches("\\d+")
        && Integer.parseInt(token) < array.size()) {
        node = array.getValue(Integer.parseInt(token));
      } else {
        return null;
      }
    }
    return node;
  }

  private static List<Operation> readOperations(JsonObject document) {
    List<Operation> operations = new ArrayList<>();
    JsonObject paths = document.getJsonObject("paths", new JsonObject());
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (METHODS.contains(method)) {
          operations.add(new Operation(method.toUpperCase(Locale.ROOT), path, item.getJsonObject(method),
            templatePattern(path), countParams(path)));
        }
      }
    }
    return List.copyOf(operations);
  }

  /** {@code /v1/connections/{id}/plan} matches {@code /v1/connections/c_1/plan}: one segment per parameter. */
  static Pattern templatePattern(String template) {
    StringBuilder regex = new StringBuilder("^");
    Matcher m = TEMPLATE_PARAM.matcher(template);
    int last = 0;
    while (m.find()) {
      regex.append(Pattern.quote(template.substring(last, m.start()))).append("[^/]+");
      last = m.end();
    }
    regex.append(Pattern.quote(template.substring(last))).append('$');
    return Pattern.compile(regex.toString());
  }

  private static int countParams(String template) {
    return (int) TEMPLATE_PARAM.matcher(template).results().count();
  }

  /** The exact status, else its class ({@code 4XX}), else {@code default}. */
  private static String responseKey(JsonObject responses, int status) {
    String exact = String.valueOf(status);
    if (responses.containsKey(exact)) {
      return exact;
    }
    String range = (status / 100) + "XX";
    if (responses.containsKey(range)) {
      return range;
    }
    return responses.containsKey("default") ? "default" : null;
  }

  static String mediaType(String contentType) {
    if (contentType == null) {
      return "";
    }
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
  }

  private static boolean mediaMatches(String documented, String actual) {
    String key = documented.toLowerCase(Locale.ROOT);
    if (key.equals(actual) || key.equals("*/*")) {
      return true;
    }
    return key.endsWith("/*") && actual.startsWith(key.substring(0, key.length() - 1));
  }

  private static boolean isJson(String media) {
    return media.equals("application/json") || media.endsWith("+json");
  }

  static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  /** A JSON pointer as a URI fragment: {@code {id}} in a path template becomes {@code %7Bid%7D}. */
  private static String fragment(String pointer) {
    StringBuilder out = new StringBuilder();
    for (byte b : pointer.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || "-._~!$&'()*+,;=:@/".indexOf(c) >= 0) {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  private static String withoutQuery(String requestPath) {
    int q = requestPath.indexOf('?');
    return q < 0 ? requestPath : requestPath.substring(0, q);
  }

  private static String abbreviate(Buffer body) {
    if (body == null) {
      return "(none)";
    }
    String text = body.toString();
    return text.length() > 600 ? text.substring(0, 600) + "..." : text;
  }
}
