package io.millrace.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A small builder for the OpenAPI 3 document served at {@code /api/openapi.json}. Each capability
 * describes its routes in a {@link Section} of its own (see {@link ApiDocs}), so adding one means
 * adding a section, not editing a shared file. {@code MillraceServerDocsTest} checks that every
 * route the server registers under {@code /api} is described, so an undocumented route fails the
 * build.
 *
 * <p>Mutating operations carry {@code x-millrace-cli}: the CLI command that does the same thing.
 * The CLI's tests resolve each of those commands, which is how API/CLI parity is kept.
 */
final class OpenApi {
  static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** One capability's routes and schemas. */
  interface Section {
    void describe(OpenApi api);
  }

  /** A parameter: {@code in} is path or query; {@code schema} e.g. {@code string(null)}. */
  record Param(String name, String in, boolean required, String description, ObjectNode schema) {}

  private final ObjectNode root = F.objectNode();
  private final ObjectNode paths;
  private final ObjectNode schemas;
  private final List<String> operations = new ArrayList<>();

  OpenApi(String title, String version, String description) {
    root.put("openapi", "3.0.3");
    ObjectNode info = root.putObject("info");
    info.put("title", title).put("version", version).put("description", description);
    paths = root.putObject("paths");
    ObjectNode components = root.putObject("components");
    schemas = components.putObject("schemas");
    ObjectNode bearer = components.putObject("securitySchemes").putObject("token");
    bearer
        .put("type", "http")
        .put("scheme", "bearer")
        .put(
            "description",
            "The server's token; X-Millrace-Token: <token> works too. Required on every "
                + "mutation when the server has a token, and on reads too when it was told so.");
  }

  /** Starts an operation; finish it with the returned builder. */
  Operation op(String method, String path, String tag, String summary) {
    operations.add(method.toUpperCase(Locale.ROOT) + " " + path);
    ObjectNode item = paths.has(path) ? (ObjectNode) paths.get(path) : paths.putObject(path);
    ObjectNode node = item.putObject(method.toLowerCase(Locale.ROOT));
    node.putArray("tags").add(tag);
    node.put("summary", summary);
    node.put("operationId", operationId(method, path));
    boolean mutation = !method.equalsIgnoreCase("get");
    if (mutation) {
      node.putArray("security").addObject().putArray("token");
    }
    ObjectNode responses = node.putObject("responses");
    responses
        .putObject("400")
        .put("description", "Bad input; field names the offending input")
        .set("content", json(ref("Error")));
    if (mutation) {
      responses
          .putObject("401")
          .put("description", "Missing or wrong token")
          .set("content", json(ref("Error")));
      responses
          .putObject("403")
          .put("description", "Read-only server, or a cross-origin request")
          .set("content", json(ref("Error")));
      // Any body a mutation carries is checked before the route runs (BodyCap, ApiGuard).
      responses
          .putObject("413")
          .put("description", "The body is larger than the server's cap, counted on the bytes read")
          .set("content", json(ref("Error")));
      responses
          .putObject("415")
          .put("description", "A body that is not application/json (UTF-8)")
          .set("content", json(ref("Error")));
    }
    return new Operation(node);
  }

  /** Adds a named schema under components. */
  void schema(String name, ObjectNode schema) {
    schemas.set(name, schema);
  }

  /** "METHOD /path" of every operation described so far. */
  List<String> operations() {
    return List.copyOf(operations);
  }

  ObjectNode document() {
    return root;
  }

  /** The rest of one operation. */
  static final class Operation {
    private final ObjectNode node;

    Operation(ObjectNode node) {
      this.node = node;
    }

    Operation description(String text) {
      node.put("description", text);
      return this;
    }

    Operation param(
        String name, String in, boolean required, String description, ObjectNode schema) {
      ArrayNode params =
          node.has("parameters") ? (ArrayNode) node.get("parameters") : node.putArray("parameters");
      ObjectNode p = params.addObject();
      p.put("name", name)
          .put("in", in)
          .put("required", required || in.equals("path"))
          .put("description", description);
      p.set("schema", schema);
      return this;
    }

    Operation body(String schemaName, boolean required) {
      ObjectNode body = node.putObject("requestBody");
      body.put("required", required);
      body.set("content", json(ref(schemaName)));
      return this;
    }

    Operation ok(int status, String description, ObjectNode schema) {
      ObjectNode r = ((ObjectNode) node.get("responses")).putObject(Integer.toString(status));
      r.put("description", description);
      if (schema != null) {
        r.set("content", json(schema));
      }
      return this;
    }

    Operation notFound() {
      ((ObjectNode) node.get("responses"))
          .putObject("404")
          .put("description", "No such thing")
          .set("content", json(ref("Error")));
      return this;
    }

    /** The CLI command doing the same, for mutations, e.g. "jobs retry". */
    Operation cli(String command) {
      node.put("x-millrace-cli", command);
      return this;
    }
  }

  static ObjectNode ref(String schema) {
    return F.objectNode().put("$ref", "#/components/schemas/" + schema);
  }

  static ObjectNode string(@Nullable String format) {
    ObjectNode s = F.objectNode().put("type", "string");
    return format == null ? s : s.put("format", format);
  }

  static ObjectNode enumOf(String... values) {
    ObjectNode s = F.objectNode().put("type", "string");
    ArrayNode e = s.putArray("enum");
    for (String v : values) {
      e.add(v);
    }
    return s;
  }

  static ObjectNode integer(String format) {
    return F.objectNode().put("type", "integer").put("format", format);
  }

  static ObjectNode bool() {
    return F.objectNode().put("type", "boolean");
  }

  static ObjectNode arrayOf(ObjectNode items) {
    ObjectNode a = F.objectNode().put("type", "array");
    a.set("items", items);
    return a;
  }

  static ObjectNode anyObject() {
    return F.objectNode().put("type", "object").put("additionalProperties", true);
  }

  /** An object schema from alternating names and schemas: object("id", integer("int64"), ...). */
  static ObjectNode object(Object... nameThenSchema) {
    ObjectNode o = F.objectNode().put("type", "object");
    ObjectNode props = o.putObject("properties");
    for (int i = 0; i < nameThenSchema.length; i += 2) {
      props.set((String) nameThenSchema[i], (ObjectNode) nameThenSchema[i + 1]);
    }
    return o;
  }

  static ObjectNode nullable(ObjectNode schema) {
    return schema.deepCopy().put("nullable", true);
  }

  private static ObjectNode json(ObjectNode schema) {
    ObjectNode content = F.objectNode();
    content.putObject("application/json").set("schema", schema);
    return content;
  }

  private static String operationId(String method, String path) {
    StringBuilder id = new StringBuilder(method.toLowerCase(Locale.ROOT));
    for (String part : path.replace("/api/", "").split("[/{}.\\-]+")) {
      if (!part.isEmpty()) {
        id.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
    }
    return id.toString();
  }
}
