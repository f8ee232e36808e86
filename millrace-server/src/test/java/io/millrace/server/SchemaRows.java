package io.millrace.server;

import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;

/** Exact row counts of every table in a test schema: what a refused request must leave alone. */
final class SchemaRows {
  private SchemaRows() {}

  /** One round trip: each table's count(*), run by the server through query_to_xml. */
  private static final String COUNT_ALL =
      "select tablename, (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from"
          + " %I.%I', schemaname, tablename), false, true, '')))[1]::text::bigint"
          + " from pg_tables where schemaname = ?";

  static Map<String, Long> count(TestDatabase db) {
    Map<String, Long> counts = new TreeMap<>();
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(COUNT_ALL)) {
      ps.setString(1, db.schema());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          counts.put(rs.getString(1), rs.getLong(2));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not count the rows of " + db.schema(), e);
    }
    if (counts.isEmpty()) {
      throw new IllegalStateException("schema " + db.schema() + " has no tables to count");
    }
    return counts;
  }
}
