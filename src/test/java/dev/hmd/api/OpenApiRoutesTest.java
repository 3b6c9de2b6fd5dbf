package dev.hmd.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hmd.app.Service;
import dev.hmd.testing.Api;
import dev.hmd.testing.OpenApiContract;
import dev.hmd.testing.OpenApiContract.Operation;
import dev.hmd.testing.WithService;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The document and the router describe the same API. Operations are compared as
 * {@code "METHOD /path/{param}"}, with the router's {@code :param} written {@code {param}}.
 *
 * <p>Which routes are operations: a route bound to at least one HTTP method. A route bound to
 * none ({@code router.route("/v1/*")} for the body limit and authentication, the failure
 * handler) is middleware and is not an operation. A method-bound route with a wildcard path
 * ({@code router.get("/*")} for the dashboard's static files) serves a whole tree and is
 * documented once, by the tree's root ({@code GET /}).
 */
@WithService
class OpenApiRoutesTest {

  /**
   * Documented operations the router does not serve yet: the releases, checks and live events
   * that are still being built. When one of these is routed, this test fails until it is
   * removed from here; the goal is an empty set.
   */

  static Service service;
  static Set<String> routed;
  static Set<String> documented;

  @BeforeAll
  static void start() {
    routed = operations(service.routes());
    documented = OpenApiContract.load().operations().stream().map(Operation::key)
      .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  @DisplayName("every route of the router is a documented operation")
  void everyRouteDocumented() {
    assertThat(routed).as("the router's operations")
      .contains("GET /health/live", "GET /v1/connections/{id}/plan", "GET /");
    assertThat(new TreeSet<>(routed)).as("routes missing from openapi.yaml").isSubsetOf(documented);
  }

  @Test
  @DisplayName("every documented operation is a route of the router, apart from the explicit not-yet-routed list")
  void everyOperationRouted() {
    Set<String> missing = new TreeSet<>(documented);
    missing.removeAll(routed);
    assertThat(missing).as("documented operations the router does not serve").isEmpty();
  }

  @Test
  @DisplayName("the service serves this very document at /openapi.yaml as application/yaml, without credentials")
  void served() throws IOException {
    HttpResponse<Buffer> res = Api.of(service).get("/openapi.yaml");
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Content-Type")).startsWith("application/yaml");
    try (InputStream in = OpenApiContract.class.getResourceAsStream(OpenApiContract.RESOURCE)) {
      assertThat(res.bodyAsString()).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** The router's operations, by the rule in the class comment. */
  static Set<String> operations(List<Route> routes) {
    Set<String> operations = new TreeSet<>();
    for (Route route : routes) {
      Set<HttpMethod> methods = route.methods();
      if (methods == null || methods.isEmpty()) {
        continue;
      }
      String path = route.getPath();
      assertThat(path).as("a method-bound route with a regex (%s) must be compared by hand", route.getName())
        .isNotNull();
      String template = path.replaceAll(":([A-Za-z0-9_]+)", "{$1}");
      for (HttpMethod method : methods) {
        operations.add(method.name() + " " + template);
      }
    }
    return operations;
  }
}
