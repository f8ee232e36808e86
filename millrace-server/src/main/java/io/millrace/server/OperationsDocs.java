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

/** The OpenAPI description of queues, counters, the cluster, throughput and the server itself. */
final class OperationsDocs implements OpenApi.Section {
  @Override
  public void describe(OpenApi api) {
    schemas(api);
    api.op("get", "/api/queues", "queues", "Every queue with its jobs by state and its pause flag")
        .param(
            "read",
            "query",
            false,
            "exact (default) or fast (never scans history)",
            enumOf("exact", "fast"))
        .ok(200, "The queues", ref("QueueOverview"));
    api.op(
            "post",
            "/api/queues/{name}/pause",
            "queues",
            "Stop claiming from a queue; it keeps accepting jobs")
        .param("name", "path", true, "Queue name", string(null))
        .ok(200, "Paused", object("queue", string(null), "paused", bool()))
        .cli("queues pause");
    api.op("post", "/api/queues/{name}/resume", "queues", "Claim from a paused queue again")
        .param("name", "path", true, "Queue name", string(null))
        .ok(200, "Resumed", object("queue", string(null), "paused", bool()))
        .cli("queues resume");
    api.op(
            "post",
            "/api/queues/{name}/limits",
            "queues",
            "Set a queue's cluster-wide flow control (absent limits: none); obeyed from every"
                + " node's next claim")
        .param("name", "path", true, "Queue name", string(null))
        .body("QueueLimitsRequest", false)
        .ok(
            200,
            "The queue's limits now",
            object("queue", string(null), "limits", ref("QueueLimits")))
        .cli("queues limit");
    api.op(
            "get",
            "/api/storage/counters",
            "storage",
            "Whether the counters are trusted, and their drift")
        .ok(200, "Counter state", ref("Counters"));
    api.op(
            "post",
            "/api/storage/counters/verify",
            "storage",
            "Compare counters with history; drift clears the trust marker")
        .ok(200, "Counter state", ref("Counters"))
        .cli("storage verify-counters");
    api.op(
            "post",
            "/api/storage/counters/rebuild",
            "storage",
            "Recount from history and mark the counters trusted")
        .ok(200, "Counter state", ref("Counters"))
        .cli("storage rebuild-counters");
    api.op("get", "/api/nodes", "cluster", "Nodes that heartbeat, leader flagged")
        .ok(200, "Nodes", arrayOf(ref("Node")));
    api.op("get", "/api/cluster", "cluster", "Nodes, the leader and this server's clock")
        .ok(200, "The cluster", ref("Cluster"));
    api.op(
            "get",
            "/api/stats/throughput",
            "stats",
            "Jobs finished per interval, from the counters, since this server started")
        .ok(200, "The series", ref("Throughput"));
    api.op(
            "get",
            "/api/server",
            "server",
            "What this server allows: read-only mode, where a token is needed")
        .ok(200, "Server settings", ref("ServerInfo"));
    api.op("get", "/api/openapi.json", "server", "This document")
        .ok(200, "OpenAPI 3 document", anyObject());
  }

  private static void schemas(OpenApi api) {
    api.schema(
        "QueueCounts",
        object(
            "queue",
            string(null),
            "available",
            integer("int64"),
            "scheduled",
            integer("int64"),
            "running",
            integer("int64"),
            "retryable",
            integer("int64"),
            "completed",
            integer("int64"),
            "failed",
            integer("int64"),
            "cancelled",
            integer("int64"),
            "terminal",
            integer("int64"),
            "unfinished",
            integer("int64")));
    api.schema(
        "QueueLimits",
        object(
            "maxRunning",
            nullable(integer("int32")),
            "rateLimit",
            nullable(integer("int32")),
            "ratePeriodMs",
            nullable(integer("int64")),
            "limited",
            bool()));
    api.schema(
        "QueueLimitsRequest",
        object(
            "maxRunning",
            nullable(integer("int32")),
            "rateLimit",
            nullable(integer("int32")),
            "ratePeriodMs",
            nullable(integer("int64"))));
    api.schema(
        "QueueOverview",
        object(
            "queues",
            arrayOf(
                object(
                    "name",
                    string(null),
                    "paused",
                    bool(),
                    "counts",
                    ref("QueueCounts"),
                    "limits",
                    ref("QueueLimits"))),
            "fromCounters",
            bool(),
            "exact",
            bool(),
            // estimate: a fast read of untrusted counters, possibly above or below the truth
            "accuracy",
            enumOf(io.millrace.counts.Accuracy.EXACT, io.millrace.counts.Accuracy.ESTIMATE),
            "note",
            string(null)));
    api.schema(
        "Counters",
        object(
            "trusted",
            bool(),
            "untrustedBecause",
            nullable(string(null)),
            "drift",
            arrayOf(
                object(
                    "queue",
                    string(null),
                    "state",
                    string(null),
                    "counted",
                    integer("int64"),
                    "actual",
                    integer("int64"),
                    "difference",
                    integer("int64")))));
    api.schema(
        "Node",
        object(
            "id",
            string(null),
            "host",
            string(null),
            "pid",
            integer("int64"),
            "queues",
            arrayOf(string(null)),
            "kinds",
            arrayOf(string(null)),
            "startedAt",
            string("date-time"),
            "heartbeatAt",
            string("date-time"),
            "leader",
            bool()));
    api.schema(
        "Cluster",
        object(
            "now",
            string("date-time"),
            "leader",
            nullable(string(null)),
            "nodes",
            arrayOf(ref("Node"))));
    api.schema(
        "Throughput",
        object(
            "intervalMillis",
            integer("int64"),
            "samples",
            arrayOf(
                object(
                    "at",
                    string("date-time"),
                    "completed",
                    integer("int64"),
                    "failed",
                    integer("int64"),
                    "cancelled",
                    integer("int64")))));
    api.schema(
        "ServerInfo",
        object(
            "readOnly",
            bool(),
            "mutationsNeedToken",
            bool(),
            "readsNeedToken",
            bool(),
            "node",
            string(null),
            "version",
            string(null)));
  }
}
