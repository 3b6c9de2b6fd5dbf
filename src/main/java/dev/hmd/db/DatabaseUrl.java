package dev.hmd.db;

import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the database is: parsed once from a {@code postgresql://user:pass@host:port/db} URL, and
 * given to both the reactive pool and Flyway's JDBC connection. The password never appears in
 * {@link #toString()}.
 */
public record DatabaseUrl(String host, int port, String database, String user, String password, SslMode sslMode) {

  public static DatabaseUrl parse(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("HMD_DATABASE_URL is not a URL (" + e.getReason()
        + "); expected postgresql://user:pass@host:port/db");
    }
    if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
      throw new IllegalArgumentException("HMD_DATABASE_URL must start with postgresql://, got scheme '"
        + uri.getScheme() + "'");
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw new IllegalArgumentException("HMD_DATABASE_URL has no host; expected postgresql://user:pass@host:port/db");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceFirst("^/", "");
    if (path.isBlank()) {
      throw new IllegalArgumentException(
        "HMD_DATABASE_URL has no database name; expected postgresql://user:pass@host:port/db");
    }
    String user = "postgres";
    String password = "";
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      password = parts.length > 1 ? decode(parts[1]) : "";
    }
    Map<String, String> params = query(uri.getRawQuery());
    SslMode ssl = SslMode.DISABLE;
    if (params.containsKey("sslmode")) {
      try {
        ssl = SslMode.of(params.get("sslmode"));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("HMD_DATABASE_URL has an unknown sslmode '" + params.get("sslmode") + "'");
      }
    }
    return new DatabaseUrl(uri.getHost(), uri.getPort() == -1 ? 5432 : uri.getPort(), decode(path), user, password,
      ssl);
  }

  public PgConnectOptions connectOptions() {
    return new PgConnectOptions()
      .setHost(host).setPort(port).setDatabase(database)
      .setUser(user).setPassword(password)
      .setSslMode(sslMode)
      .setCachePreparedStatements(true)
      .setPreparedStatementCacheMaxSize(512);
  }

  public String jdbcUrl() {
    String url = "jdbc:postgresql://" + host + ":" + port + "/" + database;
    return sslMode == SslMode.DISABLE ? url : url + "?sslmode=" + sslMode.value;
  }

  @Override
  public String toString() {
    return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
  }

  private static String decode(String raw) {
    return URLDecoder.decode(raw, StandardCharsets.UTF_8);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> params = new LinkedHashMap<>();
    if (raw == null) {
      return params;
    }
    for (String pair : raw.split("&")) {
      String[] kv = pair.split("=", 2);
      params.put(decode(kv[0]), kv.length > 1 ? decode(kv[1]) : "");
    }
    return params;
  }
}
