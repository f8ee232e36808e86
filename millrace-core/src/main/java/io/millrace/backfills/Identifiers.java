package io.millrace.backfills;

import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import java.util.regex.Pattern;

/**
 * Table and column names a backfill splices into SQL text (everything else is bound). Only plain
 * lower-case identifiers, optionally schema-qualified, are accepted, and each part is
 * double-quoted: the quoting is the same on PostgreSQL and SQLite, and lower case matches how
 * PostgreSQL folds unquoted names, so {@code transmissions} means the table the application
 * created.
 */
final class Identifiers {
  private static final Pattern PART = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private Identifiers() {}

  /**
   * {@code name} or {@code schema.name}, validated and quoted; {@code field} names the setting on
   * error.
   */
  static String quoted(String field, String value, boolean qualified) {
    if (value == null) {
      throw new ValidationException(field, "must be set");
    }
    String[] parts = value.split("\\.", -1);
    if (parts.length > (qualified ? 2 : 1)) {
      throw new ValidationException(field, "'" + Storable.shown(value) + "' has too many dots");
    }
    StringBuilder quoted = new StringBuilder();
    for (String part : parts) {
      if (!PART.matcher(part).matches()) {
        throw new ValidationException(
            field,
            "'"
                + Storable.shown(value)
                + "' is not a valid identifier: use lower-case"
                + " letters, digits and _ (not starting with a digit)"
                + (qualified ? ", optionally schema.name" : ""));
      }
      if (quoted.length() > 0) {
        quoted.append('.');
      }
      quoted.append('"').append(part).append('"');
    }
    return quoted.toString();
  }
}
