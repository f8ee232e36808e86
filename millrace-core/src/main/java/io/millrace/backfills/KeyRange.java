package io.millrace.backfills;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The keys one batch covers: from {@code from} (exclusive, or inclusive for the very first batch)
 * up to and including {@code to}. {@link #predicate()} is the SQL condition that selects them (the
 * backfill's row filter included), with two parameters that {@link #bind} fills in; a Java batch
 * body uses both so that its statement touches exactly this range, through the key's index.
 *
 * <pre>{@code
 * (connection, range) -> {
 *   try (PreparedStatement ps = connection.prepareStatement(
 *       "UPDATE accounts SET plan = 'basic' WHERE " + range.predicate())) {
 *     range.bind(ps, 1);
 *     return ps.executeUpdate();
 *   }
 * }
 * }</pre>
 */
public record KeyRange(Object from, boolean fromInclusive, Object to, String predicate) {

  /**
   * Binds the range's lower and upper key at {@code index} and {@code index + 1}; returns the next
   * index.
   */
  public int bind(PreparedStatement ps, int index) throws SQLException {
    ps.setObject(index, from);
    ps.setObject(index + 1, to);
    return index + 2;
  }
}
