package dev.hmd.tenancy;

import dev.hmd.http.ApiException;
import io.vertx.ext.web.RoutingContext;

/**
 * Who is calling: always one tenant, one key, one role. Set by {@link Authenticator}.
 * {@code sessionGeneration} is the generation of the session cookie the request came with, or
 * {@link #NO_SESSION} for a bearer key.
 */
public record Principal(String tenantId, String keyId, String keyName, Role role, boolean viaSession,
                        int sessionGeneration) {

  public static final int NO_SESSION = -1;

  static final String CONTEXT_KEY = "hmd.principal";

  public static Principal of(RoutingContext ctx) {
    Principal principal = ctx.get(CONTEXT_KEY);
    if (principal == null) {
      throw ApiException.unauthorized("authentication is required");
    }
    return principal;
  }
}
