package io.millrace.internal.sql;

import io.millrace.base.MillraceException;
import io.millrace.schema.SchemaName;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named SQL statements loaded once from a {@code .sql} resource. Each statement starts with a
 * {@code -- name: some_name} line; {@code {schema}} is replaced by the validated, quoted schema
 * name. Values are never spliced in: statements bind them as parameters, in the order documented
 * next to each statement.
 */
public final class SqlFile {
  private final String resource;
  private final Map<String, String> statements;

  private SqlFile(String resource, Map<String, String> statements) {
    this.resource = resource;
    this.statements = statements;
  }

  public static SqlFile load(Class<?> owner, String resourceName, SchemaName schema) {
    String path = owner.getPackageName().replace('.', '/') + "/" + resourceName;
    String text;
    try (InputStream in = owner.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new MillraceException("missing SQL resource " + path);
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new MillraceException("could not read SQL resource " + path, e);
    }
    Map<String, String> statements = new LinkedHashMap<>();
    String name = null;
    StringBuilder body = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      String trimmed = line.trim();
      if (trimmed.startsWith("-- name:")) {
        if (name != null) {
          statements.put(name, body.toString().trim());
        }
        name = trimmed.substring("-- name:".length()).trim();
        body.setLength(0);
      } else if (name != null) {
        body.append(line).append('\n');
      }
    }
    if (name != null) {
      statements.put(name, body.toString().trim());
    }
    statements.replaceAll((k, v) -> stripTrailingSemicolon(v.replace("{schema}", schema.quoted())));
    return new SqlFile(path, Map.copyOf(statements));
  }

  public String get(String name) {
    String sql = statements.get(name);
    if (sql == null) {
      throw new MillraceException("no statement named '" + name + "' in " + resource);
    }
    return sql;
  }

  private static String stripTrailingSemicolon(String sql) {
    return sql.endsWith(";") ? sql.substring(0, sql.length() - 1) : sql;
  }
}
