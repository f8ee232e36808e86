package io.millrace.counts;

import io.millrace.MillraceException;
import io.millrace.schema.SchemaName;
import io.millrace.sql.SqlFile;
import io.millrace.sql.Transactions;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Queue counts that are cheap at any history size and never silently wrong.
 *
 * <p>Unfinished states are counted in the hot table, whose size is the backlog. Finished states
 * come from counters that the finishing statement itself maintains (see {@code job_counts}), read
 * in O(counter rows) — but only while the trust marker on the control row is set. The marker is set
 * when this install created the schema, or by {@link #rebuild()}; {@link #verify} clears it when it
 * finds drift (a restore, a manual DELETE, a node running code that did not count). While it is
 * clear, {@link #exact} scans history plus the rollup of dropped history: slower, still true.
 */
public final class Counts {
  private final DataSource dataSource;
  private final SqlFile sql;

  public Counts(DataSource dataSource, SchemaName schema) {
    this.dataSource = dataSource;
    this.sql = SqlFile.load(Counts.class, "counts.sql", schema);
  }

  /**
   * Exact at the moment of the read, for the given queues (none given: every queue). The marker and
   * the counts are read in one REPEATABLE READ snapshot, so a concurrent {@code verify} or {@code
   * rebuild} can never pair a marker with counts it does not describe.
   */
  public CountsReport exact(Collection<String> queues) {
    checkQueues(queues);
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      int isolation = c.getTransactionIsolation();
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      try {
        boolean trusted = marker(c);
        CountsReport report =
            trusted
                ? read(c, "counts_from_counters", 2, queues, true, true)
                : read(c, "counts_from_scan", 3, queues, false, true);
        c.commit();
        return report;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setTransactionIsolation(isolation);
        c.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw new MillraceException("could not read queue counts", e);
    }
  }

  /**
   * The cheapest read: never scans history. Equal to {@link #exact} while the counters are trusted;
   * otherwise a lower bound (it misses what counter-less writers finished).
   */
  public CountsReport fast(Collection<String> queues) {
    checkQueues(queues);
    try (Connection c = dataSource.getConnection()) {
      return read(c, "counts_from_counters", 2, queues, marker(c), false);
    } catch (SQLException e) {
      throw new MillraceException("could not read queue counts", e);
    }
  }

  /** Whether exact reads currently use the counters. */
  public boolean trusted() {
    try (Connection c = dataSource.getConnection()) {
      return marker(c);
    } catch (SQLException e) {
      throw new MillraceException("could not read the counters' trust marker", e);
    }
  }

  /**
   * Compares the counters with a scan of history plus rollup. Returns the drift, empty when none;
   * with {@code clearMarkerOnDrift}, drift also clears the trust marker so exact reads scan.
   */
  public List<Drift> verify(boolean clearMarkerOnDrift) {
    try {
      return Transactions.inTransaction(
          dataSource,
          c -> {
            List<Drift> drift = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.get("compare"));
                ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                drift.add(
                    new Drift(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
              }
            }
            if (!drift.isEmpty() && clearMarkerOnDrift) {
              execute(c, "clear_marker");
            }
            return drift;
          });
    } catch (SQLException e) {
      throw new MillraceException("could not verify the counters", e);
    }
  }

  /**
   * Rebuilds the counters from history plus rollup and sets the trust marker, in one transaction.
   * Safe while workers run: finishing jobs wait for the counters' lock and count themselves after.
   */
  public void rebuild() {
    try {
      Transactions.inTransaction(
          dataSource,
          c -> {
            execute(c, "lock_counters");
            execute(c, "clear_counters");
            execute(c, "rebuild_counters");
            execute(c, "set_marker");
            return null;
          });
    } catch (SQLException e) {
      throw new MillraceException("could not rebuild the counters", e);
    }
  }

  private void execute(Connection c, String statement) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get(statement))) {
      ps.execute();
    }
  }

  private boolean marker(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("read_marker"));
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  private CountsReport read(
      Connection c,
      String statement,
      int filterPairs,
      Collection<String> queues,
      boolean fromCounters,
      boolean exact)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get(statement))) {
      Array filter =
          queues == null || queues.isEmpty() ? null : c.createArrayOf("text", queues.toArray());
      for (int i = 1; i <= filterPairs * 2; i++) {
        if (filter == null) {
          ps.setNull(i, java.sql.Types.ARRAY);
        } else {
          ps.setArray(i, filter);
        }
      }
      Map<String, QueueCounts> byQueue = new TreeMap<>();
      if (queues != null) {
        queues.forEach(q -> byQueue.put(q, QueueCounts.empty(q)));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String state = rs.getString(2);
          long n = rs.getLong(3);
          byQueue.compute(
              rs.getString(1),
              (q, counts) -> (counts == null ? QueueCounts.empty(q) : counts).plus(state, n));
        }
      }
      return new CountsReport(List.copyOf(byQueue.values()), fromCounters, exact);
    }
  }

  /** Queue names are bound as an array filter: checked by the name rule before they reach SQL. */
  private static void checkQueues(Collection<String> queues) {
    if (queues != null) {
      for (String queue : queues) {
        io.millrace.jobs.JobRequest.requireName("queues", queue);
      }
    }
  }
}
