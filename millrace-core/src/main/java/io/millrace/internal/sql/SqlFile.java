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
 *
 * <p>{@code {finish}} is replaced by the shared tail of every statement that ends a job ({@code
 * finish.sql} beside this class): the counters and the workflow completion event have one owner,
 * and a statement that finishes a job only has to say so.
 */
public final class SqlFile {
  /** The placeholder a finishing statement puts where its counting tail goes. */
  public static final String FINISH = "{finish}";

  private static final String FINISH_RESOURCE = "io/millrace/internal/sql/finish.sql";

  private final String resource;
  private final Map<String, String> statements;

  private SqlFile(String resource, Map<String, String> statements) {
    this.resource = resource;
    this.statements = statements;
  }

  public static SqlFile load(Class<?> owner, String resourceName, SchemaName schema) {
    String path = owner.getPackageName().replace('.', '/') + "/" + resourceName;
    String text = read(owner.getClassLoader(), path);
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
    String finish = finishTail();
    statements.replaceAll(
        (k, v) ->
            stripTrailingSemicolon(v.replace(FINISH, finish).replace("{schema}", schema.quoted())));
    return new SqlFile(path, Map.copyOf(statements));
  }

  /**
   * The finishing tail with its comment lines dropped, still holding {@code {schema}}: two CTEs,
   * each statement that ends a job splices it after its {@code done} and {@code moved}.
   */
  public static String finishTail() {
    StringBuilder tail = new StringBuilder();
    for (String line : read(SqlFile.class.getClassLoader(), FINISH_RESOURCE).split("\n", -1)) {
      if (!line.trim().startsWith("--") && !line.isBlank()) {
        tail.append(line).append('\n');
      }
    }
    return tail.toString().trim();
  }

  private static String read(ClassLoader loader, String path) {
    try (InputStream in = loader.getResourceAsStream(path)) {
      if (in == null) {
        throw new MillraceException("missing SQL resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new MillraceException("could not read SQL resource " + path, e);
    }
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
