package dev.hmd.http;

import io.vertx.ext.web.RoutingContext;

/** {@code limit} and {@code cursor} query parameters, validated. */
public final class Pagination {

  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 200;

  private Pagination() {
  }

  public static int limit(RoutingContext ctx) {
    String raw = ctx.queryParams().get("limit");
    if (raw == null || raw.isEmpty()) {
      return DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(raw);
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException ignored) {
      // falls through to the 400
    }
    throw ApiException.invalid("limit", "must be an integer from 1 to " + MAX_LIMIT);
  }

  public static Long longCursor(RoutingContext ctx) {
    String raw = ctx.queryParams().get("cursor");
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw ApiException.invalid("cursor", "is not a cursor this API returned");
    }
  }
}
