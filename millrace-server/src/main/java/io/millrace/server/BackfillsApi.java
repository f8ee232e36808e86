package io.millrace.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.millrace.Millrace;
import io.millrace.backfills.Backfills;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Backfills over HTTP: {@code GET /api/backfills} (all, in registration order), {@code GET
 * /api/backfills/{name}}, and {@code POST /api/backfills/{name}/pause|resume|cancel|retry}. An
 * action answers 200 with {@code {name, action, applied: true, state}}, 404 for an unknown name,
 * and 409 when the backfill's state does not allow it (resuming one that is not paused, say).
 */
final class BackfillsApi {
  private final Millrace millrace;
  private final Backfills backfills;

  BackfillsApi(Millrace millrace) {
    this.millrace = millrace;
    this.backfills = millrace.backfills();
  }

  void register(RoutesConfig routes) {
    routes.get(
        "/api/backfills",
        ctx ->
            ctx.json(
                Map.of("backfills", ReadSource.read(ctx, millrace, v -> v.backfills().list()))));
    routes.get(
        "/api/backfills/{name}",
        ctx -> {
          String name = ctx.pathParam("name");
          ReadSource.read(ctx, millrace, v -> v.backfills().get(name))
              .ifPresentOrElse(
                  ctx::json,
                  () -> AdminApi.notFound(ctx, "name", "backfill " + name + " not found"));
        });
    routes.post("/api/backfills/{name}/pause", ctx -> act(ctx, backfills::pause));
    routes.post("/api/backfills/{name}/resume", ctx -> act(ctx, backfills::resume));
    routes.post("/api/backfills/{name}/cancel", ctx -> act(ctx, backfills::cancel));
    routes.post("/api/backfills/{name}/retry", ctx -> act(ctx, backfills::retry));
  }

  private static void act(Context ctx, Function<String, Optional<Backfills.Action>> action) {
    String name = ctx.pathParam("name");
    Optional<Backfills.Action> done = action.apply(name);
    if (done.isEmpty()) {
      AdminApi.notFound(ctx, "name", "backfill " + name + " not found");
      return;
    }
    Backfills.Action a = done.get();
    if (!a.applied()) {
      ctx.status(HttpStatus.CONFLICT)
          .json(
              new ApiError(
                  "cannot " + a.action() + " backfill " + name + ": it is " + a.state().dbName(),
                  "name"));
      return;
    }
    ctx.json(a);
  }
}
