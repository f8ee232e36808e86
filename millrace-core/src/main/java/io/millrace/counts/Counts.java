package io.millrace.counts;

import io.millrace.base.MillraceException;
import io.millrace.internal.sql.SqlFile;
import io.millrace.internal.sql.Transactions;
import io.millrace.schema.SchemaName;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Queue counts that are cheap at any history size and never silently wrong.
 *
 * <p>Unfinished states are counted in the hot table, whose size is the backlog. Finished states
 * come from counters that the finishing statement itself maintains (see {@code job_counts}), read
 * in O(counter rows) — but only while the trust marker on the control row is set. The marker is set
 * when this install created the schema, or by {@link #rebuild()}. It is cleared by {@link #verify}
 * when it finds drift, and, in the same transaction as the change, by triggers on every table of
 * the history tree when history is deleted, truncated, re-labelled or inserted into a partition
 * outside Millrace (V8__history_guard.sql). While it is clear, {@link #exact} scans history plus
 * the rollup of dropped history: slower, still true.
 */
public final class Counts {
  private static final Logger log = LoggerFactory.getLogger(Counts.class);
  private static final Trust MISSING =
      new Trust(false, null, "the control row was missing (recreated by this read)");

  private final DataSource dataSource;
  private final SqlFile sql;

  Counts(DataSource dataSource, SchemaName schema) {
    this.dataSource = dataSource;
    this.sql = SqlFile.load(Counts.class, "counts.sql", schema);
  }

  /**
   * Exact at the moment of the read, for the given queues (none given: every queue). The marker and
   * the counts are read in one REPEATABLE READ snapshot, so a concurrent {@code verify}, {@code
   * rebuild} or hand change of history can never pair a marker with counts it does not describe.
   */
  public CountsReport exact(Collection<String> queues) {
    checkQueues(queues);
    return inSnapshot(
        "could not read queue counts",
        (c, trust) ->
            trust.trusted()
                ? read(c, "counts_from_counters", 2, queues, true, true)
                : read(c, "counts_from_scan", 3, queues, false, true));
  }

  /**
   * The cheapest read: never scans history. Equal to {@link #exact} while the counters are trusted.
   * Otherwise an estimate whose finished states can be off either way: above the truth after
   * history was deleted or truncated by hand or restored from an older backup, below it after
   * history was written by code that did not count. {@link CountsReport#accuracy()} says which.
   */
  public CountsReport fast(Collection<String> queues) {
    checkQueues(queues);
    return inSnapshot(
        "could not read queue counts",
        (c, trust) -> read(c, "counts_from_counters", 2, queues, trust.trusted(), false));
  }

  /** Whether exact reads currently use the counters. */
  public boolean trusted() {
    return trust().trusted();
  }

  /** The trust marker: whether exact reads use the counters, since when, and if not, why. */
  public Trust trust() {
    return inSnapshot("could not read the counters' trust marker", (c, trust) -> trust);
  }

  /**
   * Compares the counters with a scan of history plus rollup. Returns the drift, empty when none;
   * with {@code clearMarkerOnDrift}, drift also clears the trust marker so exact reads scan. A
   * missing control row is recreated, untrusted.
   */
  public List<Drift> verify(boolean clearMarkerOnDrift) {
    try {
      return Transactions.inTransaction(
          dataSource,
          c -> {
            execute(c, "restore_control");
            List<Drift> drift = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.get("compare"));
                ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                drift.add(
                    new Drift(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
              }
            }
            if (!drift.isEmpty() && clearMarkerOnDrift) {
              try (PreparedStatement ps = c.prepareStatement(sql.get("clear_marker"))) {
                ps.setString(1, "verify-counters found " + drift.size() + " drifted counters");
                ps.executeUpdate();
              }
            }
            return drift;
          });
    } catch (SQLException e) {
      throw new MillraceException("could not verify the counters", e);
    }
  }

  /**
   * Rebuilds the counters from history plus rollup and sets the trust marker, in one transaction,
   * recreating a missing control row first. Safe while workers run: finishing jobs wait for the
   * counters' lock and count themselves after. Returns the marker read back after the commit; it
   * throws rather than return if the marker could not be set, so success always means trusted.
   */
  public Trust rebuild() {
    try {
      Transactions.runInTransaction(
          dataSource,
          c -> {
            execute(c, "restore_control");
            execute(c, "lock_control");
            execute(c, "lock_counters");
            execute(c, "clear_counters");
            execute(c, "rebuild_counters");
            try (PreparedStatement ps = c.prepareStatement(sql.get("set_marker"));
                ResultSet rs = ps.executeQuery()) {
              if (!rs.next() || !rs.getBoolean(1)) {
                // Rolls the rebuild back: counters and marker stay as they were.
                throw new MillraceException(
                    "the trust marker did not take (no control row, or something outside Millrace"
                        + " refused the update); the rebuild was rolled back");
              }
            }
          });
    } catch (SQLException e) {
      throw new MillraceException("could not rebuild the counters", e);
    }
    Trust after = trust();
    if (!after.trusted()) {
      // Only a hand change of history that committed right after the rebuild gets here.
      throw new MillraceException(
          "the counters were rebuilt, but the trust marker was cleared again at once ("
              + after.untrustedBecause()
              + "); run `millrace storage rebuild-counters` again");
    }
    return after;
  }

  private interface SnapshotWork<T> {
    T run(Connection c, Trust trust) throws SQLException;
  }

  /**
   * Runs work with the trust marker in one REPEATABLE READ snapshot. A missing control row reads as
   * untrusted (so exact reads scan and stay true) and is recreated after the snapshot ends, in a
   * statement of its own: an insert inside the snapshot could fail to serialize against another
   * reader doing the same.
   */
  private <T> T inSnapshot(String failure, SnapshotWork<T> work) {
    boolean missing;
    T result;
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        Transactions.repeatableRead(c);
        Trust trust = marker(c);
        missing = trust == null;
        result = work.run(c, trust == null ? MISSING : trust);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(autoCommit);
      }
      if (missing) {
        execute(c, "restore_control");
        log.warn(
            "the counters' control row was missing and has been recreated, untrusted: exact counts"
                + " scan history until `millrace storage rebuild-counters`");
      }
    } catch (SQLException e) {
      throw new MillraceException(failure, e);
    }
    return result;
  }

  private void execute(Connection c, String statement) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get(statement))) {
      ps.execute();
    }
  }

  /** The marker, or null when the control row is missing. */
  private @Nullable Trust marker(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("read_marker"));
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return null;
      }
      OffsetDateTime at = rs.getObject(2, OffsetDateTime.class);
      return new Trust(rs.getBoolean(1), at == null ? null : at.toInstant(), rs.getString(3));
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
