package io.millrace.internal.sql;

import java.sql.Connection;
import java.sql.SQLException;
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
