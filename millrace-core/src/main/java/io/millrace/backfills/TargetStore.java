package io.millrace.backfills;

import io.millrace.base.Contract;
import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backfill's side of its target database: the state row (cursor, bounds, counters, fence) and the
 * batch transaction.
 *
 * <p>Every batch is one transaction on the target that (1) checks the fence, (2) finds the batch's
 * last key as the N-th key after the cursor through the key's index, (3) runs the body over that
 * range and (4) moves the cursor and adds to the counters. All four commit or none does, so a crash
 * at any point leaves the cursor exactly at the last committed batch: the next run neither repeats
 * a committed batch nor skips an uncommitted one. A node whose lease was taken over fails step (1)
 * (the new owner wrote a larger fence into the row first) and commits nothing.
 */
final class TargetStore {
  /** The state row as read from the target. Bounds and cursor are typed keys (Long or String). */
  record State(
      long fence,
      @Nullable Object cursor,
      @Nullable Object lower,
      @Nullable Object upper,
      boolean finished,
      long rowsProcessed,
      long rowsAffected,
      @Nullable Long rowsTotal,
      long batches,
      @Nullable Integer batchSize) {}

  /** What one batch transaction did. */
  sealed interface Outcome {
    record Advanced(Object cursor, long keys, long affected) implements Outcome {}

    record Done() implements Outcome {}

    record FencedOut() implements Outcome {}
  }

  /** A newer fence owns the target's state row: this node must stop. */
  static final class FencedOutException extends Exception {
    private static final long serialVersionUID = 1L;

    FencedOutException(String message) {
      super(message);
    }
  }

  private static final Logger log = LoggerFactory.getLogger(TargetStore.class);

  /** The statement timeout of the claim and the bound snapshot (min and max through the index). */
  private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(30);

  /** How long the first start may count the rows of a table without statistics. */
  static final Duration COUNT_BUDGET = Duration.ofSeconds(2);

  private final Backfill def;
  private final SqlFile sql;
  private volatile @Nullable Dialect dialect;

  TargetStore(Backfill def) {
    this.def = def;
    // These statements run outside Millrace's schema and contain no {schema}; SqlFile needs one
    // anyway.
    this.sql = SqlFile.load(TargetStore.class, "target.sql", SchemaName.of("millrace"));
  }

  Dialect dialect() throws SQLException {
    Dialect d = dialect;
    if (d == null) {
      try (Connection c = def.target().getConnection()) {
        d = Dialect.of(c);
      }
      dialect = d;
    }
    return d;
  }

  private String statement(String name) {
    return sql.get(name)
        .replace("{state}", def.quotedStateTable())
        .replace("{table}", def.quotedTable())
        .replace("{key}", def.quotedKey());
  }

  /**
   * Takes the target's state row for {@code fence} (creating table and row when missing) and, on
   * the first run, snapshots the key bounds. Throws when a newer fence already owns the row.
   */
  State claim(long fence) throws SQLException, FencedOutException {
    Dialect d = dialect();
    try (Connection c = def.target().getConnection()) {
      d.prepare(c, def.busyTimeout());
      try (Statement s = c.createStatement()) {
        s.execute(statement("create_state"));
      }
      long now = System.currentTimeMillis();
      State state =
          inTransaction(
              c,
              d,
              SETUP_TIMEOUT,
              () -> {
                update(c, statement("insert_state"), def.name(), fence, now, now);
                update(c, statement("take_fence"), fence, now, def.name(), fence);
                return read(c);
              });
      if (state.fence() != fence) {
        throw new FencedOutException(
            "backfill " + def.name() + " is owned by fence " + state.fence() + ", not " + fence);
      }
      if (state.upper() != null || state.finished()) {
        return state;
      }
      // First run: snapshot the bounds and the row estimate with plain reads, outside the write
      // transaction (the count may be a scan), then record them under the fence.
      Object @Nullable [] bounds =
          reading(
              c,
              d,
              SETUP_TIMEOUT,
              () -> {
                Object upper = key(c, "max_key");
                return upper == null ? null : new Object[] {key(c, "min_key"), upper};
              });
      if (bounds == null) {
        inTransaction(
            c,
            d,
            SETUP_TIMEOUT,
            () ->
                update(
                    c, statement("mark_finished"), System.currentTimeMillis(), def.name(), fence));
        return read(c);
      }
      Long total = estimateTotal(c, d);
      inTransaction(
          c,
          d,
          SETUP_TIMEOUT,
          () ->
              update(
                  c,
                  statement("set_bounds"),
                  text(bounds[0]),
                  text(bounds[1]),
                  total,
                  System.currentTimeMillis(),
                  def.name(),
                  fence));
      return read(c);
    }
  }

  /**
   * One batch of at most {@code size} keys after {@code cursor} (or from the lower bound), in one
   * transaction.
   */
  Outcome batch(long fence, State state, @Nullable Object cursor, int size) throws SQLException {
    Dialect d = dialect();
    boolean first = cursor == null;
    // The bounds (lower with upper) are recorded by prepare() before any batch runs.
    Object from =
        Objects.requireNonNull(first ? state.lower() : cursor, "the first key of the batch");
    Duration timeout = def.batchTimeout();
    try (Connection c = def.target().getConnection()) {
      d.prepare(c, def.busyTimeout());
      d.begin(c, timeout, def.lockTimeout());
      try {
        long now = System.currentTimeMillis();
        if (update(c, statement("check_fence"), now, def.name(), fence) == 0) {
          d.rollback(c);
          return new Outcome.FencedOut();
        }
        long keys;
        @Nullable Object end;
        try (PreparedStatement ps =
            c.prepareStatement(statement(first ? "batch_end_first" : "batch_end"))) {
          d.limit(ps, timeout);
          ps.setObject(1, from);
          ps.setObject(2, state.upper());
          ps.setInt(3, size);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            keys = rs.getLong(1);
            end = keys == 0 ? null : typed(rs, 2);
          }
        }
        if (keys == 0) {
          update(c, statement("mark_finished"), now, def.name(), fence);
          d.commit(c);
          return new Outcome.Done();
        }
        // A batch of keys > 0 has a last key: the statement returns max(key) over them.
        Object last = Objects.requireNonNull(end, "the last key of a non-empty batch");
        long affected = body(c, d, new KeyRange(from, first, last, def.predicate(first)), timeout);
        update(
            c,
            statement("advance"),
            text(last),
            keys,
            affected,
            size,
            System.currentTimeMillis(),
            def.name(),
            fence);
        d.commit(c);
        return new Outcome.Advanced(last, keys, affected);
      } catch (SQLException | RuntimeException e) {
        try {
          d.rollback(c);
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        throw e;
      }
    }
  }

  private long body(Connection c, Dialect d, KeyRange range, Duration timeout) throws SQLException {
    BatchCallback callback = def.callback();
    if (callback != null) {
      return callback.apply(c, range);
    }
    try (PreparedStatement ps = c.prepareStatement(def.expandedSql(range.fromInclusive()))) {
      d.limit(ps, timeout);
      int index = 1;
      for (int i = 0; i < def.rangeCount(); i++) {
        index = range.bind(ps, index);
      }
      return ps.executeLargeUpdate();
    }
  }

  /**
   * Rows the walk will visit, estimated once at the first start: the engine's statistics where it
   * keeps them (PostgreSQL), else a count bounded by {@link #COUNT_BUDGET}; null (unknown) when the
   * table has no statistics and is too large to count in that time. Never derived from the key
   * span: keys may be sparse or span the whole bigint range, and neither says anything about rows.
   */
  private @Nullable Long estimateTotal(Connection c, Dialect d) throws SQLException {
    Long stats = reading(c, d, SETUP_TIMEOUT, () -> d.estimatedRows(c, def.table()));
    if (stats != null) {
      return stats;
    }
    try {
      return reading(
          c,
          d,
          COUNT_BUDGET,
          () -> {
            try (PreparedStatement ps = c.prepareStatement(statement("count_rows"))) {
              d.limit(ps, COUNT_BUDGET);
              try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
              }
            }
          });
    } catch (SQLException e) {
      if (d.isTimeout(e)) {
        log.info(
            "backfill {}: {} has no statistics and is too large to count in {}; total unknown",
            def.name(),
            def.table(),
            COUNT_BUDGET);
        return null;
      }
      throw e;
    }
  }

  State read() throws SQLException {
    try (Connection c = def.target().getConnection()) {
      return read(c);
    }
  }

  private State read(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(statement("read_state"))) {
      ps.setString(1, def.name());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException(
              "the state row of backfill "
                  + def.name()
                  + " is missing from "
                  + def.quotedStateTable());
        }
        long total = rs.getLong(8);
        Long rowsTotal = rs.wasNull() ? null : total;
        int size = rs.getInt(10);
        Integer batchSize = rs.wasNull() ? null : size;
        return new State(
            rs.getLong(1),
            parse(rs.getString(2)),
            parse(rs.getString(3)),
            parse(rs.getString(4)),
            rs.getInt(5) != 0,
            rs.getLong(6),
            rs.getLong(7),
            rowsTotal,
            rs.getLong(9),
            batchSize);
      }
    }
  }

  private @Nullable Object key(Connection c, String statement) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(statement(statement));
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return typed(rs, 1);
    }
  }

  private @Nullable Object typed(ResultSet rs, int column) throws SQLException {
    if (def.keyType() == KeyType.INTEGER) {
      long v = rs.getLong(column);
      return rs.wasNull() ? null : v;
    }
    return rs.getString(column);
  }

  @Nullable Object parse(@Nullable String stored) {
    if (stored == null) {
      return null;
    }
    return def.keyType() == KeyType.INTEGER ? (Object) Long.parseLong(stored) : stored;
  }

  @Contract("!null -> !null")
  static @Nullable String text(@Nullable Object key) {
    return key == null ? null : key.toString();
  }

  private static int update(Connection c, String sql, @Nullable Object... values)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < values.length; i++) {
        ps.setObject(i + 1, values[i]);
      }
      return ps.executeUpdate();
    }
  }

  @FunctionalInterface
  private interface Work<T> {
    T run() throws SQLException;
  }

  /** A read that may find nothing. */
  @FunctionalInterface
  private interface Read<T> {
    @Nullable T run() throws SQLException;
  }

  private <T> T inTransaction(Connection c, Dialect d, Duration statementTimeout, Work<T> work)
      throws SQLException {
    d.begin(c, statementTimeout, def.lockTimeout());
    try {
      T result = work.run();
      d.commit(c);
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        d.rollback(c);
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      throw e;
    }
  }

  /**
   * Plain reads. On PostgreSQL inside a transaction, which is only there to bound their wait for
   * someone else's lock (SET LOCAL lock_timeout); SQLite readers take no writer lock and wait at
   * most busy_timeout (set in prepare) for a shared one.
   */
  private <T> @Nullable T reading(Connection c, Dialect d, Duration statementTimeout, Read<T> work)
      throws SQLException {
    if (d != Dialect.POSTGRESQL) {
      return work.run();
    }
    return inTransaction(c, d, statementTimeout, () -> Optional.ofNullable(work.run()))
        .orElse(null);
  }
}
