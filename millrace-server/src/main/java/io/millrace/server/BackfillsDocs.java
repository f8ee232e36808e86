package io.millrace.server;

import static io.millrace.server.OpenApi.arrayOf;
import static io.millrace.server.OpenApi.bool;
import static io.millrace.server.OpenApi.integer;
import static io.millrace.server.OpenApi.nullable;
import static io.millrace.server.OpenApi.object;
import static io.millrace.server.OpenApi.ref;
import static io.millrace.server.OpenApi.string;

/** The OpenAPI description of {@link BackfillsApi}. */
final class BackfillsDocs implements OpenApi.Section {
  @Override
  public void describe(OpenApi api) {
    api.schema(
        "Backfill",
        object(
            "name",
            string(null),
            "state",
            string(null),
            "position",
            integer("int64"),
            "independent",
            bool(),
            "blocking",
            bool(),
            "target",
            string(null),
            "table",
            string(null),
            "key",
            string(null),
            "leaseOwner",
            nullable(string(null)),
            "leaseExpiresAt",
            nullable(string("date-time")),
            "fence",
            integer("int64"),
            "cursor",
            nullable(string(null)),
            "upperBound",
            nullable(string(null)),
            "rowsProcessed",
            integer("int64"),
            "rowsAffected",
            integer("int64"),
            "rowsTotal",
            nullable(integer("int64")),
            "batches",
            integer("int64"),
            "batchSize",
            nullable(integer("int32")),
            "rowsPerSecond",
            nullable(OpenApi.F.objectNode().put("type", "number")),
            "etaSeconds",
            nullable(OpenApi.F.objectNode().put("type", "number")),
            "throttledBy",
            nullable(string(null)),
            "progressAt",
            nullable(string("date-time")),
            "attempts",
            integer("int32"),
            "lastError",
            nullable(string(null)),
            "createdAt",
            string("date-time"),
            "startedAt",
            nullable(string("date-time")),
            "finishedAt",
            nullable(string("date-time")),
            "updatedAt",
            string("date-time")));
    api.schema(
        "BackfillAction",
        object(
            "name",
            string(null),
            "action",
            string(null),
            "applied",
            bool(),
            "state",
            string(null)));
    api.op(
            "get",
            "/api/backfills",
            "backfills",
            "Every backfill with its state, progress, rate and ETA")
        .ok(200, "The backfills", object("backfills", arrayOf(ref("Backfill"))));
    api.op("get", "/api/backfills/{name}", "backfills", "One backfill")
        .param("name", "path", true, "Backfill name", string(null))
        .ok(200, "The backfill", ref("Backfill"));
    for (String action : new String[] {"pause", "resume", "cancel", "retry"}) {
      api.op("post", "/api/backfills/{name}/" + action, "backfills", summary(action))
          .param("name", "path", true, "Backfill name", string(null))
          .ok(200, "Done; 409 when its state does not allow it", ref("BackfillAction"))
          .cli("backfills " + action);
    }
  }

  private static String summary(String action) {
    return switch (action) {
      case "pause" -> "Pause after the batch in flight";
      case "resume" -> "Resume a paused backfill from its cursor";
      case "cancel" -> "Stop for good; the batches done stay done";
      default -> "Run a failed backfill again from its cursor";
    };
  }
}
