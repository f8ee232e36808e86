package io.millrace.server;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.ValidationException;
import io.millrace.health.Readiness;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Millrace over HTTP: {@code /health} (liveness), {@code /ready} (readiness), {@code /metrics}
 * (Prometheus text) and the JSON admin API under {@code /api}.
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * Millrace millrace = Millrace.builder(dataSource).meterRegistry(registry)...build();
 * MillraceServer server = MillraceServer.builder(millrace, registry).port(8080).token(secret).start();
 * }</pre>
 *
 * <p>Safe by default: binds to 127.0.0.1; with a token configured, every POST needs {@code
 * Authorization: Bearer <token>} or {@code X-Millrace-Token: <token>}; bodies over 2 MiB are
 * refused. Reads stay open so that probes and scrapers need no secret. Errors are always
 * {@code {"error": ..., "field": ...}}.
 */
public final class MillraceServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MillraceServer.class);
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final Javalin app;
  private final String host;

  private MillraceServer(Builder b) {
    this.host = b.host;
    PrometheusMeterRegistry registry = b.registry;
    byte[] token = b.token == null ? null : b.token.getBytes(StandardCharsets.UTF_8);
    app = Javalin.create(config -> {
      config.showJavalinBanner = false;
      config.http.maxRequestSize = b.maxBodyBytes;
      config.jsonMapper(new JavalinJackson(ApiJson.MAPPER, false));
    });
    // Constant time and no database: a liveness probe must not fail because PostgreSQL is slow.
    app.get("/health", ctx -> ctx.json(Map.of("status", "ok")));
    app.get("/ready", ctx -> ready(ctx, b.millrace.readiness().report()));
    app.get("/metrics", ctx -> ctx.contentType(PROMETHEUS_TEXT).result(registry.scrape()));
    app.before("/api/*", ctx -> {
      if (token != null && ctx.method() == HandlerType.POST && !authorized(ctx, token)) {
        throw new HttpResponseException(HttpStatus.UNAUTHORIZED.getCode(), "a valid token is required");
      }
      // Checked before the body is read, so an oversized body is refused without buffering it.
      if (ctx.contentLength() > b.maxBodyBytes) {
        throw new HttpResponseException(HttpStatus.CONTENT_TOO_LARGE.getCode(),
            "request body is larger than " + b.maxBodyBytes + " bytes");
      }
    });
    new AdminApi(b.millrace).register(app);
    new WorkflowsApi(b.millrace).register(app);
    new BackfillsApi(b.millrace).register(app);
    new ProjectionsApi(b.millrace).register(app);
    app.exception(ValidationException.class,
        (e, ctx) -> ctx.status(HttpStatus.BAD_REQUEST).json(new ApiError(e.getMessage(), e.field())));
    app.exception(HttpResponseException.class, (e, ctx) -> {
      if (e.getStatus() == HttpStatus.UNAUTHORIZED.getCode()) {
        ctx.header("WWW-Authenticate", "Bearer");
      }
      ctx.status(e.getStatus()).json(new ApiError(e.getMessage(), null));
    });
    app.exception(Exception.class, (e, ctx) -> {
      log.error("{} {} failed", ctx.method(), ctx.path(), e);
      ctx.status(HttpStatus.INTERNAL_SERVER_ERROR).json(new ApiError(String.valueOf(e.getMessage()), null));
    });
    app.error(HttpStatus.NOT_FOUND.getCode(), ctx -> {
      if (ctx.result() == null) {
        ctx.json(new ApiError("no such endpoint: " + ctx.method() + " " + ctx.path(), null));
      }
    });
  }

  /**
   * A server for {@code millrace}, scraping {@code registry} on {@code /metrics}. The node must
   * have been built with that registry ({@code MillraceBuilder.meterRegistry}), or with a composite
   * that contains it, or its meters would silently be missing from the scrape.
   */
  public static Builder builder(Millrace millrace, PrometheusMeterRegistry registry) {
    return new Builder(millrace, registry);
  }

  /** The port the server listens on; the real one when it was started with port 0. */
  public int port() {
    return app.port();
  }

  /** The address it listens on. */
  public String host() {
    return host;
  }

  /** Stops listening. The Millrace node is the caller's to close. */
  @Override
  public void close() {
    app.stop();
  }

  private static void ready(Context ctx, Readiness.Report report) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ready", report.ready());
    body.put("checks", report.checks());
    body.put("pending", report.pending().stream().map(Readiness.Status::name).toList());
    ctx.status(report.ready() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json(body);
  }

  private static boolean authorized(Context ctx, byte[] token) {
    String given = ctx.header("X-Millrace-Token");
    String authorization = ctx.header("Authorization");
    if (given == null && authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      given = authorization.substring(7).trim();
    }
    // MessageDigest.isEqual compares in time independent of where the first difference is.
    return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token);
  }

  /** Configures and starts a {@link MillraceServer}. */
  public static final class Builder {
    private final Millrace millrace;
    private final PrometheusMeterRegistry registry;
    private String host = "127.0.0.1";
    private int port = 8080;
    private String token;
    private long maxBodyBytes = 2L * 1024 * 1024;

    private Builder(Millrace millrace, PrometheusMeterRegistry registry) {
      this.millrace = Objects.requireNonNull(millrace, "millrace");
      this.registry = Objects.requireNonNull(registry, "registry");
      if (!feeds(millrace.meters(), registry)) {
        throw new ValidationException("registry",
            "the Millrace node was not built with this registry; pass it to MillraceBuilder.meterRegistry");
      }
    }

    /**
     * The address to bind; default {@code 127.0.0.1} (this machine only). {@code 0.0.0.0} exposes
     * the admin API to the network: set a token first.
     */
    public Builder host(String host) {
      if (host == null || host.isBlank()) {
        throw new ValidationException("bind", "must not be blank");
      }
      this.host = host;
      return this;
    }

    /** The port; default 8080; 0 picks a free one (read it back with {@link #port()}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new ValidationException("port", "must be between 0 and 65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /** The token mutating requests (POST) must carry; default none, so anyone who can connect may act. */
    public Builder token(String token) {
      if (token != null && token.isBlank()) {
        throw new ValidationException("token", "must not be blank");
      }
      this.token = token;
      return this;
    }

    /** The largest request body accepted; default 2 MiB. Larger bodies get 413. */
    public Builder maxBodyBytes(long maxBodyBytes) {
      if (maxBodyBytes < 1024) {
        throw new ValidationException("maxBodyBytes", "must be at least 1024");
      }
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /** Starts listening; {@code /health} answers from here on. */
    public MillraceServer start() {
      MillraceServer server = new MillraceServer(this);
      server.app.start(host, port);
      log.info("Millrace HTTP listening on http://{}:{}", host, server.port());
      return server;
    }

    private static boolean feeds(MeterRegistry nodeMeters, PrometheusMeterRegistry registry) {
      if (nodeMeters == registry) {
        return true;
      }
      return nodeMeters instanceof CompositeMeterRegistry composite
          && composite.getRegistries().stream().anyMatch(r -> feeds(r, registry));
    }
  }
}
