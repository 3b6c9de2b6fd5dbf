package dev.hmd.tenancy;

import dev.hmd.events.NotifiedCache;
import dev.hmd.http.ApiException;
import dev.hmd.http.ClientAddress;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves the caller of every {@code /v1} route to a {@link Principal}: a bearer API key, or a
 * session cookie whose key is still active. Cookie-authenticated unsafe requests must come from
 * our own origin (SameSite=Strict already stops most cross-site requests; the Origin check covers
 * older browsers and same-site subdomains). Then the per-key rate limit. Failed API keys, sign-ins
 * and admin tokens count per client address ({@link AuthFailureLimiter}).
 */
public final class Authenticator {

  private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
  private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);
  private static final long TOUCH_EVERY_MILLIS = 60_000;

  private final TenantRepository tenants;
  private final Sessions sessions;
  private final KeyRateLimiter limiter;
  private final AuthFailureLimiter failures;
  private final Optional<String> adminToken;
  private final Map<String, Long> lastTouched = new ConcurrentHashMap<>();
  /** Active keys by {@code hash:<hex>} and {@code id:<keyId>}, each dropped with its key's id. */
  private final NotifiedCache<TenantRepository.KeyRecord> keys;

  public Authenticator(TenantRepository tenants, Sessions sessions, KeyRateLimiter limiter, AuthFailureLimiter failures,
                       Optional<String> adminToken, NotifiedCache<TenantRepository.KeyRecord> keys) {
    this.tenants = tenants;
    this.sessions = sessions;
    this.limiter = limiter;
    this.failures = failures;
    this.adminToken = adminToken;
    this.keys = keys;
  }

  /**
   * Authenticates the tenant caller and applies the rate limit. An API key that does not hold
   * counts against the client address's failures; while the address has too many, its
   * credentials are refused unchecked. (A session cookie that does not hold is not counted: it
   * is signed, so it cannot be guessed, and a browser may keep an expired one for a while.)
   */
  public void authenticate(RoutingContext ctx) {
    String authorization = ctx.request().getHeader("Authorization");
    String address = ClientAddress.of(ctx.request().remoteAddress());
    Future<Principal> principal;
    boolean guessable;
    if (authorization != null) {
      if (throttled(ctx, address)) {
        return;
      }
      principal = fromBearer(authorization);
      guessable = true;
    } else {
      Cookie cookie = ctx.request().getCookie(Sessions.COOKIE);
      if (cookie == null || cookie.getValue().isEmpty()) {
        ctx.fail(ApiException.unauthorized("send Authorization: Bearer <apiKey>, or sign in for a session cookie"));
        return;
      }
      if (!SAFE.contains(ctx.request().method()) && !sameOrigin(ctx)) {
        ctx.fail(
          ApiException.forbidden(
          "cross-origin request refused: a cookie-authenticated change must come from this site"));
        return;
      }
      if (throttled(ctx, address)) {
        return;
      }
      principal = fromSession(cookie.getValue());
      guessable = false;
    }
    principal.onComplete(result -> {
      if (result.failed()) {
        if (guessable && result.cause() instanceof ApiException api && api.status() == 401) {
          failures.failed(address);
        }
        // a 401 only for credentials that are wrong; a database outage is the failure handler's 503
        ctx.fail(result.cause());
        return;
      }
      Principal p = result.result();
      int wait = limiter.acquire(p.keyId());
      if (wait > 0) {
        ctx.fail(ApiException.tooManyRequests(wait));
        return;
      }
      ctx.put(Principal.CONTEXT_KEY, p);
      touch(p.keyId());
      ctx.next();
    });
  }

  /** Resolves an API key for sign-in, counted like a bearer key against the client address. */
  public Future<Principal> signIn(RoutingContext ctx, String key) {
    String address = ClientAddress.of(ctx.request().remoteAddress());
    int wait = failures.blocked(address);
    if (wait > 0) {
      return Future.failedFuture(tooManyFailures(wait));
    }
    // the principal the session will have: its key's current generation of sessions
    return keyRecord(key).map(k -> principal(k, true)).onFailure(err -> {
      if (err instanceof ApiException api && api.status() == 401) {
        failures.failed(address);
      }
    });
  }

  /** Fails the request with a 429 while the client address has too many failed attempts. */
  private boolean throttled(RoutingContext ctx, String address) {
    int wait = failures.blocked(address);
    if (wait > 0) {
      ctx.fail(tooManyFailures(wait));
      return true;
    }
    return false;
  }

  private static ApiException tooManyFailures(int wait) {
    return ApiException.tooManyRequests(wait, "too many failed authentication attempts from this address; retry in "
      + wait + " s");
  }

  /** The claims of a session cookie that verifies (signed by us, unexpired); a failed future otherwise. */
  public Future<Sessions.Claims> sessionClaims(String token) {
    return sessions.verify(token);
  }

  /**
   * A key this process just revoked (or whose sessions it ended) changes here at once, before the notification comes
   * back.
   */
  public void revoked(String keyId) {
    keys.invalidate(keyId);
    lastTouched.remove(keyId);
  }

  /** A handler that lets the request through only for roles including {@code needed}. */
  public static Handler<RoutingContext> require(Role needed) {
    return ctx -> {
      Principal principal = Principal.of(ctx);
      if (!principal.role().includes(needed)) {
        ctx.fail(
          ApiException.forbidden("this needs the " + needed.wireName() + " role; the key has " + principal.role()
          .wireName()));
        return;
      }
      ctx.next();
    };
  }

  /** The platform-admin routes: {@code Authorization: Bearer $HMD_ADMIN_TOKEN}, compared in constant time. */
  public void authenticateAdmin(RoutingContext ctx) {
    if (adminToken.isEmpty()) {
      ctx.fail(ApiException.notFound("platform-admin endpoints are disabled: HMD_ADMIN_TOKEN is not set"));
      return;
    }
    Optional<String> presented = bearer(ctx.request().getHeader("Authorization"));
    String address = ClientAddress.of(ctx.request().remoteAddress());
    if (presented.isPresent() && throttled(ctx, address)) {
      return;
    }
    boolean ok = MessageDigest.isEqual(presented.orElse("").getBytes(StandardCharsets.UTF_8),
      adminToken.get().getBytes(StandardCharsets.UTF_8));
    if (!ok) {
      if (presented.isPresent()) {
        failures.failed(address);
      }
      ctx.fail(ApiException.unauthorized("the platform-admin token is missing or wrong"));
      return;
    }
    ctx.next();
  }

  /** Resolves a raw API key. */
  public Future<Principal> fromKey(String key) {
    return keyRecord(key).map(k -> principal(k, false));
  }

  private Future<TenantRepository.KeyRecord> keyRecord(String key) {
    if (!ApiKeys.looksLikeKey(key)) {
      return Future.failedFuture(ApiException.unauthorized("invalid API key"));
    }
    byte[] hash = ApiKeys.hash(key);
    String byHash = "hash:" + HexFormat.of().formatHex(hash);
    TenantRepository.KeyRecord cached = keys.get(byHash);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    long stamp = keys.stamp();
    return tenants.findActiveKey(hash).map(found -> {
      found.ifPresent(k -> {
        keys.put(byHash, k.id(), k, stamp);
        keys.put("id:" + k.id(), k.id(), k, stamp);
      });
      return found.orElseThrow(() -> ApiException.unauthorized("invalid or revoked API key"));
    });
  }

  private static Principal principal(TenantRepository.KeyRecord key, boolean viaSession) {
    return new Principal(key.tenantId(), key.id(), key.name(), key.role(), viaSession,
      viaSession ? key.sessionGeneration() : Principal.NO_SESSION);
  }

  private Future<Optional<TenantRepository.KeyRecord>> activeKeyById(String keyId) {
    TenantRepository.KeyRecord cached = keys.get("id:" + keyId);
    if (cached != null) {
      return Future.succeededFuture(Optional.of(cached));
    }
    long stamp = keys.stamp();
    return tenants.findActiveKeyById(keyId).map(found -> {
      found.ifPresent(k -> keys.put("id:" + k.id(), k.id(), k, stamp));
      return found;
    });
  }

  private Future<Principal> fromBearer(String authorization) {
    Optional<String> key = bearer(authorization);
    if (key.isEmpty()) {
      return Future.failedFuture(ApiException.unauthorized("the Authorization header must be 'Bearer <apiKey>'"));
    }
    return fromKey(key.get());
  }

  private Future<Principal> fromSession(String token) {
    return sessions.verify(token)
      .recover(err ->
        Future.failedFuture(ApiException.unauthorized("the session is invalid or has expired; sign in again")))
      .compose(claims -> activeKeyById(claims.keyId()).map(found -> {
        TenantRepository.KeyRecord key = found.filter(k -> k.tenantId().equals(claims.tenantId()))
          .orElseThrow(() -> ApiException.unauthorized("the key behind this session was revoked; sign in again"));
        if (key.sessionGeneration() != claims.generation()) {
          throw ApiException.unauthorized("this session was signed out; sign in again");
        }
        return principal(key, true);
      }));
  }

  private void touch(String keyId) {
    long now = System.currentTimeMillis();
    Long last = lastTouched.get(keyId);
    if (last == null || now - last > TOUCH_EVERY_MILLIS) {
      lastTouched.put(keyId, now);
      // lastUsedAt is a hint, not worth failing the request for; the next touch a minute later mends it
      tenants.touch(keyId).onFailure(err -> {
        lastTouched.remove(keyId, now);
        LOG.warn("recording the last use of key {} failed", keyId, err);
      });
    }
  }

  private static Optional<String> bearer(String header) {
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    String value = header.substring(7).trim();
    return value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  /**
   * The request comes from this site: a browser's {@code Sec-Fetch-Site: same-origin} (Fetch
   * Metadata, which page scripts cannot set), else an Origin (or, failing that, Referer) naming
   * this host. Fetch Metadata decides wherever the browser sends it: the dashboard is served with
   * {@code Referrer-Policy: no-referrer}, under which the Fetch standard has a browser send
   * {@code Origin: null} on a same-origin POST, and no Referer at all.
   */
  static boolean sameOrigin(RoutingContext ctx) {
    String site = ctx.request().getHeader("Sec-Fetch-Site");
    if (site != null) {
      return site.equalsIgnoreCase("same-origin");
    }
    String host = ctx.request().authority() == null ? null : ctx.request().authority().toString();
    String origin = ctx.request().getHeader("Origin");
    if (origin == null) {
      origin = ctx.request().getHeader("Referer");
    }
    if (origin == null || host == null || origin.equals("null")) {
      return false;
    }
    try {
      URI uri = URI.create(origin);
      String originHost = uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
      return host.equalsIgnoreCase(originHost);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
