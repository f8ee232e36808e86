package io.millrace.backfills;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * The shape of the migration that motivated backfills: {@code transmissions} and their {@code
 * observations}; {@code last_seen} must become the latest observation's timestamp where it is still
 * 0. Keys are sparse (id = 7·i), 20% of transmissions have no observation (they must keep their
 * value), and every tenth already has a last_seen (the filter must leave it alone).
 *
 * <p>Generated in the database itself so it takes seconds: generate_series on PostgreSQL, a
 * recursive CTE in one transaction on SQLite.
 */
final class Transmissions {
  /** The batch body: sets last_seen from observations, only for transmissions that have any. */
  static final String BACKFILL_SQL =
      "UPDATE transmissions SET last_seen = (SELECT max(o.timestamp) FROM observations o"
          + " WHERE o.transmission_id = transmissions.id) WHERE {range}"
          + " AND EXISTS (SELECT 1 FROM observations o WHERE o.transmission_id = transmissions.id)";

  static final String FILTER = "last_seen = 0";

  private Transmissions() {}

  /** Creates and fills both tables; {@code transmissions} rows, {@code observations} rows. */
  static void create(DataSource ds, boolean postgres, int transmissions, int observations)
      throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE transmissions (id bigint PRIMARY KEY, last_seen bigint NOT NULL, name text NOT NULL)");
      s.execute(
          "CREATE TABLE observations (id bigint PRIMARY KEY, transmission_id bigint NOT NULL, timestamp bigint NOT NULL)");
      // Transmission i (1..N) has id 7i; i % 5 = 0 has no observations; i % 10 = 3 already has
      // last_seen 42.
      String tx = "SELECT 7 * i, CASE WHEN i % 10 = 3 THEN 42 ELSE 0 END, 'tx-' || i FROM ";
      // Observation n goes to one of the 80% of transmissions with i % 5 <> 0.
      String ob =
          "SELECT n, 7 * (((n % "
              + (transmissions / 5 * 4)
              + ") / 4) * 5 + ((n % "
              + (transmissions / 5 * 4)
              + ") % 4) + 1), (n * 31) % 1000003 + 1 FROM ";
      if (postgres) {
        s.execute(
            "INSERT INTO transmissions " + tx + "generate_series(1, " + transmissions + ") i");
        s.execute("INSERT INTO observations " + ob + "generate_series(1, " + observations + ") n");
        s.execute("CREATE INDEX observations_tx_ts ON observations (transmission_id, timestamp)");
        s.execute("ANALYZE transmissions");
        s.execute("ANALYZE observations");
      } else {
        s.execute("BEGIN");
        s.execute(
            "INSERT INTO transmissions WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < "
                + transmissions
                + ") "
                + tx
                + "g");
        s.execute(
            "INSERT INTO observations WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < "
                + observations
                + ") "
                + ob.replace("n,", "n AS n,")
                + "g");
        s.execute("CREATE INDEX observations_tx_ts ON observations (transmission_id, timestamp)");
        s.execute("COMMIT");
      }
    }
  }

  /** A copy of transmissions to which the one-shot UPDATE is applied, as the expected result. */
  static void oneShotCopy(DataSource ds) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE expected AS SELECT * FROM transmissions");
      s.execute(
          "UPDATE expected SET last_seen = (SELECT max(o.timestamp) FROM observations o"
              + " WHERE o.transmission_id = expected.id) WHERE last_seen = 0"
              + " AND EXISTS (SELECT 1 FROM observations o WHERE o.transmission_id = expected.id)");
    }
  }

  static Backfill.Builder definition(String name, DataSource ds) {
    return Backfill.builder(name)
        .target(ds)
        .table("transmissions")
        .key("id")
        .filter(FILTER)
        .sql(BACKFILL_SQL);
  }
}
