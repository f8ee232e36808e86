package io.millrace.backfills;

import io.millrace.base.MillraceException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What differs between a PostgreSQL and a SQLite target: how a write transaction begins, how a slow
 * statement is cut short, which errors mean "too slow" or "locked", and how many rows a table has.
 *
 * <p>SQLite has one writer at a time. A batch therefore opens with {@code BEGIN IMMEDIATE}: it
 * takes the writer lock before reading anything, so it never fails half-way with SQLITE_BUSY after
 * doing work, and it waits at most {@code busy_timeout} for the lock. Readers are never blocked by
 * it in WAL mode (recommended; in rollback-journal mode they wait while a batch commits).
 */
enum Dialect {
  POSTGRESQL {
    @Override
    void begin(Connection c, Duration statementTimeout, Duration lockTimeout) throws SQLException {
      c.setAutoCommit(false);
      // SET LOCAL through set_config so the values are bound; they end with the transaction. The
      // lock timeout is the shorter one, so a statement stuck behind someone else's lock fails as
      // lock_not_available (55P03, a throttle) before statement_timeout calls it a slow batch.
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT set_config('statement_timeout', ?, true), set_config('lock_timeout', ?, true)")) {
        ps.setString(1, Long.toString(Math.max(1, statementTimeout.toMillis())));
        ps.setString(2, Long.toString(Math.max(1, lockTimeout.toMillis())));
        ps.executeQuery().close();
      }
    }

    @Override
    void commit(Connection c) throws SQLException {
      c.commit();
      c.setAutoCommit(true);
    }

    @Override
    void rollback(Connection c) throws SQLException {
      c.rollback();
      c.setAutoCommit(true);
    }

    @Override
    boolean isTimeout(SQLException e) {
      return "57014".equals(e.getSQLState()); // query_canceled: statement_timeout fired
    }

    @Override
    boolean isBusy(SQLException e) {
      // lock_not_available (lock_timeout fired), deadlock: someone else's lock, not our batch.
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof SQLException s
            && ("55P03".equals(s.getSQLState()) || "40P01".equals(s.getSQLState()))) {
          return true;
        }
      }
      return false;
    }

    @Override
    @Nullable Long estimatedRows(Connection c, String table) throws SQLException {
      // The planner's own arithmetic: tuples per page at the last ANALYZE times the pages now, so
      // stale statistics still scale with the table. O(1). Null before the first ANALYZE (relpages
      // 0, reltuples -1 on PostgreSQL 14+).
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT CASE WHEN relpages > 0 AND reltuples > 0 THEN (reltuples / relpages"
                  + " * (pg_relation_size(oid) / current_setting('block_size')::bigint))::bigint"
                  + " END FROM pg_class WHERE oid = to_regclass(?)")) {
        ps.setString(1, table);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return null;
          }
          long rows = rs.getLong(1);
          return rs.wasNull() || rows <= 0 ? null : rows;
        }
      }
    }
  },

  SQLITE {
    @Override
    void prepare(Connection c, Duration busyTimeout) throws SQLException {
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout = " + Math.max(1, busyTimeout.toMillis()));
      }
    }

    @Override
    void begin(Connection c, Duration statementTimeout, Duration lockTimeout) throws SQLException {
      // busy_timeout (set in prepare) bounds the wait for the writer lock. The driver stays in
      // auto-commit mode and Millrace issues the transaction itself: the JDBC
      // way (setAutoCommit(false)) would open a DEFERRED transaction that takes the lock late.
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        s.execute("BEGIN IMMEDIATE");
      }
    }

    @Override
    void commit(Connection c) throws SQLException {
      try (Statement s = c.createStatement()) {
        s.execute("COMMIT");
      }
    }

    @Override
    void rollback(Connection c) throws SQLException {
      try (Statement s = c.createStatement()) {
        s.execute("ROLLBACK");
      }
    }

    @Override
    void limit(Statement s, Duration statementTimeout) throws SQLException {
      s.setQueryTimeout((int) Math.max(1, (statementTimeout.toMillis() + 999) / 1000));
    }

    @Override
    boolean isTimeout(SQLException e) {
      String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      return e.getErrorCode() == 9 || m.contains("interrupted"); // SQLITE_INTERRUPT: query timeout
    }

    @Override
    boolean isBusy(SQLException e) {
      // SQLITE_BUSY (5), SQLITE_LOCKED (6) and their extended codes: another writer holds the lock.
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof SQLException s
            && ((s.getErrorCode() & 0xff) == 5 || (s.getErrorCode() & 0xff) == 6)) {
          return true;
        }
        String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
        if (m.contains("sqlite_busy")
            || m.contains("sqlite_locked")
            || m.contains("database is locked")
            || m.contains("database table is locked")) {
          return true;
        }
      }
      return false;
    }

    @Override
    @Nullable Long estimatedRows(Connection c, String table) {
      return null; // no statistics unless ANALYZE ran; the caller counts or derives it from the key
      // span
    }
  };

  /** Recognises the target from its connection. */
  static Dialect of(Connection c) throws SQLException {
    String product = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
    if (product.contains("postgres")) {
      return POSTGRESQL;
    }
    if (product.contains("sqlite")) {
      return SQLITE;
    }
    throw new MillraceException("backfill targets must be PostgreSQL or SQLite, not " + product);
  }

  /** Session settings on every connection taken for a batch. */
  void prepare(Connection c, Duration busyTimeout) throws SQLException {}

  /**
   * Opens the batch's write transaction; a wait for someone else's lock ends after {@code
   * lockTimeout} with an error {@link #isBusy} recognises.
   */
  abstract void begin(Connection c, Duration statementTimeout, Duration lockTimeout)
      throws SQLException;

  abstract void commit(Connection c) throws SQLException;

  abstract void rollback(Connection c) throws SQLException;

  /** Per-statement time limit where the engine has no transaction-wide one. */
  void limit(Statement s, Duration statementTimeout) throws SQLException {}

  /** The statement ran over the batch timeout: retry at half the size. */
  abstract boolean isTimeout(SQLException e);

  /** The target is locked by someone else: wait and retry without blaming the batch. */
  abstract boolean isBusy(SQLException e);

  /** The engine's own row estimate for {@code table}, or null when it has none. */
  abstract @Nullable Long estimatedRows(Connection c, String table) throws SQLException;
}
