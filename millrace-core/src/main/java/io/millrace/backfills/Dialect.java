package io.millrace.backfills;

import io.millrace.MillraceException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;

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
    void begin(Connection c, Duration statementTimeout) throws SQLException {
      c.setAutoCommit(false);
      // SET LOCAL through set_config so the value is bound; it ends with the transaction.
      try (PreparedStatement ps =
          c.prepareStatement("SELECT set_config('statement_timeout', ?, true)")) {
        ps.setString(1, Long.toString(Math.max(1, statementTimeout.toMillis())));
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
      return "55P03".equals(e.getSQLState())
          || "40P01".equals(e.getSQLState()); // lock_not_available, deadlock
    }

    @Override
    Long estimatedRows(Connection c, String table) throws SQLException {
      // reltuples: the planner's estimate, O(1); -1 (PostgreSQL 14+) or 0 before the first ANALYZE.
      try (PreparedStatement ps =
          c.prepareStatement("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(?)")) {
        ps.setString(1, table);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() && rs.getLong(1) > 0 ? rs.getLong(1) : null;
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
    void begin(Connection c, Duration statementTimeout) throws SQLException {
      // The driver stays in auto-commit mode and Millrace issues the transaction itself: the JDBC
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
      String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      return e.getErrorCode() == 5
          || e.getErrorCode() == 6
          || m.contains("sqlite_busy")
          || m.contains("database is locked");
    }

    @Override
    Long estimatedRows(Connection c, String table) {
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

  /** Opens the batch's write transaction. */
  abstract void begin(Connection c, Duration statementTimeout) throws SQLException;

  abstract void commit(Connection c) throws SQLException;

  abstract void rollback(Connection c) throws SQLException;

  /** Per-statement time limit where the engine has no transaction-wide one. */
  void limit(Statement s, Duration statementTimeout) throws SQLException {}

  /** The statement ran over the batch timeout: retry at half the size. */
  abstract boolean isTimeout(SQLException e);

  /** The target is locked by someone else: wait and retry without blaming the batch. */
  abstract boolean isBusy(SQLException e);

  /** The engine's own row estimate for {@code table}, or null when it has none. */
  abstract Long estimatedRows(Connection c, String table) throws SQLException;
}
