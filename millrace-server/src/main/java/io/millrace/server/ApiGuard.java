package io.millrace.server;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Who may do what over HTTP, checked before any {@code /api} handler runs, in this order:
 *
 * <ol>
 *   <li><b>Host.</b> While bound to a loopback address, only requests addressed to a loopback name
 *       are served: a web page on an attacker's domain that resolves to 127.0.0.1 (DNS rebinding)
 *       is refused, since its requests carry the attacker's host name.
 *   <li><b>Size.</b> A body declared over the limit is refused before it is read; one without a
 *       declared length is cut off as it is read ({@link BodyCap}).
 *   <li><b>Read-only.</b> In read-only mode every mutation is refused, whatever token it carries.
 *   <li><b>Origin.</b> A mutation sent by a browser from another origin is refused (CSRF): browsers
 *       send {@code Origin} (and {@code Sec-Fetch-Site}) on cross-origin requests and pages cannot
 *       forge them. Non-browser clients send neither and are unaffected.
 *   <li><b>Token.</b> With a token configured, mutations (and, if asked, reads) must carry it in
 *       {@code Authorization: Bearer} or {@code X-Millrace-Token}. Headers, never a cookie: a
 *       browser attaches cookies to forged cross-site requests but never custom headers.
 *   <li><b>Content type.</b> A mutation that carries a body must send it as {@code
 *       application/json} (415 otherwise).
 * </ol>
 *
 * A mutation is any method but GET, HEAD and OPTIONS. Every refusal is the API's JSON error.
 */
final class ApiGuard {
  private static final Set<HandlerType> READS =
      Set.of(HandlerType.GET, HandlerType.HEAD, HandlerType.OPTIONS);
  private static final Set<String> LOOPBACK_NAMES =
      Set.of("localhost", "127.0.0.1", "[::1]", "::1");

  private final byte @Nullable [] token;
  private final boolean readsNeedToken;
  private final boolean readOnly;
  private final boolean loopbackOnly;
  private final long maxBodyBytes;

  ApiGuard(
      @Nullable String token,
      boolean readsNeedToken,
      boolean readOnly,
      @Nullable String bindHost,
      long maxBodyBytes) {
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.readsNeedToken = readsNeedToken;
    this.readOnly = readOnly;
    // Null inside an application's own web server: its host names are the application's business.
    this.loopbackOnly = bindHost != null && isLoopback(bindHost);
    this.maxBodyBytes = maxBodyBytes;
  }

  /** What the dashboard needs to know to offer only what will be accepted. */
  Map<String, Object> describe() {
    return Map.of(
        "readOnly",
        readOnly,
        "mutationsNeedToken",
        token != null,
        "readsNeedToken",
        token != null && readsNeedToken);
  }

  /**
   * Refuses requests addressed to a host name that is not this machine's while bound to loopback.
   */
  void checkHost(Context ctx) {
    if (!loopbackOnly) {
      return;
    }
    String host = hostName(ctx.header("Host"));
    if (host == null || !LOOPBACK_NAMES.contains(host)) {
      throw new HttpResponseException(
          HttpStatus.FORBIDDEN.getCode(),
          "this server is bound to loopback and answers only requests for localhost or 127.0.0.1");
    }
  }

  void checkApi(Context ctx) {
    boolean mutation = !READS.contains(ctx.method());
    // Checked before the body is read, so an oversized body is refused without buffering it.
    // A body without a declared length is capped as it is read (see BodyCap).
    if (ctx.contentLength() > maxBodyBytes) {
      throw BodyCap.tooLarge(maxBodyBytes);
    }
    if (mutation && readOnly) {
      throw new HttpResponseException(
          HttpStatus.FORBIDDEN.getCode(),
          "this server is read-only: " + ctx.method() + " " + ctx.path() + " is refused");
    }
    if (mutation && crossOrigin(ctx)) {
      throw new HttpResponseException(
          HttpStatus.FORBIDDEN.getCode(),
          "cross-origin request refused: send it from this server's own pages or without a browser");
    }
    if (token != null && (mutation || readsNeedToken) && !authorized(ctx)) {
      throw new HttpResponseException(
          HttpStatus.UNAUTHORIZED.getCode(), "a valid token is required");
    }
    if (mutation && hasBody(ctx)) {
      checkJson(ctx.header("Content-Type"));
    } else {
      checkCharset(ctx.header("Content-Type"));
    }
  }

  /**
   * The route layer decodes the query string with the charset the Content-Type declares, even on a
   * request without a body; a quoted {@code "UTF-8"} or a {@code latin1} would drop or garble the
   * parameters and silently widen a list. URLs are UTF-8, so any other declared charset is refused.
   */
  static void checkCharset(String contentType) {
    if (contentType == null) {
      return;
    }
    String[] parts = contentType.split(";");
    for (int i = 1; i < parts.length; i++) {
      String problem = charsetProblem(parts[i].trim());
      if (problem != null) {
        throw new HttpResponseException(
            HttpStatus.UNSUPPORTED_MEDIA_TYPE.getCode(),
            problem + "; query strings and bodies are utf-8",
            Map.of("field", "Content-Type"));
      }
    }
  }

  /** Null when {@code param} is not a charset, or is the bare token utf-8 in any case. */
  private static @Nullable String charsetProblem(String param) {
    int eq = param.indexOf('=');
    String name = eq < 0 ? param : param.substring(0, eq).trim();
    if (!name.equalsIgnoreCase("charset")) {
      return null;
    }
    String value = param.substring(eq + 1).trim();
    return value.equalsIgnoreCase("utf-8")
        ? null
        : "Content-Type parameter '" + param + "' is not charset=utf-8 (unquoted)";
  }

  /** A body is there when its length is declared non-zero or it comes chunked. */
  private static boolean hasBody(Context ctx) {
    return ctx.contentLength() > 0 || ctx.header("Transfer-Encoding") != null;
  }

  /**
   * Bodies are JSON, which is UTF-8: {@code application/json}, optionally with {@code
   * charset=utf-8} (unquoted, see {@link #checkCharset}). Anything else is refused rather than
   * guessed at.
   */
  static void checkJson(String contentType) {
    String problem = jsonContentTypeProblem(contentType);
    if (problem != null) {
      throw new HttpResponseException(
          HttpStatus.UNSUPPORTED_MEDIA_TYPE.getCode(),
          problem + "; send the body as application/json",
          Map.of("field", "Content-Type"));
    }
  }

  private static @Nullable String jsonContentTypeProblem(@Nullable String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return "a request body needs a Content-Type";
    }
    String[] parts = contentType.split(";");
    if (!parts[0].trim().equalsIgnoreCase("application/json")) {
      return "Content-Type '" + contentType + "' is not application/json";
    }
    for (int i = 1; i < parts.length; i++) {
      String param = parts[i].trim();
      int eq = param.indexOf('=');
      String name = eq < 0 ? param : param.substring(0, eq).trim();
      if (!name.equalsIgnoreCase("charset")) {
        return "Content-Type parameter '" + param + "' is not charset=utf-8";
      }
      String problem = charsetProblem(param);
      if (problem != null) {
        return problem;
      }
    }
    return null;
  }

  private static boolean crossOrigin(Context ctx) {
    String site = ctx.header("Sec-Fetch-Site");
    if (site != null && !site.equals("same-origin") && !site.equals("none")) {
      return true;
    }
    String origin = ctx.header("Origin");
    if (origin == null) {
      return false;
    }
    try {
      URI uri = URI.create(origin);
      String host = ctx.header("Host");
      return uri.getRawAuthority() == null
          || host == null
          || !uri.getRawAuthority().equalsIgnoreCase(host);
    } catch (IllegalArgumentException e) {
      return true; // "null" (sandboxed frames, file://) or garbage: not our origin
    }
  }

  private boolean authorized(Context ctx) {
    String given = ctx.header("X-Millrace-Token");
    String authorization = ctx.header("Authorization");
    if (given == null
        && authorization != null
        && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      given = authorization.substring(7).trim();
    }
    // MessageDigest.isEqual compares in time independent of where the first difference is.
    return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token);
  }

  /** "127.0.0.1:8080" → "127.0.0.1", "[::1]:8080" → "[::1]", lower case. */
  static @Nullable String hostName(@Nullable String hostHeader) {
    if (hostHeader == null || hostHeader.isBlank()) {
      return null;
    }
    String h = hostHeader.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end < 0 ? h : h.substring(0, end + 1);
    }
    int colon = h.indexOf(':');
    return colon < 0 ? h : h.substring(0, colon);
  }

  private static boolean isLoopback(String bindHost) {
    return LOOPBACK_NAMES.contains(bindHost.toLowerCase(Locale.ROOT))
        || bindHost.startsWith("127.");
  }
}
