package io.millrace.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.millrace.Millrace;
import io.millrace.jobs.ScheduleStatus;
import io.millrace.jobs.Schedules;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Periodic jobs' schedules over HTTP: {@code GET /api/schedules} (all, by name), {@code GET
 * /api/schedules/{name}}, {@code POST /api/schedules/{name}/pause|resume} (answering the schedule),
 * {@code POST /api/schedules/{name}/trigger} (201 with the job it enqueued) and {@code DELETE
 * /api/schedules/{name}}. 404 for an unknown name. Every action is {@link Schedules}'.
 */
final class SchedulesApi {
  private final Schedules schedules;

  SchedulesApi(Millrace millrace) {
    this.schedules = millrace.schedules();
  }

  void register(RoutesConfig routes) {
    routes.get("/api/schedules", ctx -> ctx.json(Map.of("schedules", schedules.list())));
    routes.get("/api/schedules/{name}", ctx -> answer(ctx, schedules::get));
    routes.post("/api/schedules/{name}/pause", ctx -> answer(ctx, schedules::pause));
    routes.post("/api/schedules/{name}/resume", ctx -> answer(ctx, schedules::resume));
    routes.post(
        "/api/schedules/{name}/trigger",
        ctx -> {
          String name = ctx.pathParam("name");
          schedules
              .triggerNow(name)
              .ifPresentOrElse(
                  t -> ctx.status(HttpStatus.CREATED).json(t), () -> notFound(ctx, name));
        });
    routes.delete(
        "/api/schedules/{name}",
        ctx -> {
          String name = ctx.pathParam("name");
          if (schedules.delete(name)) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("deleted", true);
            ctx.json(body);
          } else {
            notFound(ctx, name);
          }
        });
  }

  private static void answer(Context ctx, Function<String, Optional<ScheduleStatus>> action) {
    String name = ctx.pathParam("name");
    action.apply(name).ifPresentOrElse(ctx::json, () -> notFound(ctx, name));
  }

  private static void notFound(Context ctx, String name) {
    AdminApi.notFound(ctx, "name", "schedule " + name + " not found");
  }
}
