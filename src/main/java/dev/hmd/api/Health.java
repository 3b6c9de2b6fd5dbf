package dev.hmd.api;

import dev.hmd.db.Database;
import dev.hmd.http.ApiException;
import dev.hmd.http.Problems;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.util.List;

/** {@code /health/live} and {@code /health/ready}, for probes. */
public final class Health {

  private final Pool pool;
  private final String schemaVersion;

  public Health(Pool pool, String schemaVersion) {
    this.pool = pool;
    this.schemaVersion = schemaVersion;
  }

  /** The process answers. */
  public void live(RoutingContext ctx) {
    ctx.json(new JsonObject().put("status", "up"));
  }

  /** 200 when the database answers with our schema; otherwise a 503 problem, as every failure is. */
  public void ready(RoutingContext ctx) {
    Database.ready(pool, schemaVersion)
      .recover(err -> Future.succeededFuture(false))
      .onSuccess(ok -> {
        JsonObject body = ok
          ? new JsonObject().put("status", "ready")
          : new ApiException(503, "Service Unavailable", "the database is down or its schema is behind this build",
            List.of(), null).toJson();
        body.put("database", ok ? "up" : "down or schema behind").put("schemaVersion", schemaVersion);
        ctx.response().setStatusCode(ok ? 200 : 503)
          .putHeader("Content-Type", ok ? "application/json" : Problems.CONTENT_TYPE)
          .end(body.encode());
      });
  }
}
