package io.millrace.internal.sql;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * Runs work in one transaction: commit on return, roll back on any exception, restore auto-commit.
 */
public final class Transactions {
  /** Work that runs inside a transaction on the given connection. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /** Work inside a transaction that returns nothing. */
  @FunctionalInterface
  public interface Step {
    void run(Connection connection) throws SQLException;
  }

  private Transactions() {}

  /** {@link #inTransaction(DataSource, Work)} for work that returns nothing. */
  public static void runInTransaction(DataSource dataSource, Step step) throws SQLException {
    inTransaction(
        dataSource,
        c -> {
          step.run(c);
          return Boolean.TRUE; // Work must return a value; this one is not used.
        });
  }

  public static <T> T inTransaction(DataSource dataSource, Work<T> work) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return inTransaction(c, work);
    }
  }

  /**
   * Makes the transaction open on {@code c} (auto-commit off, nothing run in it yet) REPEATABLE
   * READ. A {@code SET TRANSACTION}, not {@link Connection#setTransactionIsolation}: pgjdbc applies
   * that to the session ({@code SET SESSION CHARACTERISTICS}), which behind a transaction pooler
   * lands on whichever server session runs that one statement and stays there for its next clients
   * (their claims then fail to serialize), while this transaction may run on another.
   */
  public static void repeatableRead(Connection c) throws SQLException {
    isolation(c, "REPEATABLE READ");
  }

  /** As {@link #repeatableRead}, READ COMMITTED whatever the pool's or session's default. */
  public static void readCommitted(Connection c) throws SQLException {
    isolation(c, "READ COMMITTED");
  }

  private static void isolation(Connection c, String level) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SET TRANSACTION ISOLATION LEVEL " + level);
    }
  }

  public static <T> T inTransaction(Connection c, Work<T> work) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      T result = work.run(c);
      c.commit();
      return result;
    } catch (SQLException | RuntimeException | Error e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }
}
