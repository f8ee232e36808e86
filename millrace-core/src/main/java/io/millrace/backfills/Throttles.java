package io.millrace.backfills;

import io.millrace.base.Storable;
import io.millrace.base.ValidationException;
import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Built-in throttles. The PostgreSQL probes read catalog views on the target and have no effect on
 * a SQLite target (it has neither replicas nor a lock table; its writer lock is held only for one
 * short batch transaction, and the yield between batches is what lets other writers in).
 */
public final class Throttles {
  // These statements run outside Millrace's schema and contain no {schema}; SqlFile needs one
  // anyway.
  private static final SqlFile SQL =
      SqlFile.load(Throttles.class, "throttles.sql", SchemaName.of("millrace"));

  private Throttles() {}

  /** Waits while any streaming replica's replay lag exceeds {@code max} (PostgreSQL). */
  public static Throttle replicationLag(Duration max) {
    if (max == null || max.isNegative() || max.isZero()) {
      throw new ValidationException("replicationLag", "must be positive");
    }
    Storable.duration("replicationLag", max);
    double limit = max.toMillis() / 1000.0;
    return target -> {
      if (!target.postgres()) {
        return null;
      }
      double lag = queryDouble(target, SQL.get("replication_lag"), null);
      return lag > limit ? String.format("replication lag %.1f s > %.1f s", lag, limit) : null;
    };
  }

  /**
   * Waits while more than {@code max} sessions wait for a lock on the backfilled table
   * (PostgreSQL).
   */
  public static Throttle lockWaiters(int max) {
    if (max < 0) {
      throw new ValidationException("lockWaiters", "must be zero or positive");
    }
    return target -> {
      if (!target.postgres()) {
        return null;
      }
      long waiting = (long) queryDouble(target, SQL.get("lock_waiters"), target.table());
      return waiting > max ? waiting + " sessions wait for a lock on " + target.table() : null;
    };
  }

  /**
   * Waits while {@code shouldWait} is true, showing {@code reason} (a user predicate: load,
   * business hours...).
   */
  public static Throttle when(String reason, BooleanSupplier shouldWait) {
    if (reason == null || reason.isBlank()) {
      throw new ValidationException("reason", "must not be blank");
    }
    // The reason is recorded as the backfill's throttled_by.
    Storable.text("reason", reason);
    java.util.Objects.requireNonNull(shouldWait, "shouldWait");
    return target -> shouldWait.getAsBoolean() ? reason : null;
  }

  private static double queryDouble(Throttle.Target target, String sql, @Nullable String arg)
      throws SQLException {
    try (Connection c = target.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      if (arg != null) {
        ps.setString(1, arg);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getDouble(1);
      }
    }
  }
}
