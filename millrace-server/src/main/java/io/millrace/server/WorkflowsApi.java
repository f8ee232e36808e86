package io.millrace.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.millrace.Millrace;
import io.millrace.workflows.WorkflowView;
import io.millrace.workflows.Workflows;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Workflows in the admin API: {@code GET /api/workflows} (newest first, keyset-paged on id, filter
 * by {@code namespace} and {@code tag}), {@code GET /api/workflows/{id}} (the workflow with its
 * members, their states and joins, and its edges) and {@code POST /api/workflows/{id}/cancel}.
 */
final class WorkflowsApi {
  private final Millrace millrace;

  WorkflowsApi(Millrace millrace) {
    this.millrace = millrace;
  }

  void register(RoutesConfig routes) {
    routes.get("/api/workflows", this::list);
    routes.get("/api/workflows/{id}", this::get);
    routes.post("/api/workflows/{id}/cancel", this::cancel);
  }

  private void list(Context ctx) {
    String before = ctx.queryParam("before");
    String limitParam = ctx.queryParam("limit");
    int limit = blank(limitParam) ? AdminApi.DEFAULT_LIMIT : BadInput.parseInt("limit", limitParam);
    @Nullable String namespace = blankToNull(ctx.queryParam("namespace"));
    @Nullable String tag = blankToNull(ctx.queryParam("tag"));
    @Nullable Long beforeId = blank(before) ? null : BadInput.parseLong("before", before);
    List<WorkflowView.Summary> page =
        ReadSource.read(ctx, millrace, v -> v.workflows().list(namespace, tag, beforeId, limit));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("workflows", page);
    // A full page may have a successor; its keyset cursor is the last id shown.
    body.put("next", page.size() == limit ? Long.toString(page.get(page.size() - 1).id()) : null);
    ctx.json(body);
  }

  private void get(Context ctx) {
    long id = BadInput.parseLong("id", ctx.pathParam("id"));
    ReadSource.read(ctx, millrace, v -> v.workflows().get(id))
        .ifPresentOrElse(
            ctx::json, () -> AdminApi.notFound(ctx, "id", "workflow " + id + " not found"));
  }

  private void cancel(Context ctx) {
    long id = BadInput.parseLong("id", ctx.pathParam("id"));
    if (millrace.workflows().cancel(id) == Workflows.CancelResult.NOT_FOUND) {
      AdminApi.notFound(ctx, "id", "workflow " + id + " not found");
      return;
    }
    ctx.json(Map.of("id", id, "result", "cancelled"));
  }

  private static boolean blank(@Nullable String s) {
    return s == null || s.isBlank();
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return blank(s) ? null : s;
  }
}
