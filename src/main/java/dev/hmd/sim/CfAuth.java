package dev.hmd.sim;

import io.vertx.ext.web.RoutingContext;

/**
 * Authentication and the global rate limit, in Cloudflare's order: a well-formed Authorization
 * header, a known token, the token's own account, then the token's call budget.
 */
final class CfAuth {

  static final String TOKEN = "sim.token";

  private final SimWorld world;

  CfAuth(SimWorld world) {
    this.world = world;
  }

  /** For {@code /user/...}: any registered token. */
  void anyAccount(RoutingContext ctx) {
    admit(ctx, authenticate(ctx));
  }

  /** For {@code /accounts/{account_id}/...}: a token registered for that account. */
  void ownAccount(RoutingContext ctx) {
    String accountId = ctx.pathParam("accountId");
    if (!SimWorld.ACCOUNT_ID.matcher(accountId).matches()) {
      // An identifier that cannot exist does not route at Cloudflare. [U]
      throw CfException.noRoute(ctx.request().path());
    }
    SimWorld.Token token = authenticate(ctx);
    if (!token.accountId().equals(accountId)) {
      throw CfException.forbidden();
    }
    admit(ctx, token);
  }

  private void admit(RoutingContext ctx, SimWorld.Token token) {
    long waitSeconds = world.acquireCall(token);
    if (waitSeconds > 0) {
      throw CfException.rateLimited(waitSeconds);
    }
    ctx.put(TOKEN, token);
    ctx.next();
  }

  private SimWorld.Token authenticate(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || header.isBlank()) {
      throw CfException.authentication();
    }
    String[] parts = header.trim().split(" ");
    if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer") || parts[1].isEmpty()) {
      throw CfException.badAuthorizationHeader();
    }
    return world.token(parts[1]).orElseThrow(CfException::authentication);
  }
}
