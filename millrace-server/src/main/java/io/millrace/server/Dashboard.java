package io.millrace.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The web dashboard: plain HTML, CSS and ES modules from the jar ({@code
 * io/millrace/server/dashboard/}), no build step. The page shell is {@code index.html} at {@code
 * /}; each capability's page is a module of its own under {@code pages/}, listed in {@code
 * pages/index.js}. Everything the pages show comes from the admin API, so the dashboard can do
 * nothing the API (and the CLI) cannot.
 *
 * <p>Every link and request of the pages is relative to where the page was served, so the same
 * files work at {@code /} of the standalone server and under any path an application mounts them
 * at. The assets are served by a route of their own, not by the container's static-file handler:
 * the same code then serves them in Jetty and in any other servlet container.
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

  /** An asset's path under {@code /dashboard/}: plain names only, so nothing outside is reached. */
  private static final Pattern ASSET = Pattern.compile("(?:[a-z0-9-]+/)*[a-z0-9-]+\\.(js|css)");

  private static final Map<String, String> TYPES =
      Map.of("js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8");

  /** An asset read once from the jar, with the validator browsers revalidate it by. */
  private record Asset(byte[] bytes, String type, String etag) {}

  private final byte[] index;
  // Only files that exist are kept: a request for a made-up name leaves nothing behind.
  private final Map<String, Asset> assets = new ConcurrentHashMap<>();

  Dashboard() {
    index = read("index.html");
  }

  void register(RoutesConfig routes) {
    routes.get("/", this::page);
    routes.get("/dashboard/<asset>", this::asset);
  }

  private void page(Context ctx) {
    HEADERS.forEach(ctx::header);
    ctx.contentType("text/html; charset=utf-8").result(index);
  }

  private void asset(Context ctx) {
    String name = ctx.pathParam("asset");
    Asset asset = assets.get(name);
    if (asset == null) {
      asset = load(name);
      if (asset == null) {
        ctx.status(HttpStatus.NOT_FOUND)
            .json(ErrorMapping.error("no such dashboard file: " + name, "path"));
        return;
      }
      assets.put(name, asset);
    }
    HEADERS.forEach(ctx::header);
    ctx.header("ETag", asset.etag());
    if (asset.etag().equals(ctx.header("If-None-Match"))) {
      ctx.status(HttpStatus.NOT_MODIFIED);
      return;
    }
    ctx.contentType(asset.type()).result(asset.bytes());
  }

  private static @Nullable Asset load(String name) {
    Matcher m = ASSET.matcher(name);
    if (!m.matches() || Dashboard.class.getResource(RESOURCES + "/" + name) == null) {
      return null;
    }
    byte[] bytes = read(name);
    return new Asset(
        bytes, TYPES.getOrDefault(m.group(1), "application/octet-stream"), etag(bytes));
  }

  private static byte[] read(String name) {
    try (InputStream in = Dashboard.class.getResourceAsStream(RESOURCES + "/" + name)) {
      if (in == null) {
        throw new IllegalStateException("dashboard resources missing from the jar: " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String etag(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
