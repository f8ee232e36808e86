package io.millrace.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.millrace.Millrace;
import io.millrace.jobs.EnqueueResult;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobAdmin;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON admin API under {@code /api}: a thin mapping from HTTP to {@link JobAdmin} and {@link
 * Millrace#enqueue}, so the API, the CLI and the dashboard behave the same. Request strings are
 * parsed and validated here or by the core; none ever reaches SQL other than as a bound value.
 */
final class AdminApi {
  /** Page size when {@code limit} is not given. */
  static final int DEFAULT_LIMIT = 50;

  private final Millrace millrace;

  AdminApi(Millrace millrace) {
    this.millrace = millrace;
  }

  void register(RoutesConfig routes) {
    routes.get("/api/jobs", this::listJobs);
    routes.post("/api/jobs", this::enqueue);
    routes.get("/api/jobs/{id}", this::getJob);
    routes.post("/api/jobs/{id}/cancel", this::cancel);
    routes.post("/api/jobs/{id}/retry", this::retry);
    routes.get("/api/queues", this::queues);
    routes.get("/api/storage/counters", ctx -> ctx.json(counters(false)));
    routes.post("/api/storage/counters/verify", ctx -> ctx.json(counters(true)));
    routes.post(
        "/api/storage/counters/rebuild",
        ctx -> {
          millrace.counts().rebuild();
          ctx.json(counters(false));
        });
    routes.post("/api/queues/{name}/pause", ctx -> setPaused(ctx, true));
    routes.post("/api/queues/{name}/resume", ctx -> setPaused(ctx, false));
    routes.post("/api/queues/{name}/limits", this::setLimits);
    routes.get(
        "/api/nodes", ctx -> ctx.json(ReadSource.read(ctx, millrace, v -> v.nodes().list())));
  }

  private void listJobs(Context ctx) {
    JobAdmin.Filter filter = JobFilters.fromQuery(ctx, DEFAULT_LIMIT);
    List<Job> jobs = ReadSource.read(ctx, millrace, v -> v.jobs().list(filter));
    // A full page may have a successor; its keyset cursor is the last id shown.
    String next =
        jobs.size() == filter.limit() ? Long.toString(jobs.get(jobs.size() - 1).id()) : null;
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("jobs", jobs);
    body.put("next", next);
    ctx.json(body);
  }

  /** 201 for a new job; 200 when a unique key returned an existing one (nothing was created). */
  private void enqueue(Context ctx) {
    EnqueueResult result = millrace.enqueue(EnqueueBody.parse(ApiBody.read(ctx)));
    ctx.status(result.duplicate() ? HttpStatus.OK : HttpStatus.CREATED).json(result);
  }

  private void getJob(Context ctx) {
    long id = id(ctx);
    ReadSource.read(ctx, millrace, v -> v.jobs().get(id))
        .ifPresentOrElse(ctx::json, () -> notFound(ctx, "id", "job " + id + " not found"));
  }

  private void cancel(Context ctx) {
    long id = id(ctx);
    JobAdmin.CancelResult result = millrace.admin().cancel(id);
    answer(ctx, id, result.name(), result == JobAdmin.CancelResult.NOT_FOUND);
  }

  private void retry(Context ctx) {
    long id = id(ctx);
    JobAdmin.RetryResult result = millrace.admin().retry(id);
    answer(ctx, id, result.name(), result == JobAdmin.RetryResult.NOT_FOUND);
  }

  /**
   * One answer shape for job actions: 404 when the job does not exist, else what the action did.
   */
  private static void answer(Context ctx, long id, String result, boolean notFound) {
    if (notFound) {
      notFound(ctx, "id", "job " + id + " not found");
      return;
    }
    ctx.json(Map.of("id", id, "result", result.toLowerCase(java.util.Locale.ROOT)));
  }

  /** {@code ?read=exact} (default) or {@code ?read=fast} (never scans history; see Counts.fast). */
  private void queues(Context ctx) {
    String read = ctx.queryParam("read");
    if (read != null && !read.equals("exact") && !read.equals("fast")) {
      throw new io.millrace.base.ValidationException(
          "read", "'" + read + "' is neither exact nor fast");
    }
    ctx.json(ReadSource.read(ctx, millrace, v -> v.queues(!"fast".equals(read))));
  }

  /**
   * Counter drift against history; with {@code clearOnDrift}, drift also clears the trust marker.
   */
  private Map<String, Object> counters(boolean clearOnDrift) {
    List<io.millrace.counts.Drift> drift = millrace.counts().verify(clearOnDrift);
    Map<String, Object> body = new LinkedHashMap<>();
    io.millrace.counts.Trust trust = millrace.counts().trust();
    body.put("trusted", trust.trusted());
    body.put("untrustedBecause", trust.untrustedBecause());
    body.put("drift", drift);
    return body;
  }

  private void setPaused(Context ctx, boolean paused) {
    String queue = ctx.pathParam("name");
    millrace.admin().setPaused(queue, paused);
    ctx.json(Map.of("queue", queue, "paused", paused));
  }

  /** Flow control: the body's limits replace the queue's (absent ones: none). */
  private void setLimits(Context ctx) {
    String queue = ctx.pathParam("name");
    io.millrace.jobs.QueueLimits limits = LimitsBody.parse(ApiBody.read(ctx));
    millrace.admin().setLimits(queue, limits);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("queue", queue);
    body.put("limits", limits);
    ctx.json(body);
  }

  private static long id(Context ctx) {
    return BadInput.parseLong("id", ctx.pathParam("id"));
  }

  /** 404 naming the path parameter that names nothing. */
  static void notFound(Context ctx, String field, String message) {
    ctx.status(HttpStatus.NOT_FOUND).json(ErrorMapping.error(message, field));
  }
}
