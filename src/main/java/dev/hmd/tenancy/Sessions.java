package dev.hmd.tenancy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.time.Duration;

/**
 * Dashboard sessions: an HttpOnly, SameSite=Strict cookie holding a JWT (HS256) that names the
 * API key it was made from and the generation of that key's sessions. The key is checked again on
 * every request, so revoking it ends its sessions at once; signing out moves the key to its next
 * generation, which ends the sessions made from it on the server, not only in the browser.
 */
public final class Sessions {

  public static final String COOKIE = "hmd_session";
  private static final String ISSUER = "workers-hmd";

  private final JWTAuth jwt;
  private final Duration ttl;

  /** The claims a session carries. */
  public record Claims(String tenantId, String keyId, int generation) {
  }

  public Sessions(Vertx vertx, String secret, Duration ttl) {
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret))
      .setJWTOptions(new JWTOptions().setIssuer(ISSUER)));
    this.ttl = ttl;
  }

  public Cookie issue(String tenantId, String keyId, int generation, boolean secure) {
    String token = jwt.generateToken(new JsonObject().put("tid", tenantId).put("kid", keyId).put("gen", generation),
      new JWTOptions().setAlgorithm("HS256").setIssuer(ISSUER).setSubject(keyId)
        .setExpiresInSeconds((int) ttl.toSeconds()));
    return Cookie.cookie(COOKIE, token).setPath("/").setHttpOnly(true).setSameSite(CookieSameSite.STRICT)
      .setSecure(secure).setMaxAge(ttl.toSeconds());
  }

  public static Cookie cleared(boolean secure) {
    return Cookie.cookie(COOKIE, "").setPath("/").setHttpOnly(true).setSameSite(CookieSameSite.STRICT)
      .setSecure(secure).setMaxAge(0);
  }

  /** The claims of a valid, unexpired session token; a failed future otherwise. */
  public Future<Claims> verify(String token) {
    return jwt.authenticate(new TokenCredentials(token)).map(user -> {
      JsonObject principal = user.principal();
      String tenantId = principal.getString("tid");
      String keyId = principal.getString("kid");
      if (tenantId == null || keyId == null) {
        throw new IllegalArgumentException("session token without tenant or key");
      }
      // a session issued before generations existed belongs to the first
      return new Claims(tenantId, keyId, principal.getInteger("gen", 0));
    });
  }
}
