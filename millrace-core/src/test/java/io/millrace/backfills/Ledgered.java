package io.millrace.backfills;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * A backfill that proves exactly-once: {@code items(id, v)} starts with v = 0, and each batch adds
 * 1 to its rows and records its range and node in {@code ledger}, in the batch's own transaction.
 * After any crash, every v must be exactly 1 and the ledger's ranges must tile the keys without
 * overlap.
 */
final class Ledgered {
  private Ledgered() {}

  static void create(DataSource ds, boolean postgres, int rows) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE items (id bigint PRIMARY KEY, v integer NOT NULL CHECK (v < 100))");
      s.execute(
          "CREATE TABLE ledger (lo bigint, hi bigint NOT NULL, node text NOT NULL, seq bigint NOT NULL)");
      if (postgres) {
        s.execute("INSERT INTO items SELECT 3 * i, 0 FROM generate_series(1, " + rows + ") i");
      } else {
        s.execute(
            "INSERT INTO items WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < "
                + rows
                + ") SELECT 3 * i, 0 FROM g");
      }
    }
  }

  /** The definition; each batch sleeps {@code sleepMillis} inside its transaction (a slow body). */
  static Backfill.Builder definition(String name, DataSource ds, String node, long sleepMillis) {
    return Backfill.builder(name)
        .target(ds)
        .table("items")
        .key("id")
        // Always 100 keys a batch (a 10 s target never shrinks it), so tests can count batches.
        .initialBatchSize(100)
        .maxBatchSize(100)
        .targetBatchTime(java.time.Duration.ofSeconds(10))
        .yieldBetweenBatches(java.time.Duration.ZERO)
        .batch(
            (c, range) -> {
              long changed;
              try (PreparedStatement ps =
                  c.prepareStatement("UPDATE items SET v = v + 1 WHERE " + range.predicate())) {
                range.bind(ps, 1);
                changed = ps.executeUpdate();
              }
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "INSERT INTO ledger (lo, hi, node, seq) VALUES (?, ?, ?, (SELECT count(*) FROM ledger))")) {
                ps.setObject(1, range.fromInclusive() ? null : range.from());
                ps.setObject(2, range.to());
                ps.setString(3, node);
                ps.executeUpdate();
              }
              if (sleepMillis > 0) {
                try {
                  Thread.sleep(sleepMillis);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new SQLException("interrupted", e);
                }
              }
              return changed;
            });
  }
}
