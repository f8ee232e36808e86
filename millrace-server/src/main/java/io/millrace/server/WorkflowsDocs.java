package io.millrace.server;

import static io.millrace.server.OpenApi.anyObject;
import static io.millrace.server.OpenApi.arrayOf;
import static io.millrace.server.OpenApi.enumOf;
import static io.millrace.server.OpenApi.integer;
import static io.millrace.server.OpenApi.nullable;
import static io.millrace.server.OpenApi.object;
import static io.millrace.server.OpenApi.ref;
import static io.millrace.server.OpenApi.string;

/** The OpenAPI description of {@link WorkflowsApi}. */
final class WorkflowsDocs implements OpenApi.Section {
  @Override
  public void describe(OpenApi api) {
    api.schema(
        "WorkflowSummary",
        object(
            "id",
            integer("int64"),
            "name",
            string(null),
            "namespace",
            nullable(string(null)),
            "tags",
            arrayOf(string(null)),
            "status",
            string(null),
            "members",
            integer("int32"),
            "open",
            integer("int32"),
            "completed",
            integer("int32"),
            "createdAt",
            string("date-time"),
            "cancelledAt",
            nullable(string("date-time")),
            "finishedAt",
            nullable(string("date-time"))));
    api.schema(
        "WorkflowDetail",
        object(
            "workflow", ref("WorkflowSummary"),
            "members",
                arrayOf(
                    object(
                        "jobId",
                        integer("int64"),
                        "name",
                        string(null),
                        "kind",
                        string(null),
                        "queue",
                        string(null),
                        "state",
                        string(null),
                        "join",
                        string(null),
                        "parents",
                        integer("int32"),
                        "succeeded",
                        integer("int32"),
                        "failed",
                        integer("int32"),
                        "result",
                        anyObject(),
                        "finishedAt",
                        nullable(string("date-time")))),
            "edges",
                arrayOf(
                    object(
                        "parentId",
                        integer("int64"),
                        "parent",
                        string(null),
                        "childId",
                        integer("int64"),
                        "child",
                        string(null)))));
    api.op("get", "/api/workflows", "workflows", "Workflows, newest first, in keyset pages")
        .param("namespace", "query", false, "Only this namespace", string(null))
        .param("tag", "query", false, "Only workflows with this tag", string(null))
        .param(
            "before", "query", false, "Keyset cursor: the previous page's next", integer("int64"))
        .param("limit", "query", false, "Page size (default 50)", integer("int32"))
        .ok(
            200,
            "A page",
            object("workflows", arrayOf(ref("WorkflowSummary")), "next", nullable(string(null))));
    api.op(
            "get",
            "/api/workflows/{id}",
            "workflows",
            "A workflow with its members, their states and results, and its edges")
        .param("id", "path", true, "Workflow id", integer("int64"))
        .ok(200, "The workflow", ref("WorkflowDetail"));
    api.op("post", "/api/workflows/{id}/cancel", "workflows", "Cancel every unfinished member")
        .param("id", "path", true, "Workflow id", integer("int64"))
        .ok(200, "Cancelled", object("id", integer("int64"), "result", enumOf("cancelled")))
        .cli("workflows cancel");
  }
}
