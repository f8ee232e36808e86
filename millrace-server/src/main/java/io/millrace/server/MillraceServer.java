package io.millrace.server;

import io.javalin.config.JavalinConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.base.ValidationException;
import jakarta.servlet.DispatcherType;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.jspecify.annotations.Nullable;
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
 * <p>Safe by default: binds to 127.0.0.1 and then answers only requests addressed to a loopback
 * name; with a token configured, every mutation needs {@code Authorization: Bearer <token>} or
 * {@code X-Millrace-Token: <token>} (reads too with {@link Builder#readsNeedToken}); a read-only
 * server refuses every mutation; cross-origin mutations from browsers are refused; bodies over 2
 * MiB are refused (see {@link ApiGuard}). Probes ({@code /health}, {@code /ready}) and {@code
 * /metrics} never need a token. Errors are always {@code {"error": ..., "field": ...}}. The
 * dashboard is at {@code /}; the API is described at {@code /api/openapi.json}.
 */
public final class MillraceServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MillraceServer.class);

  private final WebApp app;
  private final String host;

  private MillraceServer(Builder b) {
    this.host = b.host;
    this.app =
        new WebApp(
            new WebApp.Settings(
                b.millrace,
                b.registry,
                b.token,
                b.readsNeedToken,
                b.readOnly,
                b.host,
                b.maxBodyBytes,
                b.throughputInterval),
            config -> jetty(config, b.maxBodyBytes));
  }

  /**
   * The standalone server's Jetty: every body capped as it is read, whatever its transfer encoding
   * ({@link BodyCap}), and Jetty's own refusals in the API's error shape ({@link JettyErrors}).
   */
  private static void jetty(JavalinConfig config, long maxBodyBytes) {
    config.jetty.modifyServletContextHandler(
        handler -> {
          handler.addFilter(
              new FilterHolder(new BodyCap(maxBodyBytes)),
              "/*",
              EnumSet.of(DispatcherType.REQUEST));
          handler.setErrorHandler(new JettyErrors());
        });
    config.jetty.modifyServer(server -> server.setErrorHandler(new JettyErrors()));
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
    return app.javalin.port();
  }

  /** The address it listens on. */
  public String host() {
    return host;
  }

  /** Stops listening. The Millrace node is the caller's to close. */
  @Override
  public void close() {
    app.throughput.close();
    app.javalin.stop();
  }

  /** "METHOD /path" of every route registered, for the test that checks each is documented. */
  List<String> routes() {
    return app.routes();
  }

  /** Configures and starts a {@link MillraceServer}. */
  public static final class Builder {
    private final Millrace millrace;
    private final PrometheusMeterRegistry registry;
    private String host = "127.0.0.1";
    private int port = 8080;
    private @Nullable String token;
    private long maxBodyBytes = 2L * 1024 * 1024;
    private boolean readOnly;
    private boolean readsNeedToken;
    private Duration throughputInterval = Duration.ofSeconds(5);

    private Builder(Millrace millrace, PrometheusMeterRegistry registry) {
      this.millrace = Objects.requireNonNull(millrace, "millrace");
      this.registry = Objects.requireNonNull(registry, "registry");
      if (!feeds(millrace.meters(), registry)) {
        throw new ValidationException(
            "registry",
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

    /** The token mutating requests must carry; default none, so anyone who can connect may act. */
    public Builder token(@Nullable String token) {
      if (token != null && token.isBlank()) {
        throw new ValidationException("token", "must not be blank");
      }
      this.token = token;
      return this;
    }

    /**
     * Read-only mode; default false. Every mutating request is refused with 403, whatever token it
     * carries: for a dashboard that may be shown to people who must not steer.
     */
    public Builder readOnly(boolean readOnly) {
      this.readOnly = readOnly;
      return this;
    }

    /**
     * Whether reads under {@code /api} need the token too; default false. Needs a {@link #token}.
     */
    public Builder readsNeedToken(boolean readsNeedToken) {
      this.readsNeedToken = readsNeedToken;
      return this;
    }

    /** How often the dashboard's throughput chart samples the counters; default 5 s. */
    public Builder throughputInterval(Duration interval) {
      if (interval == null || interval.toMillis() < 100) {
        throw new ValidationException("throughputInterval", "must be at least 100 ms");
      }
      this.throughputInterval = interval;
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
      if (readsNeedToken && token == null) {
        throw new ValidationException("readsNeedToken", "needs a token to require");
      }
      MillraceServer server = new MillraceServer(this);
      server.app.javalin.start(host, port);
      server.app.throughput.start();
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
