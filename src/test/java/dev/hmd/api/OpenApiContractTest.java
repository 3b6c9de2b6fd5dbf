package dev.hmd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hmd.testing.OpenApiContract;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The response validator the API tests rely on: it must catch what it is there to catch. */
class OpenApiContractTest {

  private static final String JSON = "application/json";
  private static final String PROBLEM = "application/problem+json";
  private final OpenApiContract contract = OpenApiContract.load();

  private static JsonObject connection() {
    return new JsonObject().put("id", "c_1").put("name", "shop").put("accountId", "0123456789abcdef0123456789abcdef")
      .put("workerName", "shop").put("tokenHint", "abcd").put("createdAt", "2025-01-02T03:04:05.678Z")
      .put("updatedAt", "2025-01-02T03:04:05Z");
  }

  private static JsonObject problem(int status) {
    return new JsonObject().put("type", "https://workers-hmd.dev/problems/" + status).put("title", "Nope")
      .put("status", status).put("detail", "because");
  }

  private List<String> check(String method, String path, int status, String type, Object body) {
    Buffer buffer = body == null ? null : Buffer.buffer(body.toString());
    return contract.violations(method, path, status, type, buffer, MultiMap.caseInsensitiveMultiMap());
  }

  @Test
  @DisplayName("finds the operation by template, preferring literal segments, and ignores the query")
  void findsOperations() {
    assertThat(contract.find("GET", "/v1/connections/c_1/plan")).get()
      .extracting(OpenApiContract.Operation::operationId).isEqualTo("getPlan");
    assertThat(contract.find("GET", "/v1/audit?limit=5")).get()
      .extracting(OpenApiContract.Operation::operationId).isEqualTo("listAudit");
    assertThat(contract.find("GET", "/v1/connections/c_1/plan/extra")).isEmpty();
    assertThat(contract.find("PATCH", "/v1/api-keys")).isEmpty();
  }

  @Test
  @DisplayName("accepts a documented answer, with more fields than documented")
  void acceptsDocumented() {
    assertThat(check("GET", "/v1/connections/c_1", 200, JSON, connection().put("extra", 1))).isEmpty();
    assertThat(check("GET", "/v1/connections", 200, JSON + "; charset=utf-8",
      new JsonObject().put("items", new JsonArray().add(connection())))).isEmpty();
    assertThat(check("DELETE", "/v1/connections/c_1", 204, null, null)).isEmpty();
    assertThat(check("PUT", "/v1/connections/c_1/plan", 400, PROBLEM, problem(400)
      .put("errors", new JsonArray().add(new JsonObject().put("field", "stages").put("message", "is required")))))
        .isEmpty();
  }

  @Test
  @DisplayName("refuses an undocumented status, a wrong content type and a body that breaks the schema")
  void refusesUndocumented() {
    assertThat(check("GET", "/v1/connections/c_1", 418, PROBLEM, problem(418))).singleElement().asString()
      .contains("status 418 is not documented");
    assertThat(check("GET", "/v1/connections/c_1", 200, "text/plain", "hi")).singleElement().asString()
      .contains("content type text/plain");
    assertThat(check("GET", "/v1/connections/c_1", 200, JSON, connection().put("createdAt", "yesterday")))
      .singleElement().asString().contains("/createdAt").contains("date-time");
    assertThat(check("GET", "/v1/connections/c_1", 200, JSON, connection().copy().put("tokenHint", (String) null)))
      .isNotEmpty();
    JsonObject noId = connection();
    noId.remove("id");
    assertThat(check("GET", "/v1/connections/c_1", 200, JSON, noId)).singleElement().asString().contains("id");
    assertThat(check("GET", "/v1/connections/c_1", 404, PROBLEM, problem(409))).isNotEmpty();
    assertThat(check("DELETE", "/v1/connections/c_1", 204, JSON, "{}")).isNotEmpty();
    assertThat(check("GET", "/v1/connections/c_1", 200, JSON, "{not json")).singleElement().asString()
      .contains("not JSON");
  }

  @Test
  @DisplayName("a documented required header must be present")
  void requiredHeaders() {
    assertThat(check("GET", "/v1/session", 429, PROBLEM, problem(429))).singleElement().asString()
      .contains("Retry-After");
    MultiMap withRetry = MultiMap.caseInsensitiveMultiMap().add("Retry-After", "3");
    assertThat(contract.violations("GET", "/v1/session", 429, PROBLEM, Buffer.buffer(problem(429).encode()), withRetry))
      .isEmpty();
  }

  @Test
  @DisplayName("an undocumented request may only be refused with a problem+json 4xx")
  void undocumentedRequests() {
    assertThat(check("GET", "/nothing-here", 404, PROBLEM, problem(404))).isEmpty();
    assertThat(check("DELETE", "/health/live", 405, PROBLEM, problem(405))).isEmpty();
    assertThat(check("GET", "/nothing-here", 200, JSON, "{}")).isNotEmpty();
    assertThat(check("GET", "/nothing-here", 404, "text/html", "<p>gone</p>")).isNotEmpty();
  }

  @Test
  @DisplayName("a failed check names the operation, the status and the schema error")
  void clearMessage() {
    assertThatThrownBy(() -> contract.check("GET", "/v1/connections/c_1", 200, JSON,
      Buffer.buffer(connection().put("accountId", 42).encode()), MultiMap.caseInsensitiveMultiMap()))
      .isInstanceOf(AssertionError.class)
      .hasMessageContaining("getConnection (GET /v1/connections/{id})")
      .hasMessageContaining("status 200")
      .hasMessageContaining("/components/schemas/Connection/properties/accountId");
  }
}
