package io.millrace.internal.cluster;

import io.millrace.base.MillraceException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * Refuses, at start, a node whose session features would silently break behind a transaction pooler
 * (PgBouncer in {@code pool_mode = transaction}): the leader's session advisory lock and the LISTEN
 * connections need a session of their own, and pgjdbc's server-side prepared statements need the
 * same server session from one transaction to the next.
 *
 * <p>The probe asks whether one client connection's server session can be handed to another client
 * while the first is still open, which only a transaction (or statement) pooler does. With two
 * client connections {@code a} and {@code b}: {@code a} reads {@code pg_backend_pid()} in a
 * transaction of its own; {@code b} opens a transaction and reads its pid; then {@code a} reads its
 * pid again while {@code b}'s transaction is still open. On a direct connection or a session pooler
 * each client owns its server session, so {@code b}'s pid differs from {@code a}'s and {@code a}'s
 * never changes. A transaction pooler is detected when {@code b} gets {@code a}'s session
 * (PgBouncer hands out the most recently used idle server first, {@code server_round_robin = 0},
 * the default, so on a quiet pool it does) or {@code a} gets another one. It never mistakes a
 * direct connection or a session pooler for a transaction pooler; it may miss one that happens to
 * keep each client on one server session while probed (busy pools, {@code server_round_robin = 1}),
 * which is why the documented configuration names the direct DataSource explicitly instead of
 * relying on the probe.
 *
 * <p>The probe borrows two connections of the DataSource at once, for three statements.
 */
public final class SessionCheck {
  private SessionCheck() {}

  /**
   * Fails with a message naming the fix unless session features and prepared statements are safe.
   *
   * @param pooled the node's DataSource for everything done in transactions
   * @param direct the DataSource for session features, or the pooled one when none was given
   * @param directConfigured whether the application gave a separate direct DataSource
   */
  public static void require(DataSource pooled, DataSource direct, boolean directConfigured) {
    boolean pooledThroughTransactionPooler = throughTransactionPooler(pooled, "pooled");
    if (pooledThroughTransactionPooler) {
      int threshold = prepareThreshold(pooled);
      if (threshold != 0) {
        throw new MillraceException(
            "the pooled DataSource reaches PostgreSQL through a transaction pooler (PgBouncer"
                + " pool_mode = transaction), which keeps no server-side prepared statement from"
                + " one transaction to the next: add prepareThreshold=0 to its JDBC URL (it is "
                + threshold
                + ")");
      }
      if (!directConfigured) {
        throw new MillraceException(
            "the DataSource reaches PostgreSQL through a transaction pooler (PgBouncer pool_mode"
                + " = transaction), where the leader lock and LISTEN lose their session between"
                + " transactions: give the node a direct connection to PostgreSQL with"
                + " MillraceBuilder.directDataSource(...) (see the connection budget in"
                + " docs/operations.md)");
      }
    }
    if (directConfigured && throughTransactionPooler(direct, "direct")) {
      throw new MillraceException(
          "the direct DataSource reaches PostgreSQL through a transaction pooler (PgBouncer"
              + " pool_mode = transaction), where the leader lock and LISTEN lose their session"
              + " between transactions: point it at PostgreSQL itself (or a session-mode pool)");
    }
  }

  /**
   * Whether {@code dataSource} hands one client's server session to another between transactions.
   */
  static boolean throughTransactionPooler(DataSource dataSource, String which) {
    try (Connection a = dataSource.getConnection();
        Connection b = dataSource.getConnection()) {
      a.setAutoCommit(true);
      int first = backendPid(a);
      b.setAutoCommit(false);
      try {
        int other = backendPid(b);
        if (other == first) {
          return true;
        }
        // Not before: with a pool of one server session, a would wait for b's transaction.
        return backendPid(a) != first;
      } finally {
        b.rollback();
        b.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new MillraceException(
          "could not check the " + which + " DataSource's sessions: " + e.getMessage(), e);
    }
  }

  private static int prepareThreshold(DataSource dataSource) {
    try (Connection c = dataSource.getConnection()) {
      return c.unwrap(PGConnection.class).getPrepareThreshold();
    } catch (SQLException e) {
      throw new MillraceException(
          "could not read the pooled DataSource's prepareThreshold: " + e.getMessage(), e);
    }
  }

  private static int backendPid(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
