package dev.hmd.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.connections.PlanJson;
import dev.hmd.testing.OpenApiContract;
import dev.hmd.testing.OpenApiContract.Operation;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.openapi.contract.OpenAPIVersion;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class OpenApiDocumentTest {

  /**
   * Error answers that are not problem+json, each a known disagreement with the API contract
   * ("every 4xx/5xx body is application/problem+json") reported to the lead. Keep it empty.
   */
  /** Failures that are not problem+json: none (the contract asks it of every 4xx/5xx). */
  private static final Set<String> NOT_PROBLEM_JSON = Set.of();

  static OpenApiContract contract;
  static JsonObject document;

  @BeforeAll
  static void load() {
    contract = OpenApiContract.load();
    document = contract.document();
  }

  @Test
  @DisplayName("the document parses as YAML and is OpenAPI 3.1 with a title, a version and paths")
  void isOpenApi31() {
    assertThat(document.getString("openapi")).isEqualTo("3.1.0");
    assertThat(document.getJsonObject("info").getString("title")).isEqualTo("Workers HMD");
    assertThat(document.getJsonObject("info").getString("version")).isNotBlank();
    assertThat(contract.operations()).hasSizeGreaterThan(30);
  }

  @Test
  @DisplayName("the document is valid against the official OpenAPI 3.1 schema")
  void validAgainstTheOpenApiSchema() {
    // the meta-schema check alone: vertx-openapi's full parser also refuses media types it cannot
    // validate itself (text/html, text/event-stream), which is its limit, not the document's
    Vertx vertx = Vertx.vertx();
    try {
      OpenAPIVersion version = OpenAPIVersion.fromContract(document);
      assertThat(version).isEqualTo(OpenAPIVersion.V3_1);
      SchemaRepository repository = version.getRepository(vertx, "app:///").await();
      OutputUnit result = version.validateContract(vertx, repository, document.copy()).await();
      assertThat(result.getValid()).as("OpenAPI 3.1 schema errors: %s", result.getErrors()).isTrue();
    } finally {
      vertx.close().await();
    }
  }

  @Test
  @DisplayName("every $ref is local and resolves to an object of the document")
  void everyRefResolves() {
    List<String> refs = new ArrayList<>();
    collectRefs(document, refs);
    assertThat(refs).hasSizeGreaterThan(100);
    List<String> unresolved = refs.stream()
      .filter(ref -> !ref.startsWith("#/") || !(contract.at(ref.substring(1)) instanceof JsonObject))
      .distinct()
      .toList();
    assertThat(unresolved).as("$refs that do not resolve").isEmpty();
  }

  @Test
  @DisplayName("the whole document dereferences as JSON Schema 2020-12")
  void dereferences() {
    SchemaRepository repository = SchemaRepository.create(new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
      .setBaseUri("app:///"));
    repository.dereference("app:///openapi.yaml", JsonSchema.of(document.copy()));
    JsonObject resolved = repository.resolve(document.copy());
    assertThat(resolved.getJsonObject("components").getJsonObject("schemas").fieldNames())
      .contains("Problem", "Connection", "Plan", "Release", "Check", "ApiKey", "Tenant");
  }

  @Test
  @DisplayName("every operation has a unique operationId, tags, and responses with a 2xx")
  void operationsAreComplete() {
    Set<String> ids = new HashSet<>();
    for (Operation op : contract.operations()) {
      assertThat(op.operationId()).as("operationId of %s", op.key()).isNotBlank();
      assertThat(ids.add(op.operationId())).as("operationId %s is unique", op.operationId()).isTrue();
      assertThat(op.json().getJsonArray("tags", new JsonArray())).as("tags of %s", op).isNotEmpty();
      JsonObject responses = op.json().getJsonObject("responses");
      assertThat(responses).as("responses of %s", op).isNotNull();
      assertThat(responses.fieldNames()).as("responses of %s", op).anyMatch(status -> status.startsWith("2"));
    }
  }

  @Test
  @DisplayName("every path parameter of a template is declared, and every declared one is in the template")
  void pathParametersDeclared() {
    Pattern param = Pattern.compile("\\{([^}/]+)}");
    for (Operation op : contract.operations()) {
      Set<String> inTemplate = new HashSet<>();
      Matcher m = param.matcher(op.path());
      while (m.find()) {
        inTemplate.add(m.group(1));
      }
      Set<String> declared = new HashSet<>();
      JsonArray onPath = document.getJsonObject("paths").getJsonObject(op.path())
        .getJsonArray("parameters", new JsonArray());
      JsonArray onOperation = op.json().getJsonArray("parameters", new JsonArray());
      for (JsonArray list : List.of(onPath, onOperation)) {
        for (int i = 0; i < list.size(); i++) {
          JsonObject p = dereference(list.getJsonObject(i));
          if ("path".equals(p.getString("in"))) {
            assertThat(p.getBoolean("required")).as("path parameter %s of %s is required", p.getString("name"), op)
              .isTrue();
            declared.add(p.getString("name"));
          }
        }
      }
      assertThat(declared).as("path parameters of %s", op).isEqualTo(inTemplate);
    }
  }

  @Test
  @DisplayName("every error answer is problem+json, and every 429 carries Retry-After")
  void errorsAreProblems() {
    List<String> notProblems = new ArrayList<>();
    for (Operation op : contract.operations()) {
      JsonObject responses = op.json().getJsonObject("responses");
      for (String status : responses.fieldNames()) {
        if (status.startsWith("4") || status.startsWith("5")) {
          JsonObject response = dereference(responses.getJsonObject(status));
          Set<String> types = response.getJsonObject("content", new JsonObject()).fieldNames();
          if (!types.equals(Set.of("application/problem+json"))) {
            notProblems.add(op.key() + " " + status);
          }
          if (status.equals("429")) {
            assertThat(response.getJsonObject("headers", new JsonObject()).fieldNames())
              .as("headers of %s 429", op).contains("Retry-After");
          }
        }
      }
    }
    assertThat(notProblems).containsExactlyInAnyOrderElementsOf(NOT_PROBLEM_JSON);
  }

  @Test
  @DisplayName("every authenticated /v1 operation documents 401, and every operation that needs a key documents 429")
  void authenticationErrorsDocumented() {
    JsonArray defaultSecurity = document.getJsonArray("security");
    for (Operation op : contract.operations()) {
      JsonArray security = op.json().getJsonArray("security", defaultSecurity);
      Set<String> statuses = op.json().getJsonObject("responses").fieldNames();
      if (!security.isEmpty()) {
        assertThat(statuses).as("responses of %s", op).contains("401");
      }
      if (security.equals(defaultSecurity)) {
        assertThat(statuses).as("responses of %s", op).contains("429");
      }
    }
  }

  @Test
  @DisplayName("the plan of the API contract is a valid plan body, and out-of-range plans are not")
  void planSchemaMatchesTheValidator() {
    String planInput = "/components/schemas/PlanInput";
    JsonObject example = document.getJsonObject("paths").getJsonObject("/v1/connections/{id}/plan").getJsonObject("put")
      .getJsonObject("requestBody").getJsonObject("content").getJsonObject("application/json").getJsonObject("example");
    assertThat(contract.validateValue(planInput, example)).isEmpty();
    assertThat(contract.validateValue(planInput, PlanJson.toJson(dev.hmd.slo.Plan.defaultPlan()))).isEmpty();

    JsonObject zeroPercent = example.copy();
    zeroPercent.getJsonArray("stages").getJsonObject(0).put("targetPercent", 0);
    assertThat(contract.validateValue(planInput, zeroPercent)).isNotEmpty();
    JsonObject errorRateAboveOne = example.copy();
    errorRateAboveOne.getJsonArray("slos").getJsonObject(1).put("threshold", 1.5);
    assertThat(contract.validateValue(planInput, errorRateAboveOne)).isNotEmpty();
    JsonObject relativeZero = example.copy();
    relativeZero.getJsonArray("slos").getJsonObject(2).put("threshold", 0);
    assertThat(contract.validateValue(planInput, relativeZero)).isNotEmpty();
    JsonObject unknownSli = example.copy();
    unknownSli.getJsonArray("slos").getJsonObject(0).put("sli", "latency_p75");
    assertThat(contract.validateValue(planInput, unknownSli)).isNotEmpty();
    JsonObject noStages = example.copy().put("stages", new JsonArray());
    assertThat(contract.validateValue(planInput, noStages)).isNotEmpty();
  }

  private static JsonObject dereference(JsonObject node) {
    JsonObject current = node;
    while (current.containsKey("$ref")) {
      current = (JsonObject) contract.at(current.getString("$ref").substring(1));
    }
    return current;
  }

  private static void collectRefs(Object node, List<String> refs) {
    if (node instanceof JsonObject object) {
      for (Map.Entry<String, Object> e : object) {
        if (e.getKey().equals("$ref") && e.getValue() instanceof String ref) {
          refs.add(ref);
        } else {
          collectRefs(e.getValue(), refs);
        }
      }
    } else if (node instanceof JsonArray array) {
      array.forEach(item -> collectRefs(item, refs));
    }
  }
}
