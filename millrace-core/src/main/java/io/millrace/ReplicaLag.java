package io.millrace;

import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * How far the read replica is behind the primary, measured at most once per {@link #checkEvery} and
 * shared by every read in between.
 *
 * <p>One measurement is two tiny statements: the primary's WAL write position, then, on the
 * replica, whether its replay has reached that position. If it has, the replica holds every commit
 * the primary had acknowledged before the measurement began: the lag is zero. This is what keeps an
 * idle primary from looking like a lagging one: with nothing committed, the replica's last replayed
 * commit ages without the replica falling behind. If it has not, the lag is the age of the
 * replica's newest replayed commit, an upper bound: anything it misses was committed later. A
 * replica that has replayed no commit since it started, that is not a standby, or that fails to
 * answer, has no lag: reads go to the primary.
 *
 * <p>Hazards: a measurement blocks for as long as the replica's pool takes to give up on a
 * connection, so only one thread measures at a time; the others use the previous measurement (or,
 * before the first, the primary). A replica read that fails after a good measurement {@link #failed
 * marks} the replica as failing until the next measurement.
 */
final class ReplicaLag {
  /** One measurement: the lag when the replica answered, else why it is not used. */
  record Measurement(@Nullable Duration lag, @Nullable String fallback, String detail, long at) {}

  private final DataSource primary;
  private final DataSource replica;
  private final SqlFile sql;
  private final Duration checkEvery;
  private final ReentrantLock measuring = new ReentrantLock();
  private volatile @Nullable Measurement last;

  ReplicaLag(DataSource primary, DataSource replica, SchemaName schema, Duration checkEvery) {
    this.primary = primary;
    this.replica = replica;
    this.sql = SqlFile.load(ReplicaLag.class, "replica.sql", schema);
    this.checkEvery = checkEvery;
  }

  /** The current measurement, measuring first when the last one is older than checkEvery. */
  Measurement current() {
    Measurement m = last;
    if (m != null && System.nanoTime() - m.at() < checkEvery.toNanos()) {
      return m;
    }
    if (!measuring.tryLock()) {
      return m != null
          ? m
          : new Measurement(null, "unmeasured", "the replica's lag is being measured", 0);
    }
    try {
      Measurement fresh = measure();
      last = fresh;
      return fresh;
    } finally {
      measuring.unlock();
    }
  }

  /** A read on the replica failed: it is not used again until the next measurement. */
  void failed(RuntimeException e) {
    last = new Measurement(null, "error", "a read on the replica failed: " + e.getMessage(), now());
  }

  private Measurement measure() {
    String position;
    try (Connection c = primary.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("primary_position"));
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      position = rs.getString(1);
    } catch (SQLException | RuntimeException e) {
      // The reads will fail on the primary too, loudly; the replica is not to be trusted blind.
      return new Measurement(
          null,
          "unmeasured",
          "could not read the primary's WAL position: " + e.getMessage(),
          now());
    }
    try (Connection c = replica.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("replica_position"))) {
      ps.setString(1, position);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          return new Measurement(
              null, "not-standby", "the read data source is not a standby in recovery", now());
        }
        if (rs.getBoolean(2)) {
          return new Measurement(Duration.ZERO, null, "caught up with the primary", now());
        }
        long micros = rs.getLong(3);
        if (rs.wasNull()) {
          return new Measurement(
              null, "unmeasured", "the replica has replayed no commit since it started", now());
        }
        Duration lag = Duration.ofNanos(Math.max(0, micros) * 1_000);
        return new Measurement(lag, null, "behind the primary", now());
      }
    } catch (SQLException | RuntimeException e) {
      return new Measurement(
          null, "unreachable", "the replica did not answer: " + e.getMessage(), now());
    }
  }

  private static long now() {
    return System.nanoTime();
  }
}
