package io.millrace.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The one way a handler reads a JSON request body. Strict where a lenient parser would guess: a key
 * given twice is refused (which of the two would count is a guess), as is anything after the value;
 * a property the route does not know is refused by name (a misspelt option silently ignored would
 * run with the default); and every string, key and number must be storable ({@link Storable#json}),
 * so PostgreSQL never has to reject a value mid-write. Each refusal names the property it is about.
 */
final class ApiBody {
  private static final ObjectMapper STRICT =
      ApiJson.MAPPER
          .copy()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          // Decimals exactly: as doubles, 1e-1499 would pass on as 0.0 (see Json.parse).
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true))
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private ApiBody() {}

  /**
   * The request's body bytes. A body the client cut short or sent malformed (a chunk size that is
   * not hex, a connection closed mid-body) is the client's error: 400 naming {@code body}, not an
   * internal error, and without the container's own text. The cap's 413 passes through.
   */
  static byte[] read(Context ctx) {
    try {
      return ctx.bodyAsBytes();
    } catch (HttpResponseException e) {
      throw e;
    } catch (Exception e) { // the container's IOException, thrown undeclared through Javalin
      if (readFailure(e)) {
        throw new ValidationException("body", "could not be read: malformed or incomplete");
      }
      if (e instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e);
    }
  }

  private static boolean readFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  /**
   * The body as a JSON object whose properties are all in {@code known}; null when the body is
   * empty. The bytes have already been capped (see {@link BodyCap}).
   */
  static @Nullable ObjectNode object(byte[] body, List<String> known) {
    if (body.length == 0) {
      return null;
    }
    JsonNode root;
    try {
      root = STRICT.readTree(body);
    } catch (JsonProcessingException e) {
      throw invalid(e);
    } catch (IOException e) {
      throw new ValidationException("body", "could not be read: " + e.getMessage());
    }
    if (root == null || root.isMissingNode()) {
      return null;
    }
    if (!root.isObject()) {
      throw new ValidationException(
          "body",
          "must be a JSON object, got "
              + root.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> property = it.next();
      String name = property.getKey();
      if (!known.contains(name)) {
        throw new ValidationException(name, "is not a known property; use one of " + known);
      }
      Storable.json(name, property.getValue());
    }
    return (ObjectNode) root;
  }

  /**
   * A repeated key is named by the top-level property it is in; any other error by {@code body}.
   */
  private static ValidationException invalid(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    if (e.getProcessor() instanceof JsonParser parser) {
      String path = path(parser.getParsingContext());
      if (message.startsWith("Duplicate field")) {
        return new ValidationException(
            top(path),
            "key '"
                + parser.getParsingContext().getCurrentName()
                + "' is given twice"
                + (path.contains(".") ? " (at " + path + ")" : ""));
      }
    }
    return new ValidationException("body", "is not valid JSON: " + message);
  }

  /** "args.items[2].name" for the context a parser stopped in; "" at the top. */
  private static String path(JsonStreamContext context) {
    StringBuilder path = new StringBuilder();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        path.insert(0, "[" + Math.max(c.getCurrentIndex(), 0) + "]");
      } else if (c.getCurrentName() != null) {
        boolean top = c.getParent() == null || c.getParent().inRoot();
        path.insert(0, (top ? "" : ".") + c.getCurrentName());
      }
    }
    return path.toString();
  }

  private static String top(String path) {
    int end = path.length();
    for (int i = 0; i < path.length(); i++) {
      if (path.charAt(i) == '.' || path.charAt(i) == '[') {
        end = i;
        break;
      }
    }
    return end == 0 ? "body" : path.substring(0, end);
  }
}
