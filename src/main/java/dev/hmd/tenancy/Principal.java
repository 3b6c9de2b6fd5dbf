package dev.hmd.tenancy;

import dev.hmd.http.ApiException;
import io.vertx.ext.web.RoutingContext;

/** Who is calling: always one tenant, one key, one role. Set by {@link Authenticator}. */
public record Principal(String tenantId, String keyId, String keyName, Role role, boolean viaSession) {

  static final String CONTEXT_KEY = "hmd.principal";

  public static Principal of(RoutingContext ctx) {
    Principal principal = ctx.get(CONTEXT_KEY);
    if (principal == null) {
      throw ApiException.unauthorized("authentication is required");
    }
    return principal;
  }
}
