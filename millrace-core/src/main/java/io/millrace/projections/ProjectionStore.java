package io.millrace.projections;

import io.millrace.internal.sql.Instants;
import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The {@code projections} table: leases, checkpoints and status. Every write of a lease holder
 * carries its token, so a holder that lost the lease writes nothing (see projections.sql).
 */
final class ProjectionStore {
  /** What a lease holder learns when it acquires or renews the lease. */
  record Lease(
      long token,
      String fingerprint,
      String status,
      LogPosition checkpoint,
      long eventsApplied,
      boolean rebuildRequested,
      String error) {}

  /** One row as the API shows it. */
  record Row(
      String name,
      String fingerprint,
      String status,
      LogPosition checkpoint,
      long eventsApplied,
      @Nullable String error,
      @Nullable Instant failedAt,
      boolean rebuildRequested,
      @Nullable Instant catchUpStartedAt,
      @Nullable Instant readyAt,
      @Nullable String leaseOwner,
      @Nullable Instant leaseUntil,
      Instant updatedAt) {}

  private final DataSource dataSource;
  private final SqlFile sql;

  ProjectionStore(DataSource dataSource, SchemaName schema) {
    this.dataSource = dataSource;
    this.sql = SqlFile.load(ProjectionStore.class, "projections.sql", schema);
  }

  SqlFile sql() {
    return sql;
  }

  void register(String name, String fingerprint) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("register"))) {
      ps.setString(1, name);
      ps.setString(2, fingerprint);
      ps.executeUpdate();
    }
  }

  Optional<Lease> acquire(String name, String owner, long leaseMs) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("acquire"))) {
      ps.setString(1, owner);
      ps.setLong(2, leaseMs);
      ps.setString(3, name);
      return lease(ps);
    }
  }

  Optional<Lease> renew(String name, long token, long leaseMs) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("renew"))) {
      ps.setLong(1, leaseMs);
      ps.setString(2, name);
      ps.setLong(3, token);
      return lease(ps);
    }
  }

  void release(String name, long token) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("release"))) {
      ps.setString(1, name);
      ps.setLong(2, token);
      ps.executeUpdate();
    }
  }

  /** The page's checkpoint compare-and-swap, on the page transaction's connection. */
  boolean advance(
      Connection c,
      String name,
      long token,
      LogPosition from,
      LogPosition to,
      int events,
      long leaseMs)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("advance"))) {
      ps.setString(1, Long.toString(to.xid()));
      ps.setLong(2, to.position());
      ps.setInt(3, events);
      ps.setLong(4, leaseMs);
      ps.setString(5, name);
      ps.setLong(6, token);
      ps.setString(7, Long.toString(from.xid()));
      ps.setLong(8, from.position());
      return ps.executeUpdate() == 1;
    }
  }

  boolean reset(Connection c, String name, String fingerprint, long token) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("reset"))) {
      ps.setString(1, fingerprint);
      ps.setString(2, name);
      ps.setLong(3, token);
      if (ps.executeUpdate() != 1) {
        return false;
      }
    }
    try (PreparedStatement ps = c.prepareStatement(sql.get("delete_documents"))) {
      ps.setString(1, name);
      ps.executeUpdate();
    }
    return true;
  }

  boolean markReady(String name, long token, LogPosition checkpoint) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("mark_ready"))) {
      ps.setString(1, name);
      ps.setLong(2, token);
      ps.setString(3, Long.toString(checkpoint.xid()));
      ps.setLong(4, checkpoint.position());
      return ps.executeUpdate() == 1;
    }
  }

  boolean markFailed(String name, long token, String error) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("mark_failed"))) {
      ps.setString(1, error);
      ps.setString(2, name);
      ps.setLong(3, token);
      return ps.executeUpdate() == 1;
    }
  }

  /** Runs an operator request (request_retry, request_rebuild); false when it did not apply. */
  boolean request(String statement, String name) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get(statement))) {
      ps.setString(1, name);
      if (statement.equals("request_retry")) {
        ps.setString(2, name); // also the projection's side-by-side build
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  List<Row> list() throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("list"))) {
      return rows(ps);
    }
  }

  Optional<Row> get(String name) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("get"))) {
      ps.setString(1, name);
      return rows(ps).stream().findFirst();
    }
  }

  /**
   * A projection's status as every node sees it, how long committed events have waited behind the
   * read horizon ({@code null} when none wait), and whether that is past the running node's budget.
   */
  /** {@code held} is null when no committed event waits behind the horizon. */
  record Standing(String status, @Nullable Duration held, boolean stale) {}

  Optional<Standing> status(String name) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("status"))) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        double seconds = rs.getDouble(2);
        Duration held =
            rs.wasNull() ? null : Duration.ofMillis(Math.max(0, Math.round(seconds * 1000)));
        return Optional.of(new Standing(rs.getString(1), held, rs.getBoolean(3)));
      }
    }
  }

  /** Records the start of a hold, stale after {@code budget} (kept if one is recorded). */
  void hold(String name, long token, Duration budget) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("hold"))) {
      ps.setLong(1, budget.toMillis());
      ps.setString(2, name);
      ps.setLong(3, token);
      ps.executeUpdate();
    }
  }

  /** Records the end of a hold. */
  void releaseHold(String name, long token) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("release_hold"))) {
      ps.setString(1, name);
      ps.setLong(2, token);
      ps.executeUpdate();
    }
  }

  private static Optional<Lease> lease(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return Optional.empty();
      }
      return Optional.of(
          new Lease(
              rs.getLong(1),
              rs.getString(2),
              rs.getString(3),
              new LogPosition(Long.parseLong(rs.getString(4)), rs.getLong(5)),
              rs.getLong(6),
              rs.getBoolean(7),
              rs.getString(8)));
    }
  }

  private static List<Row> rows(PreparedStatement ps) throws SQLException {
    List<Row> rows = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        rows.add(
            new Row(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                new LogPosition(Long.parseLong(rs.getString(4)), rs.getLong(5)),
                rs.getLong(6),
                rs.getString(7),
                Instants.get(rs, 8),
                rs.getBoolean(9),
                Instants.get(rs, 10),
                Instants.get(rs, 11),
                rs.getString(12),
                Instants.get(rs, 13),
                Instants.require(rs, 14)));
      }
    }
    return rows;
  }
}
