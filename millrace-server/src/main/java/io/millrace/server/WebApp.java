package io.millrace.server;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.json.JavalinJackson;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.health.Readiness;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The one Javalin application behind both ways of serving Millrace over HTTP: the standalone server
 * ({@link MillraceServer}, on its own Jetty) and the servlet an application mounts in its own web
 * server ({@link MillraceServlet}). Nothing here touches Jetty: the standalone server adds its
 * Jetty settings through {@code container}.
 */
final class WebApp {
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final String STARTED = "millrace.started";

  /** What the two front ends share. */
  record Settings(
      Millrace millrace,
      @Nullable PrometheusMeterRegistry registry,
      @Nullable String token,
      boolean readsNeedToken,
      boolean readOnly,
      @Nullable String bindHost,
      long maxBodyBytes,
      Duration throughputInterval) {}

  final Javalin javalin;
  final ThroughputSampler throughput;
  private final List<String> routes = new CopyOnWriteArrayList<>();

  WebApp(Settings s, Consumer<JavalinConfig> container) {
    ApiGuard guard =
        new ApiGuard(s.token(), s.readsNeedToken(), s.readOnly(), s.bindHost(), s.maxBodyBytes());
    throughput = new ThroughputSampler(s.millrace(), s.throughputInterval());
    javalin =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.startup.showOldJavalinVersionWarning = false;
              config.http.maxRequestSize = s.maxBodyBytes();
              config.jsonMapper(new JavalinJackson(ApiJson.MAPPER, false));
              config.events.handlerAdded(h -> routes.add(h.getHttpMethod() + " " + h.getPath()));
              container.accept(config);
              register(config.routes, s, guard);
            });
  }

  /** "METHOD /path" of every route registered, for the test that checks each is documented. */
  List<String> routes() {
    return List.copyOf(routes);
  }

  private void register(RoutesConfig app, Settings s, ApiGuard guard) {
    app.before(guard::checkHost);
    // Constant time and no database: a liveness probe must not fail because PostgreSQL is slow.
    app.get("/health", ctx -> ctx.json(Map.of("status", "ok")));
    app.get("/ready", ctx -> ready(ctx, s.millrace().readiness().report()));
    PrometheusMeterRegistry registry = s.registry();
    if (registry != null) {
      app.get("/metrics", ctx -> ctx.contentType(PROMETHEUS_TEXT).result(registry.scrape()));
    }
    app.before(
        "/api/*",
        ctx -> {
          ctx.attribute(STARTED, System.nanoTime());
          guard.checkApi(ctx);
        });
    // After routing, so each route's own documented parameters are known.
    ApiParams params = new ApiParams(ApiDocs.document());
    app.beforeMatched("/api/*", params::check);
    // Server time of each API answer, so the dashboard and benchmarks can see it (browsers show it
    // too).
    app.after(
        "/api/*",
        ctx -> {
          Long started = ctx.attribute(STARTED);
          if (started != null) {
            ctx.header(
                "Server-Timing",
                String.format(Locale.ROOT, "app;dur=%.2f", (System.nanoTime() - started) / 1e6));
          }
        });
    new AdminApi(s.millrace()).register(app);
    new WorkflowsApi(s.millrace()).register(app);
    new BackfillsApi(s.millrace()).register(app);
    new ProjectionsApi(s.millrace()).register(app);
    new SchedulesApi(s.millrace()).register(app);
    new JobActionsApi(s.millrace()).register(app);
    new DashboardApi(s.millrace(), guard, throughput).register(app);
    new Dashboard().register(app);
    ErrorMapping.register(app);
    app.error(
        HttpStatus.NOT_FOUND.getCode(),
        ctx -> {
          if (ctx.result() == null) {
            ctx.json(
                ErrorMapping.error("no such endpoint: " + ctx.method() + " " + ctx.path(), "path"));
          }
        });
  }

  private static void ready(Context ctx, Readiness.Report report) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ready", report.ready());
    body.put("checks", report.checks());
    body.put("pending", report.pending().stream().map(Readiness.Status::name).toList());
    ctx.status(report.ready() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json(body);
  }
}
