package io.millrace.server;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The web dashboard: plain HTML, CSS and ES modules from the jar ({@code
 * io/millrace/server/dashboard/}), no build step. The page shell is {@code index.html} at {@code
 * /}; each capability's page is a module of its own under {@code pages/}, listed in {@code
 * pages/index.js}. Everything the pages show comes from the admin API, so the dashboard can do
 * nothing the API (and the CLI) cannot.
 *
 * <p>The Content-Security-Policy allows scripts, styles and requests from this server only and no
 * inline script: even if data were ever written into the page as markup, it could not run. (The
 * pages write data with {@code textContent} only.)
 */
final class Dashboard {
  static final String RESOURCES = "/io/millrace/server/dashboard";
  static final Map<String, String> HEADERS =
      Map.of(
          "Content-Security-Policy",
              "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                  + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
          "X-Content-Type-Options", "nosniff",
          "X-Frame-Options", "DENY",
          "Referrer-Policy", "no-referrer",
          "Cache-Control", "no-cache");

  private final byte[] index;

  Dashboard() {
    try (InputStream in = Dashboard.class.getResourceAsStream(RESOURCES + "/index.html")) {
      if (in == null) {
        throw new IllegalStateException("dashboard resources missing from the jar: " + RESOURCES);
      }
      index = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Serves the assets under {@code /dashboard/}; call while configuring Javalin. */
  static void configure(JavalinConfig config) {
    config.staticFiles.add(
        files -> {
          files.hostedPath = "/dashboard";
          files.directory = RESOURCES;
          files.location = Location.CLASSPATH;
          files.headers = HEADERS;
        });
  }

  void register(Javalin app) {
    app.get("/", this::page);
  }

  private void page(Context ctx) {
    HEADERS.forEach(ctx::header);
    ctx.contentType("text/html; charset=utf-8").result(index);
  }
}
