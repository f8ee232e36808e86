package io.millrace.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.millrace.Millrace;
import io.millrace.jobs.BulkActions;
import io.millrace.jobs.JobAdmin;

/**
 * Job actions beyond the foundation's retry and cancel: discard one job, and retry, cancel or
 * discard every job matching a filter. The CLI has the same actions ({@code jobs discard}, {@code
 * jobs bulk}); both call {@link JobAdmin}, so they cannot disagree.
 */
final class JobActionsApi {
  /** Jobs acted on by one bulk request when {@code max} is not given. */
  static final int DEFAULT_BULK_MAX = 1000;

  private final Millrace millrace;

  JobActionsApi(Millrace millrace) {
    this.millrace = millrace;
  }

  void register(RoutesConfig routes) {
    routes.post("/api/jobs/{id}/discard", this::discard);
    routes.post("/api/bulk/jobs/{action}", this::bulk);
  }

  private void discard(Context ctx) {
    long id = BadInput.parseLong("id", ctx.pathParam("id"));
    JobAdmin.DiscardResult result = millrace.admin().discard(id);
    if (result == JobAdmin.DiscardResult.NOT_FOUND) {
      AdminApi.notFound(ctx, "id", "job " + id + " not found");
      return;
    }
    ctx.json(
        java.util.Map.of("id", id, "result", result.name().toLowerCase(java.util.Locale.ROOT)));
  }

  private void bulk(Context ctx) {
    BulkActions.Action action = BulkActions.Action.parse("action", ctx.pathParam("action"));
    JobFilters.Bulk bulk = JobFilters.fromBody(ApiBody.read(ctx), DEFAULT_BULK_MAX);
    ctx.json(millrace.admin().bulk(action, bulk.filter(), bulk.max()));
  }
}
