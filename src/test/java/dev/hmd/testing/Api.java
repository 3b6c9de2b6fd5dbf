package dev.hmd.testing;

import dev.hmd.app.Service;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/** A plain HTTP client for the service's API in tests: real sockets, blocking calls. */
public final class Api {

  /** A hung handler fails the test instead of hanging it. */
  private static final long REQUEST_TIMEOUT_MS = 30_000;

  private final WebClient client;
  private final int port;
  private final MultiMap headers = MultiMap.caseInsensitiveMultiMap();

  private Api(WebClient client, int port) {
    this.client = client;
    this.port = port;
  }

  /** A client for a service in another process, listening on {@code port}. */
  public static Api of(io.vertx.core.Vertx vertx, int port) {
    return new Api(WebClient.create(vertx, new WebClientOptions().setDefaultHost("localhost")), port);
  }

  public static Api of(Service service) {
    return new Api(WebClient.create(service.vertx(), new WebClientOptions().setDefaultHost("localhost")),
      service.httpPort());
  }

  /** A copy that sends {@code Authorization: Bearer key}. */
  public Api as(String key) {
    return with("Authorization", "Bearer " + key);
  }

  /** A copy that sends one more header on every request. */
  public Api with(String name, String value) {
    Api copy = new Api(client, port);
    copy.headers.addAll(headers);
    copy.headers.set(name, value);
    return copy;
  }

  public HttpResponse<Buffer> get(String path) {
    return send(HttpMethod.GET, path, null);
  }

  public HttpResponse<Buffer> delete(String path) {
    return send(HttpMethod.DELETE, path, null);
  }

  public HttpResponse<Buffer> post(String path, JsonObject body) {
    return send(HttpMethod.POST, path, body);
  }

  public HttpResponse<Buffer> put(String path, JsonObject body) {
    return send(HttpMethod.PUT, path, body);
  }

  public HttpResponse<Buffer> patch(String path, JsonObject body) {
    return send(HttpMethod.PATCH, path, body);
  }

  public HttpResponse<Buffer> send(HttpMethod method, String path, JsonObject body) {
    HttpRequest<Buffer> request = client.request(method, port, "localhost", path).timeout(REQUEST_TIMEOUT_MS);
    request.headers().addAll(headers);
    return OpenApiContract.verify(method, path, (body == null ? request.send() : request.sendJsonObject(body)).await());
  }

  /** Sends raw bytes with the given content type (for malformed-body tests). */
  public HttpResponse<Buffer> sendRaw(HttpMethod method, String path, String contentType, Buffer body) {
    HttpRequest<Buffer> request = client.request(method, port, "localhost", path).timeout(REQUEST_TIMEOUT_MS);
    request.headers().addAll(headers);
    if (contentType != null) {
      request.putHeader("Content-Type", contentType);
    }
    return OpenApiContract.verify(method, path, request.sendBuffer(body).await());
  }

  /** Creates a tenant through the platform-admin endpoint and returns its admin key. */
  public TenantKeys newTenant(String name) {
    HttpResponse<Buffer> res = as(TestService.ADMIN_TOKEN)
      .post("/v1/admin/tenants", new JsonObject().put("name", name));
    if (res.statusCode() != 201) {
      throw new IllegalStateException("tenant creation failed: " + res.statusCode() + " " + res.bodyAsString());
    }
    JsonObject json = res.bodyAsJsonObject();
    return new TenantKeys(json.getJsonObject("tenant").getString("id"), json.getJsonObject("apiKey").getString("key"));
  }

  /** Creates a key of the given role with an admin key. */
  public String newKey(String adminKey, String role) {
    HttpResponse<Buffer> res = as(adminKey)
      .post("/v1/api-keys", new JsonObject().put("name", role + "-key").put("role", role));
    if (res.statusCode() != 201) {
      throw new IllegalStateException("key creation failed: " + res.statusCode() + " " + res.bodyAsString());
    }
    return res.bodyAsJsonObject().getString("key");
  }

  public record TenantKeys(String tenantId, String adminKey) {
  }
}
