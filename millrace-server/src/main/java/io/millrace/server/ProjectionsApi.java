package io.millrace.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.millrace.Millrace;
import io.millrace.projections.Document;
import io.millrace.projections.Projections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Projections over HTTP: {@code GET /api/projections[/{name}]}, {@code POST
 * /api/projections/{name}/rebuild|retry}, and the built-in document store's queries {@code GET
 * /api/projections/{name}/documents[/{id}]}, which answer 503 with {@code X-Query-Status} while the
 * projection is not ready (see {@link ProjectionGuard}).
 */
final class ProjectionsApi {
  static final int DEFAULT_LIMIT = 100;

  private final Millrace millrace;

  ProjectionsApi(Millrace millrace) {
    this.millrace = millrace;
  }

  void register(RoutesConfig routes) {
    routes.get("/api/projections", ctx -> ctx.json(millrace.projections().list()));
    routes.get(
        "/api/projections/{name}",
        ctx -> {
          String name = ctx.pathParam("name");
          millrace.projections().get(name).ifPresentOrElse(ctx::json, () -> unknown(ctx, name));
        });
    routes.post(
        "/api/projections/{name}/rebuild",
        ctx -> request(ctx, millrace.projections().rebuild(ctx.pathParam("name"))));
    routes.post(
        "/api/projections/{name}/retry",
        ctx -> request(ctx, millrace.projections().retry(ctx.pathParam("name"))));
    routes.get("/api/projections/{name}/documents/{id}", this::document);
    routes.get("/api/projections/{name}/documents", this::documents);
  }

  private void document(Context ctx) {
    String name = ctx.pathParam("name");
    String id = ctx.pathParam("id");
    if (!known(ctx, name) || !ProjectionGuard.check(ctx, millrace, name)) {
      return;
    }
    millrace
        .projections()
        .document(name, id)
        .ifPresentOrElse(
            ctx::json,
            () ->
                AdminApi.notFound(
                    ctx, "id", "projection " + name + " has no document '" + id + "'"));
  }

  private void documents(Context ctx) {
    String name = ctx.pathParam("name");
    if (!known(ctx, name) || !ProjectionGuard.check(ctx, millrace, name)) {
      return;
    }
    String limit = ctx.queryParam("limit");
    int n = limit == null || limit.isBlank() ? DEFAULT_LIMIT : BadInput.parseInt("limit", limit);
    List<Document> docs = millrace.projections().documents(name, ctx.queryParam("after"), n);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("documents", docs);
    body.put("next", docs.size() == n ? docs.get(docs.size() - 1).id() : null);
    ctx.json(body);
  }

  private boolean known(Context ctx, String name) {
    if (millrace.projections().queryStatus(name) != io.millrace.projections.QueryStatus.UNKNOWN) {
      return true;
    }
    unknown(ctx, name);
    return false;
  }

  /** 202: the node running the projection acts on it at its next step (at once, when woken). */
  private static void request(Context ctx, Projections.Request result) {
    String name = ctx.pathParam("name");
    switch (result) {
      case ACCEPTED ->
          ctx.status(HttpStatus.ACCEPTED).json(Map.of("projection", name, "result", "accepted"));
      case NOT_FOUND -> unknown(ctx, name);
      case NOT_FAILED ->
          ctx.status(HttpStatus.CONFLICT)
              .json(
                  new ApiError(
                      "projection " + name + " has not failed; retry applies to failed projections",
                      "name"));
    }
  }

  private static void unknown(Context ctx, String name) {
    AdminApi.notFound(ctx, "name", "no projection named " + name);
  }
}
