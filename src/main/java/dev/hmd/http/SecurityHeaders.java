package dev.hmd.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The headers every response carries, API, SSE, dashboard and refusals alike: a strict Content
 * Security Policy (the dashboard is same-origin ES modules and a style sheet: no inline script or
 * style, no eval, nothing from elsewhere), no framing by anyone, no MIME sniffing, no Referer,
 * and HSTS when the request came over TLS (here or at a proxy that says so).
 */
public final class SecurityHeaders {

  /** The policy, directive by directive (keywords without quotes). */
  private static final Map<String, String> CSP = csp();
  /** A year: the HSTS max-age that preload lists and scanners expect. */
  public static final long HSTS_MAX_AGE_SECONDS = 365L * 24 * 3600;

  private SecurityHeaders() {
  }

  private static Map<String, String> csp() {
    Map<String, String> directives = new LinkedHashMap<>();
    directives.put("default-src", "none");
    directives.put("script-src", "self");
    directives.put("style-src", "self");
    directives.put("img-src", "self");
    directives.put("connect-src", "self");
    directives.put("font-src", "self");
    directives.put("manifest-src", "self");
    directives.put("base-uri", "none");
    directives.put("form-action", "self");
    directives.put("frame-ancestors", "none");
    return directives;
  }

  /** The Content-Security-Policy header's value. */
  public static String contentSecurityPolicy() {
    return CSP.entrySet().stream().map(e -> e.getKey() + " '" + e.getValue() + "'").collect(Collectors.joining("; "));
  }

  /** The headers' names and values, encoded once: they are put on every response. */
  private static final CharSequence CSP_NAME = HttpHeaders.createOptimized("Content-Security-Policy");
  private static final CharSequence CSP_VALUE = HttpHeaders.createOptimized(contentSecurityPolicy());
  private static final CharSequence FRAME_NAME = HttpHeaders.createOptimized("X-Frame-Options");
  private static final CharSequence DENY = HttpHeaders.createOptimized("DENY");
  private static final CharSequence NOSNIFF_NAME = HttpHeaders.createOptimized("X-Content-Type-Options");
  private static final CharSequence NOSNIFF = HttpHeaders.createOptimized("nosniff");
  private static final CharSequence REFERRER_NAME = HttpHeaders.createOptimized("Referrer-Policy");
  private static final CharSequence NO_REFERRER = HttpHeaders.createOptimized("no-referrer");
  private static final CharSequence HSTS_NAME = HttpHeaders.createOptimized("Strict-Transport-Security");
  private static final CharSequence HSTS = HttpHeaders.createOptimized("max-age=" + HSTS_MAX_AGE_SECONDS);

  /** A first route on {@code router} that puts the headers on every response. */
  public static void install(Router router) {
    router.route().handler(ctx -> {
      put(ctx.response());
      if (overTls(ctx.request())) {
        ctx.response().putHeader(HSTS_NAME, HSTS);
      }
      ctx.next();
    });
  }

  /** For every response (those written outside the router, for requests the HTTP decoder refused, too). */
  public static void put(HttpServerResponse response) {
    response.putHeader(CSP_NAME, CSP_VALUE).putHeader(FRAME_NAME, DENY);
    others(response);
  }

  /**
   * TLS here, or at the proxy in front that says so ({@code X-Forwarded-Proto: https} or {@code Front-End-Https: on}).
   */
  public static boolean overTls(HttpServerRequest request) {
    return request.isSSL() || "https".equalsIgnoreCase(request.getHeader("X-Forwarded-Proto"))
      || "on".equalsIgnoreCase(request.getHeader("Front-End-Https"));
  }

  private static void others(HttpServerResponse response) {
    response.putHeader(NOSNIFF_NAME, NOSNIFF).putHeader(REFERRER_NAME, NO_REFERRER);
  }
}
