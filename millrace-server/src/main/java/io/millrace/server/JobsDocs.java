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

import io.millrace.jobs.BulkActions;
import io.millrace.jobs.JobAdmin;

/** The OpenAPI description of the {@code /api/jobs} routes. */
final class JobsDocs implements OpenApi.Section {
  /** Every job state, as stored and filtered on. */
  static final String[] STATES =
      java.util.Arrays.stream(io.millrace.jobs.JobState.values())
          .map(io.millrace.jobs.JobState::dbValue)
          .toArray(String[]::new);

  @Override
  public void describe(OpenApi api) {
    schemas(api);
    api.op("get", "/api/jobs", "jobs", "List jobs, newest first, with keyset paging")
        .description(
            "Unknown parameters are refused (400 naming them). Pass `next` of a page as `before` "
                + "to get the following one; pages stay fast however long the history is.")
        .param("queue", "query", false, "Only this queue", string(null))
        .param("state", "query", false, "Only this state", enumOf(STATES))
        .param("kind", "query", false, "Only this kind", string(null))
        .param("tag", "query", false, "Only jobs carrying this tag", string(null))
        .param(
            "createdFrom",
            "query",
            false,
            "Created at or after this instant (ISO-8601)",
            string("date-time"))
        .param(
            "createdTo",
            "query",
            false,
            "Created before this instant (ISO-8601)",
            string("date-time"))
        .param(
            "before",
            "query",
            false,
            "Only ids below this: the `next` of the previous page",
            integer("int64"))
        .param(
            "limit",
            "query",
            false,
            "Page size, 1 to " + JobAdmin.MAX_PAGE + "; default " + AdminApi.DEFAULT_LIMIT,
            integer("int32"))
        .ok(200, "A page of jobs", ref("JobPage"));
    api.op("post", "/api/jobs", "jobs", "Enqueue a job")
        .body("EnqueueRequest", true)
        .ok(201, "Created", ref("EnqueueResult"))
        .ok(
            200,
            "An unfinished job already holds the unique key; its id is returned",
            ref("EnqueueResult"))
        .cli("jobs enqueue");
    api.op("get", "/api/jobs/{id}", "jobs", "One job with its args, attempts, errors and result")
        .param("id", "path", true, "Job id", integer("int64"))
        .ok(200, "The job", ref("Job"))
        .notFound();
    action(
        api,
        "cancel",
        "Cancel a waiting job, or ask the node running it to stop",
        "jobs cancel",
        "cancelled",
        "cancel_requested",
        "already_finished");
    action(
        api,
        "retry",
        "Run a job again now (a finished one returns to its queue)",
        "jobs retry",
        "retrying",
        "running");
    action(
        api,
        "discard",
        "Give up on a waiting job: it fails for good without running again",
        "jobs discard",
        "discarded",
        "running",
        "already_finished");
    api.op(
            "post",
            "/api/bulk/jobs/{action}",
            "jobs",
            "Retry, cancel or discard every job matching a filter")
        .description(
            "Walks matching jobs newest first and applies the one-job action to each, at most `max` "
                + "(default "
                + JobActionsApi.DEFAULT_BULK_MAX
                + ", up to "
                + BulkActions.MAX_JOBS
                + "). When `next` "
                + "is set, more jobs match: send it as `beforeId` to continue.")
        .param("action", "path", true, "What to do", enumOf("retry", "cancel", "discard"))
        .body("BulkRequest", true)
        .ok(200, "What was done", ref("BulkResult"))
        .cli("jobs bulk");
  }

  private static void action(
      OpenApi api, String action, String summary, String cli, String... results) {
    api.op("post", "/api/jobs/{id}/" + action, "jobs", summary)
        .param("id", "path", true, "Job id", integer("int64"))
        .ok(200, "What the action did", object("id", integer("int64"), "result", enumOf(results)))
        .notFound()
        .cli(cli);
  }

  private static void schemas(OpenApi api) {
    api.schema("Error", object("error", string(null), "field", nullable(string(null))));
    api.schema(
        "JobError",
        object(
            "attempt",
            integer("int32"),
            "at",
            string("date-time"),
            "node",
            nullable(string(null)),
            "message",
            string(null),
            "stack",
            nullable(string(null))));
    api.schema(
        "Job",
        object(
            "id",
            integer("int64"),
            "queue",
            string(null),
            "kind",
            string(null),
            "state",
            enumOf(STATES),
            "args",
            anyObject(),
            "priority",
            integer("int32"),
            "attempt",
            integer("int32"),
            "maxAttempts",
            integer("int32"),
            "uniqueKey",
            nullable(string(null)),
            "tags",
            arrayOf(string(null)),
            "result",
            nullable(anyObject()),
            "errors",
            arrayOf(ref("JobError")),
            "createdAt",
            string("date-time"),
            "runAt",
            nullable(string("date-time")),
            "attemptedAt",
            nullable(string("date-time")),
            "attemptedBy",
            nullable(string(null)),
            "finishedAt",
            nullable(string("date-time")),
            "cancelRequestedAt",
            nullable(string("date-time"))));
    api.schema(
        "JobPage",
        object(
            "jobs",
            arrayOf(ref("Job")),
            "next",
            nullable(
                string(null)
                    .put("description", "The `before` of the next page; null on the last page"))));
    api.schema(
        "EnqueueRequest",
        object(
            "kind",
            string(null),
            "args",
            anyObject(),
            "queue",
            string(null),
            "priority",
            integer("int32"),
            "runAt",
            string("date-time"),
            "delaySeconds",
            integer("int64"),
            "maxAttempts",
            integer("int32"),
            "uniqueKey",
            string(null),
            "tags",
            arrayOf(string(null)),
            "timeoutSeconds",
            integer("int64")));
    api.schema("EnqueueResult", object("id", integer("int64"), "duplicate", bool()));
    api.schema(
        "BulkRequest",
        object(
            "queue",
            string(null),
            "state",
            enumOf(STATES),
            "kind",
            string(null),
            "tag",
            string(null),
            "createdFrom",
            string("date-time"),
            "createdTo",
            string("date-time"),
            "beforeId",
            integer("int64"),
            "max",
            integer("int32")));
    api.schema(
        "BulkResult",
        object(
            "action",
            enumOf("retry", "cancel", "discard"),
            "matched",
            integer("int32"),
            "outcomes",
            OpenApi.F.objectNode()
                .put("type", "object")
                .set("additionalProperties", integer("int32")),
            "next",
            nullable(integer("int64"))));
  }
}
