package io.millrace.server;

import static io.millrace.server.OpenApi.anyObject;
import static io.millrace.server.OpenApi.arrayOf;
import static io.millrace.server.OpenApi.bool;
import static io.millrace.server.OpenApi.enumOf;
import static io.millrace.server.OpenApi.integer;
import static io.millrace.server.OpenApi.nullable;
import static io.millrace.server.OpenApi.object;
import static io.millrace.server.OpenApi.ref;
import static io.millrace.server.OpenApi.string;

/** The OpenAPI description of {@link ProjectionsApi}. */
final class ProjectionsDocs implements OpenApi.Section {
  @Override
  public void describe(OpenApi api) {
    api.schema(
        "Projection",
        object(
            "name",
            string(null),
            "version",
            string(null),
            "status",
            enumOf("catching_up", "ready", "failed"),
            "node",
            nullable(string(null)),
            "caughtUpHere",
            bool(),
            "required",
            bool(),
            "checkpoint",
            nullable(string(null)),
            "eventsApplied",
            integer("int64"),
            "lag",
            integer("int64"),
            "eventsPerSecond",
            nullable(OpenApi.F.objectNode().put("type", "number")),
            "etaSeconds",
            nullable(integer("int64")),
            "error",
            nullable(string(null)),
            "failedAt",
            nullable(string("date-time")),
            "rebuildRequested",
            bool(),
            "catchUpStartedAt",
            nullable(string("date-time")),
            "readyAt",
            nullable(string("date-time")),
            "runningOn",
            nullable(string(null)),
            "leaseUntil",
            nullable(string("date-time"))));
    api.schema("Document", object("id", string(null), "doc", anyObject()));
    api.op(
            "get",
            "/api/projections",
            "projections",
            "Every projection with its status, lag, rate and ETA")
        .ok(200, "The projections", arrayOf(ref("Projection")));
    api.op("get", "/api/projections/{name}", "projections", "One projection")
        .param("name", "path", true, "Projection name", string(null))
        .ok(200, "The projection", ref("Projection"));
    api.op(
            "post",
            "/api/projections/{name}/rebuild",
            "projections",
            "Replay the projection from the start of the log")
        .param("name", "path", true, "Projection name", string(null))
        .ok(
            202,
            "Accepted; the node running it acts at its next step",
            object("projection", string(null), "result", enumOf("accepted")))
        .cli("projections rebuild");
    api.op(
            "post",
            "/api/projections/{name}/retry",
            "projections",
            "Resume a failed projection from its checkpoint")
        .param("name", "path", true, "Projection name", string(null))
        .ok(
            202,
            "Accepted; 409 when it has not failed",
            object("projection", string(null), "result", enumOf("accepted")))
        .cli("projections retry");
    api.op(
            "get",
            "/api/projections/{name}/documents/{id}",
            "projections",
            "A document of the projection's store; 503 with X-Query-Status rebuilding, failed or stale while it is not ready")
        .param("name", "path", true, "Projection name", string(null))
        .param("id", "path", true, "Document id", string(null))
        .ok(200, "The document", ref("Document"));
    api.op(
            "get",
            "/api/projections/{name}/documents",
            "projections",
            "The projection's documents in id order, in keyset pages; 503 with X-Query-Status while it is not ready")
        .param("name", "path", true, "Projection name", string(null))
        .param("after", "query", false, "Keyset cursor: the previous page's next", string(null))
        .param("limit", "query", false, "Page size", integer("int32"))
        .ok(
            200,
            "A page",
            object("documents", arrayOf(ref("Document")), "next", nullable(string(null))));
  }
}
