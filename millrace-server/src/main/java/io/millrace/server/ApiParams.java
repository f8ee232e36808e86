package io.millrace.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks the parameters of every matched {@code /api} route against its OpenAPI description before
 * its handler runs, so each route gets the same rules without repeating them: the query string must
 * decode; each query parameter must be one the route documents (a misspelt one silently ignored
 * would widen a list or a bulk action) and be given once; and every query and path value must be
 * storable text ({@link Storable#text}: no U+0000), so no value reaches PostgreSQL that it would
 * reject. Routes parse numbers and instants themselves.
 */
final class ApiParams {
  /** "GET /api/jobs" → its documented query parameters. */
  private final Map<String, Set<String>> queryParams = new HashMap<>();

  ApiParams(JsonNode openApi) {
    for (Iterator<Map.Entry<String, JsonNode>> paths = openApi.get("paths").fields();
        paths.hasNext(); ) {
      Map.Entry<String, JsonNode> path = paths.next();
      for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
        Map.Entry<String, JsonNode> op = ops.next();
        Set<String> names = new TreeSet<>();
        for (JsonNode p : op.getValue().path("parameters")) {
          if (p.get("in").asText().equals("query")) {
            names.add(p.get("name").asText());
          }
        }
        queryParams.put(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(), names);
      }
    }
  }

  void check(Context ctx) {
    checkEscapes(ctx.queryString());
    Map<String, List<String>> query = ctx.queryParamMap();
    Map<String, String> path = ctx.pathParamMap();
    Set<String> known =
        queryParams.getOrDefault(
            ctx.method().name() + " " + ctx.endpoints().matchedHttpEndpoint().path, Set.of());
    for (Map.Entry<String, List<String>> param : query.entrySet()) {
      String name = param.getKey();
      if (!known.contains(name)) {
        throw badParameter(
            name,
            known.isEmpty()
                ? "is not a parameter of this route; it takes none"
                : "is not a parameter of this route; use one of " + known);
      }
      if (param.getValue().size() > 1) {
        throw badParameter(name, "is given " + param.getValue().size() + " times");
      }
      Storable.text(name, param.getValue().get(0));
    }
    path.forEach(Storable::text);
  }

  /**
   * A malformed percent escape ({@code limit=%zz}) would be dropped by the query parser, leaving
   * the parameter silently at its default; it is refused instead, naming the parameter.
   */
  private static void checkEscapes(String query) {
    if (query == null) {
      return;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      if (!wellEscaped(name)) {
        throw new ValidationException(
            "query", "has a parameter name that is not valid percent-encoding");
      }
      if (eq >= 0 && !wellEscaped(pair.substring(eq + 1))) {
        throw badParameter(
            java.net.URLDecoder.decode(name, java.nio.charset.StandardCharsets.UTF_8),
            "is not valid percent-encoding");
      }
    }
  }

  /**
   * A refusal about the parameter {@code name}. A name a client can read back (printable, no
   * spaces, at most 64 characters) is the error's field; any other (a tab, a NUL, a megabyte) is
   * refused as field {@code query}, with the name quoted, escaped and cut in the message.
   */
  private static ValidationException badParameter(String name, String problem) {
    if (readable(name)) {
      return new ValidationException(name, problem);
    }
    return new ValidationException("query", "parameter " + quoted(name) + " " + problem);
  }

  private static boolean readable(String name) {
    return !name.isEmpty()
        && name.length() <= 64
        && Storable.textProblem(name) == null
        && name.codePoints().allMatch(c -> c > ' ' && !Character.isISOControl(c));
  }

  private static String quoted(String name) {
    String shown = name.length() > 64 ? name.substring(0, 64) + "..." : name;
    StringBuilder out = new StringBuilder("\"");
    shown
        .codePoints()
        .forEach(
            c -> {
              if (c < ' ' || Character.isISOControl(c) || (c >= 0xD800 && c <= 0xDFFF)) {
                out.append(String.format(Locale.ROOT, "\\u%04x", c));
              } else if (c == '"' || c == '\\') {
                out.append('\\').appendCodePoint(c);
              } else {
                out.appendCodePoint(c);
              }
            });
    return out.append('"').toString();
  }

  private static boolean wellEscaped(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '%') {
        if (i + 2 >= s.length()
            || Character.digit(s.charAt(i + 1), 16) < 0
            || Character.digit(s.charAt(i + 2), 16) < 0) {
          return false;
        }
        i += 2;
      }
    }
    return true;
  }
}
