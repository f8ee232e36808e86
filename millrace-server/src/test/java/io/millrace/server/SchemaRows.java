package io.millrace.server;

import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Exact row counts of every table in a test schema: what a refused request must leave alone. */
final class SchemaRows {
  private SchemaRows() {}

  static Map<String, Long> count(TestDatabase db) {
    Map<String, Long> counts = new TreeMap<>();
    try (Connection c = db.dataSource().getConnection()) {
      List<String> tables = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "select table_name from information_schema.tables"
                  + " where table_schema = ? and table_type = 'BASE TABLE'")) {
        ps.setString(1, db.schema());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            tables.add(rs.getString(1));
          }
        }
      }
      try (Statement st = c.createStatement()) {
        for (String table : tables) {
          try (ResultSet rs =
              st.executeQuery("select count(*) from \"" + db.schema() + "\".\"" + table + "\"")) {
            rs.next();
            counts.put(table, rs.getLong(1));
          }
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
