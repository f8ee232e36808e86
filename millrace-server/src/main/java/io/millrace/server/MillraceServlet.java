package io.millrace.server;

import io.javalin.http.servlet.JavalinServlet;
import io.millrace.Millrace;
import io.millrace.base.ValidationException;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The admin API and the dashboard as a servlet, for an application's own web server (Tomcat, Jetty,
 * Undertow): register it under a path of the application's choosing, {@code /millrace/*} say, and
 * the dashboard is at {@code /millrace/}, the API at {@code /millrace/api/...}, readiness at {@code
 * /millrace/ready}. The Spring Boot starter registers it for you ({@code millrace.web.*}).
 *
 * <pre>{@code
 * MillraceServlet servlet = MillraceServlet.builder(millrace).readOnly(true).build();
 * context.addServlet("millrace", servlet).addMapping("/millrace/*");
 * }</pre>
 *
 * <p>The same routes, error shape, input hardening and pages as {@link MillraceServer}, with these
 * differences: who may reach it is the application's business (its filters, Spring Security among
 * them, run before this servlet), so there is no token and no loopback check; there is no {@code
 * /metrics} (the application exports its own meter registry); and it runs in whatever container the
 * application has, needing none of Jetty. Mutations from a browser on another origin are still
 * refused, and in read-only mode every request but GET, HEAD and OPTIONS is refused with 403.
 */
public final class MillraceServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

  private final transient WebApp app;
  private final transient JavalinServlet javalin;
  private final boolean readOnly;
  private final long maxBodyBytes;

  private MillraceServlet(Builder b) {
    this.readOnly = b.readOnly;
    this.maxBodyBytes = b.maxBodyBytes;
    this.app =
        new WebApp(
            new WebApp.Settings(
                b.millrace,
                null,
                null,
                false,
                b.readOnly,
                null,
                b.maxBodyBytes,
                b.throughputInterval),
            config -> {});
    // Javalin's plain servlet: no Jetty, no WebSocket upgrade, any container.
    this.javalin = new JavalinServlet(app.javalin.unsafe);
  }

  /** A servlet serving {@code millrace}. */
  public static Builder builder(Millrace millrace) {
    return new Builder(millrace);
  }

  @Override
  public void init(ServletConfig config) throws ServletException {
    super.init(config);
    javalin.init(config);
    app.throughput.start();
  }

  @Override
  public void destroy() {
    app.throughput.close();
    javalin.destroy();
    super.destroy();
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws ServletException, IOException {
    if (request.getPathInfo() == null) {
      // "/millrace" itself: the page's links are relative, so it must be read as "/millrace/".
      String query = request.getQueryString();
      response.setStatus(HttpServletResponse.SC_MOVED_PERMANENTLY);
      response.setHeader(
          "Location", request.getRequestURI() + "/" + (query == null ? "" : "?" + query));
      return;
    }
    if (readOnly && !READS.contains(request.getMethod())) {
      refuse(response, request.getMethod() + " " + request.getRequestURI());
      return;
    }
    javalin.service(new Mounted(request, maxBodyBytes), response);
  }

  private static void refuse(HttpServletResponse response, String what) throws IOException {
    byte[] body =
        ApiJson.MAPPER.writeValueAsBytes(
            ErrorMapping.error(
                "Millrace is mounted read-only (millrace.web.mode=read-only): "
                    + what
                    + " is refused",
                null));
    response.setStatus(HttpServletResponse.SC_FORBIDDEN);
    response.setContentType("application/json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  /**
   * The request as Javalin must see it: the mount is part of the context path, so the routes
   * ({@code /api/queues}) match below it; and the body is capped on the bytes read ({@link
   * BodyCap}).
   */
  private static final class Mounted extends HttpServletRequestWrapper {
    private final String contextPath;
    private final long max;
    private @Nullable ServletInputStream stream;

    Mounted(HttpServletRequest request, long max) {
      super(request);
      this.contextPath = request.getContextPath() + request.getServletPath();
      this.max = max;
    }

    @Override
    public String getContextPath() {
      return contextPath;
    }

    @Override
    public String getServletPath() {
      return "";
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (stream == null) {
        stream = BodyCap.cap(super.getInputStream(), max);
      }
      return stream;
    }
  }

  /** Configures a {@link MillraceServlet}. */
  public static final class Builder {
    private final Millrace millrace;
    private boolean readOnly;
    private long maxBodyBytes = 2L * 1024 * 1024;
    private Duration throughputInterval = Duration.ofSeconds(5);

    private Builder(Millrace millrace) {
      this.millrace = Objects.requireNonNull(millrace, "millrace");
    }

    /**
     * Read-only mode; default false. Every request but GET, HEAD and OPTIONS is refused with 403
     * and a JSON error that says so, and the dashboard offers no actions.
     */
    public Builder readOnly(boolean readOnly) {
      this.readOnly = readOnly;
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

    /** How often the dashboard's throughput chart samples the counters; default 5 s. */
    public Builder throughputInterval(Duration interval) {
      if (interval == null || interval.toMillis() < 100) {
        throw new ValidationException("throughputInterval", "must be at least 100 ms");
      }
      this.throughputInterval = interval;
      return this;
    }

    /** The servlet; its container starts it ({@code init}) and stops it ({@code destroy}). */
    public MillraceServlet build() {
      return new MillraceServlet(this);
    }
  }
}
