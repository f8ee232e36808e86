package io.millrace.server;

import static io.millrace.server.OpenApi.arrayOf;
import static io.millrace.server.OpenApi.bool;
import static io.millrace.server.OpenApi.enumOf;
import static io.millrace.server.OpenApi.integer;
import static io.millrace.server.OpenApi.nullable;
import static io.millrace.server.OpenApi.object;
import static io.millrace.server.OpenApi.ref;
import static io.millrace.server.OpenApi.string;

/** The OpenAPI description of {@link SchedulesApi}. */
final class SchedulesDocs implements OpenApi.Section {
  @Override
  public void describe(OpenApi api) {
    api.schema(
        "Schedule",
        object(
            "name",
            string(null),
            "schedule",
            string(null).put("description", "cron:<expression> or every:<ISO-8601 duration>"),
            "zone",
            string(null).put("description", "IANA time zone of a cron schedule (UTC by default)"),
            "kind",
            string(null),
            "queue",
            string(null),
            "misfire",
            enumOf("fire_once", "fire_all", "skip"),
            "paused",
            bool(),
            "orphaned",
            bool().put("description", "No live node has registered it within the orphan bound"),
            "firesWhenOrphaned",
            bool(),
            "firing",
            bool().put("description", "The leader fires its ticks: not paused, not orphaned"),
            "registeredBy",
            arrayOf(string(null)),
            "lastRegisteredAt",
            nullable(string("date-time")),
            "nextFireTimes",
            arrayOf(string("date-time")),
            "lastFiredAt",
            nullable(string("date-time")),
            "lastJobId",
            nullable(integer("int64")),
            "lastOutcome",
            nullable(string(null).put("description", "State of the last job, in lower case")),
            "triggers",
            integer("int64")));
    api.schema(
        "ScheduleTriggered",
        object("name", string(null), "jobId", integer("int64"), "trigger", integer("int64")));
    api.op(
            "get",
            "/api/schedules",
            "schedules",
            "Every periodic job's schedule: expression, zone, next fire times, last run, registration")
        .ok(200, "The schedules", object("schedules", arrayOf(ref("Schedule"))));
    api.op("get", "/api/schedules/{name}", "schedules", "One schedule")
        .param("name", "path", true, "Periodic job name", string(null))
        .ok(200, "The schedule", ref("Schedule"))
        .notFound();
    api.op("post", "/api/schedules/{name}/pause", "schedules", "Stop firing until resumed")
        .param("name", "path", true, "Periodic job name", string(null))
        .ok(200, "Paused; a tick not yet committed fires nothing", ref("Schedule"))
        .notFound()
        .cli("schedules pause");
    api.op(
            "post",
            "/api/schedules/{name}/resume",
            "schedules",
            "Fire again from the next tick; resuming an orphaned schedule makes it fire anyway")
        .param("name", "path", true, "Periodic job name", string(null))
        .ok(200, "Resumed", ref("Schedule"))
        .notFound()
        .cli("schedules resume");
    api.op(
            "post",
            "/api/schedules/{name}/trigger",
            "schedules",
            "Enqueue one job from the schedule now (its ticks are unchanged)")
        .param("name", "path", true, "Periodic job name", string(null))
        .ok(201, "The job enqueued, tagged trigger:<n>", ref("ScheduleTriggered"))
        .notFound()
        .cli("schedules trigger");
    api.op(
            "delete",
            "/api/schedules/{name}",
            "schedules",
            "Remove the schedule (jobs already enqueued stay); a node starting with it adds it again")
        .param("name", "path", true, "Periodic job name", string(null))
        .ok(200, "Deleted", object("name", string(null), "deleted", bool()))
        .notFound()
        .cli("schedules delete");
  }
}
