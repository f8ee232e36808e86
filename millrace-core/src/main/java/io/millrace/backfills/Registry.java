package io.millrace.backfills;

import io.millrace.base.Storable;
import io.millrace.internal.sql.Instants;
import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The backfills table in Millrace's PostgreSQL: registration, the lease (acquire with a new fence,
 * heartbeat, end of run) and the operator's transitions. Every end-of-run statement is guarded by
 * {@code fence = ? AND state = 'running'}, so a node that lost its lease, or whose backfill an
 * operator paused or cancelled meanwhile, changes nothing here.
 */
final class Registry {
  /** The mirrored progress a heartbeat writes. */
  record Heartbeat(
      @Nullable String cursor,
      @Nullable String upperBound,
      long rowsProcessed,
      long rowsAffected,
      @Nullable Long rowsTotal,
      long batches,
      int batchSize,
      @Nullable Double rowsPerSecond,
      @Nullable Double etaSeconds,
      @Nullable String throttledBy,
      int attempts) {}

  private final DataSource dataSource;
  private final SqlFile sql;

  Registry(DataSource dataSource, SchemaName schema) {
    this.dataSource = dataSource;
    this.sql = SqlFile.load(Registry.class, "registry.sql", schema);
  }

  void register(Backfill b, String target) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("register"))) {
      ps.setString(1, b.name());
      ps.setBoolean(2, b.independent());
      ps.setBoolean(3, b.blocking());
      ps.setString(4, target);
      ps.setString(5, b.table());
      ps.setString(6, b.key());
      ps.executeUpdate();
    }
  }

  /** The new fence when this node took the backfill, empty when it is not runnable now. */
  OptionalLong acquire(String name, String node, Duration lease) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("acquire"))) {
      ps.setString(1, node);
      ps.setLong(2, lease.toMillis());
      ps.setString(3, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
      }
    }
  }

  /** Extends the lease and mirrors progress; false when the lease is gone. */
  boolean heartbeat(String name, long fence, Duration lease, Heartbeat h) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("heartbeat"))) {
      ps.setLong(1, lease.toMillis());
      ps.setString(2, h.cursor());
      ps.setString(3, h.upperBound());
      ps.setLong(4, h.rowsProcessed());
      ps.setLong(5, h.rowsAffected());
      setLong(ps, 6, h.rowsTotal());
      ps.setLong(7, h.batches());
      ps.setInt(8, h.batchSize());
      setDouble(ps, 9, h.rowsPerSecond());
      setDouble(ps, 10, h.etaSeconds());
      ps.setString(11, Storable.escape(h.throttledBy()));
      ps.setInt(12, h.attempts());
      ps.setString(13, name);
      ps.setLong(14, fence);
      return ps.executeUpdate() == 1;
    }
  }

  /**
   * Extends the lease and shows why the run waits, leaving the mirrored progress; false when gone.
   */
  boolean waiting(String name, long fence, Duration lease, @Nullable String throttledBy)
      throws SQLException {
    return update("waiting", lease.toMillis(), throttledBy, name, fence) == 1;
  }

  boolean recordError(String name, long fence, int attempts, String error) throws SQLException {
    return update("record_error", attempts, Storable.escape(error), name, fence) == 1;
  }

  boolean succeed(String name, long fence) throws SQLException {
    return update("succeed", name, fence) == 1;
  }

  boolean fail(String name, long fence, String error) throws SQLException {
    return update("fail", Storable.escape(error), name, fence) == 1;
  }

  boolean release(String name, long fence) throws SQLException {
    return update("release", name, fence) == 1;
  }

  /**
   * Applies an operator transition ({@code pause}, {@code resume}, {@code cancel}, {@code retry});
   * true when it applied.
   */
  boolean transition(String statement, String name) throws SQLException {
    return update(statement, name) == 1;
  }

  List<BackfillStatus> list() throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("list"));
        ResultSet rs = ps.executeQuery()) {
      List<BackfillStatus> all = new ArrayList<>();
      while (rs.next()) {
        all.add(status(rs));
      }
      return all;
    }
  }

  Optional<BackfillStatus> get(String name) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("get"))) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(status(rs)) : Optional.empty();
      }
    }
  }

  private int update(String statement, @Nullable Object... values) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get(statement))) {
      for (int i = 0; i < values.length; i++) {
        ps.setObject(i + 1, values[i]);
      }
      return ps.executeUpdate();
    }
  }

  private static BackfillStatus status(ResultSet rs) throws SQLException {
    return new BackfillStatus(
        rs.getString("name"),
        BackfillState.fromDb(rs.getString("state")),
        rs.getLong("position"),
        rs.getBoolean("independent"),
        rs.getBoolean("blocking"),
        rs.getString("target"),
        rs.getString("table_name"),
        rs.getString("key_column"),
        rs.getString("lease_owner"),
        instant(rs, "lease_expires_at"),
        rs.getLong("fence"),
        rs.getString("cursor_value"),
        rs.getString("upper_bound"),
        rs.getLong("rows_processed"),
        rs.getLong("rows_affected"),
        (Long) rs.getObject("rows_total"),
        rs.getLong("batches"),
        (Integer) rs.getObject("batch_size"),
        (Double) rs.getObject("rows_per_second"),
        (Double) rs.getObject("eta_seconds"),
        rs.getString("throttled_by"),
        instant(rs, "progress_at"),
        rs.getInt("attempts"),
        rs.getString("last_error"),
        Instants.require(rs, "created_at"),
        instant(rs, "started_at"),
        instant(rs, "finished_at"),
        Instants.require(rs, "updated_at"));
  }

  private static @Nullable Instant instant(ResultSet rs, String column) throws SQLException {
    return Instants.get(rs, column);
  }

  private static void setLong(PreparedStatement ps, int index, @Nullable Long value)
      throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.BIGINT);
    } else {
      ps.setLong(index, value);
    }
  }

  private static void setDouble(PreparedStatement ps, int index, @Nullable Double value)
      throws SQLException {
    if (value == null || value.isNaN() || value.isInfinite()) {
      ps.setNull(index, Types.DOUBLE);
    } else {
      ps.setDouble(index, value);
    }
  }
}
