package io.millrace.internal.cluster;

import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elects one leader per schema with a session-level advisory lock held on a dedicated connection.
 * PostgreSQL releases the lock when that session ends, so a leader that dies, is killed or loses
 * its connection gives up leadership without any protocol of ours; another node's next {@link
 * #tick} takes it.
 *
 * <p>The leader checks its connection on every tick and steps down the moment the check fails. A
 * partitioned leader may not learn of its loss until then, so for a moment two nodes may both act
 * as leader: every leader task is idempotent and guarded in SQL, which makes that harmless.
 */
final class LeaderElector {
  private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);

  private final DataSource dataSource;
  private final SqlFile sql;
  private final long lockKey;
  private final String nodeId;
  private @Nullable Connection connection;
  private volatile boolean leader;

  /** When (System.nanoTime) this node last became the leader; meaningful while it leads. */
  private volatile long leaderSinceNanos;

  LeaderElector(DataSource dataSource, SchemaName schema, String nodeId) {
    this.dataSource = dataSource;
    this.sql = SqlFile.load(LeaderElector.class, "cluster.sql", schema);
    this.lockKey = schema.leaderLockKey();
    this.nodeId = nodeId;
  }

  boolean isLeader() {
    return leader;
  }

  /**
   * How long this node has led without interruption (zero when it does not lead). Leadership ends
   * with the leader's connection, so after a database outage a leader starts again from zero.
   */
  java.time.Duration leadingFor() {
    return leader
        ? java.time.Duration.ofNanos(System.nanoTime() - leaderSinceNanos)
        : java.time.Duration.ZERO;
  }

  /** Tries to become (or confirms still being) the leader. Returns whether this node leads. */
  synchronized boolean tick() {
    try {
      if (connection == null) {
        connection = dataSource.getConnection();
        connection.setAutoCommit(true);
      }
      if (leader) {
        if (!connection.isValid(5)) {
          throw new SQLException("leader connection is no longer valid");
        }
        return true;
      }
      try (PreparedStatement ps = connection.prepareStatement(sql.get("try_lead"))) {
        ps.setLong(1, lockKey);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getBoolean(1)) {
            leaderSinceNanos = System.nanoTime();
            leader = true;
            try (PreparedStatement record = connection.prepareStatement(sql.get("record_leader"))) {
              record.setString(1, nodeId);
              record.executeUpdate();
            }
            log.info("node {} is now the leader", nodeId);
          }
        }
      }
    } catch (SQLException e) {
      if (leader) {
        log.warn("node {} stepped down as leader: {}", nodeId, e.getMessage());
      }
      leader = false;
      closeQuietly();
    }
    return leader;
  }

  /** Releases leadership (graceful shutdown) so another node takes over at its next tick. */
  synchronized void resign() {
    if (leader && connection != null) {
      try (PreparedStatement ps = connection.prepareStatement(sql.get("unlock_lead"))) {
        ps.setLong(1, lockKey);
        ps.executeQuery().close();
      } catch (SQLException e) {
        log.warn("could not release the leader lock: {}", e.getMessage());
      }
    }
    leader = false;
    closeQuietly();
  }

  /**
   * Returns the connection to wherever it came from without the lock: a pooled connection must not
   * carry a session lock into someone else's hands. If the unlock fails the session is broken, and
   * the physical connection is closed so a pool discards it (the server drops its locks).
   */
  private void closeQuietly() {
    if (connection != null) {
      try (java.sql.Statement s = connection.createStatement()) {
        s.execute("SELECT pg_advisory_unlock_all()");
      } catch (SQLException e) {
        try {
          connection.unwrap(java.sql.Connection.class).close();
        } catch (SQLException ignored) {
          log.debug("closing a broken leader connection failed", ignored);
        }
      }
      try {
        connection.close();
      } catch (SQLException e) {
        log.debug("closing the leader connection failed", e);
      }
      connection = null;
    }
  }
}
