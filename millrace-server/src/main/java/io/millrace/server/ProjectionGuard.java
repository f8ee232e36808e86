package io.millrace.server;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpStatus;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.projections.QueryStatus;

/**
 * Keeps queries away from a read model that is not ready: while the projection catches up
 * (start-up, rebuild, new fingerprint), after it failed, or while committed events have waited
 * behind an open write transaction longer than its staleness budget, a guarded route answers 503
 * with {@code X-Query-Status: rebuilding}, {@code failed} or {@code stale} and a JSON error,
 * instead of serving partial or stale data. The status is one primary-key read, shared by every
 * node.
 *
 * <pre>{@code
 * config.routes.before("/orders/*", ProjectionGuard.require(millrace, "order-totals")); // Javalin
 * if (!ProjectionGuard.check(ctx, millrace, "order-totals")) return;           // inside a handler
 * }</pre>
 */
public final class ProjectionGuard {
  /** The response header that says why a query was refused. */
  public static final String HEADER = "X-Query-Status";

  private ProjectionGuard() {}

  /** A before-handler that refuses the request unless {@code projection} is ready. */
  public static Handler require(Millrace millrace, String projection) {
    JobRequest.requireName("projection", projection);
    return ctx -> {
      if (!check(ctx, millrace, projection)) {
        ctx.skipRemainingHandlers();
      }
    };
  }

  /**
   * True when {@code projection} is ready; otherwise answers the request with 503 and returns
   * false. A projection no node has registered yet counts as rebuilding.
   */
  public static boolean check(Context ctx, Millrace millrace, String projection) {
    QueryStatus status = millrace.projections().queryStatus(projection);
    if (status == QueryStatus.READY) {
      return true;
    }
    // A projection no node has registered yet counts as rebuilding.
    QueryStatus shown = status == QueryStatus.UNKNOWN ? QueryStatus.REBUILDING : status;
    ctx.header(HEADER, shown.header());
    ctx.header("Retry-After", shown == QueryStatus.FAILED ? "60" : "5");
    ctx.status(HttpStatus.SERVICE_UNAVAILABLE)
        .json(
            new ApiError(
                "projection "
                    + projection
                    + switch (shown) {
                      case FAILED -> " has failed; it needs a retry or a rebuild";
                      case STALE ->
                          " is stale: committed events have waited behind an open write"
                              + " transaction longer than its staleness budget";
                      default -> " is catching up; its read model is not complete yet";
                    },
                null));
    return false;
  }
}
