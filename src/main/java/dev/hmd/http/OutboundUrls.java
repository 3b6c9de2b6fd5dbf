package dev.hmd.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Which URLs the service calls out to (webhooks, gates, smoke tests), and how it connects to them. */
public final class OutboundUrls {

  public static final int MAX_LENGTH = 2000;

  private OutboundUrls() {
  }

  /** Why {@code url} cannot be a webhook URL; empty when it can (apart from where it resolves to). */
  public static Optional<String> problem(String url) {
    if (url.length() > MAX_LENGTH) {
      return Optional.of("must be at most " + MAX_LENGTH + " characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return Optional.of("is not a valid URL");
    }
    if (!uri.isAbsolute() || uri.getScheme() == null) {
      return Optional.of("must be an absolute http or https URL");
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Optional.of("must be an http or https URL");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      return Optional.of("must name a host");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("must not carry user:password@; put a credential in the path or the query instead");
    }
    if (uri.getRawFragment() != null) {
      return Optional.of("must not have a #fragment");
    }
    return Optional.empty();
  }

  /** The host to resolve, without the brackets of an IPv6 literal. */
  public static String host(String url) {
    String host = URI.create(url).getHost();
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /** Scheme, host and port, for logs: the path and query of a webhook URL are often a credential. */
  public static String origin(String url) {
    try {
      URI uri = URI.create(url);
      return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    } catch (IllegalArgumentException e) {
      return "<invalid url>";
    }
  }

  /** The URL as shown to roles below admin: the origin, with the rest (often a credential) hidden. */
  public static String redacted(String url) {
    String origin = origin(url);
    return url.length() > origin.length() ? origin + "/…" : origin;
  }

  /** The port to connect to: the URL's, else the scheme's default. */
  public static int port(String url) {
    URI uri = URI.create(url);
    if (uri.getPort() >= 0) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  /** Every address of the URL's host, resolved off the event loop; fails when the host does not resolve. */
  public static Future<List<InetAddress>> resolve(Vertx vertx, String url) {
    return vertx.executeBlocking(() -> {
      String host = URI.create(url).getHost() == null ? null : host(url);
      if (host == null) {
        throw new java.net.UnknownHostException("no host in the URL");
      }
      return Arrays.asList(InetAddress.getAllByName(host));
    }, false);
  }

  /** Why a host with these addresses may not be called: the first that is not public unicast, and what it is. */
  public static Optional<String> refusal(String host, List<InetAddress> addresses) {
    for (InetAddress address : addresses) {
      Optional<String> why = PublicAddresses.whyNot(address);
      if (why.isPresent()) {
        return Optional.of(host + " resolves to " + address.getHostAddress() + " (" + why.get()
          + "), which is not a public address");
      }
    }
    return Optional.empty();
  }

  /** Where a call connects (an address judged once), or why it may not be made. */
  public record Target(SocketAddress address, String refusal) {
  }

  /**
   * Resolves the URL's host once and, with private addresses refused, judges every address it
   * has. The call connects to the address judged here (the request keeps the name for its Host
   * header and TLS), so a DNS answer that changes between the check and the connection, or
   * between two attempts, is never used unjudged. Fails when the host does not resolve.
   */
  public static Future<Target> target(Vertx vertx, String url, boolean allowPrivate) {
    return resolve(vertx, url).map(addresses -> {
      if (!allowPrivate) {
        Optional<String> refusal = refusal(host(url), addresses);
        if (refusal.isPresent()) {
          return new Target(null, "refused: " + refusal.get());
        }
      }
      // an IP literal: Vert.x connects to it without asking DNS again
      return new Target(SocketAddress.inetSocketAddress(port(url), addresses.get(0).getHostAddress()), null);
    });
  }

  /**
   * Resolves the URL's host (off the event loop) and says why it may not be called when one of its
   * addresses is not public; fails when the host does not resolve.
   */
  private static Future<Optional<String>> privateAddressRefusal(Vertx vertx, String url) {
    return resolve(vertx, url).map(addresses -> refusal(host(url), addresses));
  }

  /**
   * With private addresses refused, why a URL may not be saved to be called later (a webhook's, a
   * gate's, a smoke test's), in the words of a field error: its host is not public, or does not
   * resolve. Empty when it may.
   */
  public static Future<Optional<String>> notPublic(Vertx vertx, String url) {
    return privateAddressRefusal(vertx, url)
      .map(refusal -> refusal.map(why -> "must point at a public address: " + why))
      .otherwise(err -> Optional.of("its host " + host(url) + " does not resolve"));
  }

  /**
   * {@code message} (an error of an attempt) with the URL's path and query, often a credential,
   * replaced by {@code /…}, wherever it quotes the URL or just the request line.
   */
  public static String scrub(String message, String url) {
    String scrubbed = message.replace(url, redacted(url));
    try {
      URI uri = URI.create(url);
      String path = uri.getRawPath() == null ? "" : uri.getRawPath();
      String pathAndQuery = path + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      if (pathAndQuery.length() > 1) {
        scrubbed = scrubbed.replace(pathAndQuery, "/…");
      }
      if (path.length() > 1) {
        scrubbed = scrubbed.replace(path, "/…");
      }
    } catch (IllegalArgumentException ignored) {
      // a URL that does not parse was never called
    }
    return scrubbed;
  }
}
