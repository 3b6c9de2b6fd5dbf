package dev.hmd.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.CSPHandler;
import io.vertx.ext.web.handler.HSTSHandler;
import io.vertx.ext.web.handler.XFrameHandler;
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

  /** The policy, directive by directive (keywords without quotes, as {@link CSPHandler} takes them). */
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

  /** A first route on {@code router} that puts the headers on every response, with Vert.x web's own handlers. */
  public static void install(Router router) {
    CSPHandler csp = CSPHandler.create();
    CSP.forEach(csp::setDirective);
    router.route()
      .handler(csp)
      .handler(XFrameHandler.create(XFrameHandler.DENY))
      // TLS here (or a proxy's Front-End-Https: on)
      .handler(HSTSHandler.create(HSTS_MAX_AGE_SECONDS, false))
      .handler(ctx -> {
        others(ctx.response());
        // the header Vert.x's handler does not read: TLS ended at a proxy in front
        if (overTls(ctx.request()) && !ctx.response().headers().contains("Strict-Transport-Security")) {
          ctx.response().putHeader("Strict-Transport-Security", "max-age=" + HSTS_MAX_AGE_SECONDS);
        }
        ctx.next();
      });
  }

  /** For responses written outside the router (requests the HTTP decoder refused). */
  public static void put(HttpServerResponse response) {
    response.putHeader("Content-Security-Policy", contentSecurityPolicy()).putHeader("X-Frame-Options", "DENY");
    others(response);
  }

  /** TLS here, or at the proxy in front that says so. */
  public static boolean overTls(HttpServerRequest request) {
    return request.isSSL() || "https".equalsIgnoreCase(request.getHeader("X-Forwarded-Proto"));
  }

  private static void others(HttpServerResponse response) {
    response.putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "no-referrer");
  }
}
