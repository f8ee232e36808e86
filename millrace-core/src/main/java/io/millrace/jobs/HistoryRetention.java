package io.millrace.jobs;

import io.millrace.internal.sql.Instants;
import io.millrace.internal.sql.SqlFile;
import io.millrace.internal.sql.Transactions;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader task: keeps one history partition per state and UTC day, created a few days ahead, and
 * enforces per-state retention by dropping whole day partitions once their last instant is older
 * than the retention: no mass DELETE, no bloat, no vacuum debt. A dropped partition's rows are
 * added to the count rollup in the same transaction, so queue counts stay exact.
 *
 * <p>Rows that landed in a default partition (a day partition did not exist yet) are deleted in
 * batches by the same rule. Every transaction here that removes history keeps the rollup right
 * itself and says so ({@code millrace.counted}), so the history guard that clears the counters'
 * trust marker on hand deletes leaves it set; each new partition is guarded as it is created. DDL
 * runs with a short lock timeout so it never queues the hot path behind it for long; a step that
 * cannot get its lock is retried on the next run.
 *
 * <p>Idempotent: {@code CREATE TABLE IF NOT EXISTS} and {@code DROP TABLE IF EXISTS}, and a
 * retention cut that only ever moves forward.
 */
final class HistoryRetention {
  private static final Logger log = LoggerFactory.getLogger(HistoryRetention.class);
  private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;
  private static final Pattern PARTITION =
      Pattern.compile("job_history_(completed|failed|cancelled|skipped)_p(\\d{8})");
  private static final int DAYS_AHEAD = 3;
  private static final int DELETE_BATCH = 5_000;

  private final DataSource dataSource;
  private final SchemaName schema;
  private final SqlFile sql;
  private final Map<JobState, Duration> retention;
  private final Duration skippedFallback;

  /**
   * @param retention how long finished jobs are kept, per terminal state; must name cancelled jobs,
   *     whose retention also applies to a state it does not name
   */
  HistoryRetention(DataSource dataSource, SchemaName schema, Map<JobState, Duration> retention) {
    this.dataSource = dataSource;
    this.schema = schema;
    this.sql = SqlFile.load(HistoryRetention.class, "maintenance.sql", schema);
    this.retention = Map.copyOf(retention);
    Duration cancelled = retention.get(JobState.CANCELLED);
    if (cancelled == null) {
      throw new IllegalArgumentException("retention must name cancelled jobs: " + retention);
    }
    this.skippedFallback = cancelled;
  }

  /**
   * Creates day partitions from today to a few days ahead, and guards any history table attached by
   * hand (see {@link #guardHistory}). Returns how many partitions were created.
   */
  int ensurePartitions(Instant now) throws SQLException {
    int created = 0;
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    List<String> existing = partitions();
    try (Connection c = dataSource.getConnection()) {
      guardHistory(c);
      for (JobState state : terminalStates()) {
        for (int d = 0; d <= DAYS_AHEAD; d++) {
          LocalDate day = today.plusDays(d);
          String name = partitionName(state, day);
          if (existing.contains(name)) {
            continue;
          }
          if (createPartition(c, state, day, name)) {
            created++;
          }
        }
      }
    }
    return created;
  }

  /**
   * Creates one day partition. If the default partition already holds rows of that day (the leader
   * was away for days), the partition is built beside it, those rows are moved into it and it is
   * attached, all in one transaction: the day then ages out by a drop like any other.
   */
  private boolean createPartition(Connection c, JobState state, LocalDate day, String name)
      throws SQLException {
    String parent = schema.quoted() + ".job_history_" + state.dbValue();
    String table = schema.quoted() + "." + name;
    String bounds = "FROM ('" + day + " 00:00:00+00') TO ('" + day.plusDays(1) + " 00:00:00+00')";
    String guard = sql.get("guard_new_partition");
    try {
      return ddl(
          c,
          false,
          "CREATE TABLE IF NOT EXISTS "
              + table
              + " PARTITION OF "
              + parent
              + " FOR VALUES "
              + bounds,
          guard);
    } catch (SQLException e) {
      if (!"23514".equals(e.getSQLState())) {
        throw e;
      }
    }
    log.info(
        "moving {} rows of {} out of the default partition into {}", state.dbValue(), day, name);
    return ddl(
        c,
        true,
        "CREATE TABLE " + table + " (LIKE " + parent + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
        "WITH moved AS (DELETE FROM "
            + parent
            + "_default WHERE finished_at >= '"
            + day
            + " 00:00:00+00'"
            + " AND finished_at < '"
            + day.plusDays(1)
            + " 00:00:00+00' RETURNING *)"
            + " INSERT INTO "
            + table
            + " SELECT * FROM moved",
        "ALTER TABLE " + parent + " ATTACH PARTITION " + table + " FOR VALUES " + bounds,
        guard);
  }

  /**
   * Guards tables of the history tree that lack the triggers that clear the counters' trust marker
   * on hand changes. Partitions this class creates are guarded in their creating transaction, so
   * only a partition attached by hand is found here; if it holds rows, those were never counted and
   * the marker is cleared. Returns how many tables were guarded (0 when the run was deferred).
   */
  int guardHistory(Connection c) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("SET LOCAL lock_timeout = '2s'");
      int guarded;
      try (ResultSet rs = s.executeQuery(sql.get("guard_history"))) {
        rs.next();
        guarded = rs.getInt(1);
      }
      c.commit();
      if (guarded > 0) {
        log.warn(
            "guarded {} history tables created outside Millrace; exact counts scan history if they"
                + " held rows",
            guarded);
      }
      return guarded;
    } catch (SQLException e) {
      c.rollback();
      if ("55P03".equals(e.getSQLState())) {
        log.warn("history guard deferred ({}): {}", e.getSQLState(), e.getMessage());
        return 0;
      }
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /** Drops expired day partitions and prunes expired rows from default partitions. */
  int enforce(Instant now) throws SQLException {
    int dropped = 0;
    try (Connection c = dataSource.getConnection()) {
      for (String name : partitions()) {
        Matcher m = PARTITION.matcher(name);
        if (!m.matches()) {
          continue;
        }
        JobState state = JobState.fromDb(m.group(1));
        Instant end =
            LocalDate.parse(m.group(2), DAY).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        if (!end.isAfter(now.minus(keep(state)))) {
          String rollUp = sql.get("roll_up_partition").replace("{table}", name);
          if (ddl(c, true, rollUp, "DROP TABLE IF EXISTS " + schema.quoted() + "." + name)) {
            log.info(
                "history retention dropped partition {} ({} older than {})",
                name,
                state.dbValue(),
                keep(state));
            dropped++;
          }
        }
      }
      for (JobState state : terminalStates()) {
        String statement =
            sql.get("prune_default_partition")
                .replace("{table}", "job_history_" + state.dbValue() + "_default");
        Instant cutoff = now.minus(keep(state));
        int n;
        do {
          n = pruneBatch(c, statement, cutoff);
        } while (n == DELETE_BATCH);
      }
    }
    return dropped;
  }

  /**
   * One batch of a default partition's expired rows into the rollup, in its own transaction that
   * vouches for its delete, so the history guard leaves the trust marker alone.
   */
  private int pruneBatch(Connection c, String statement, Instant cutoff) throws SQLException {
    return Transactions.inTransaction(
        c,
        tx -> {
          try (Statement vouch = tx.createStatement()) {
            vouch.execute(sql.get("vouch_counted"));
          }
          try (PreparedStatement ps = tx.prepareStatement(statement)) {
            Instants.set(ps, 1, cutoff);
            ps.setInt(2, DELETE_BATCH);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getInt(1);
            }
          }
        });
  }

  /** The day partitions that exist now. */
  List<String> partitions() throws SQLException {
    List<String> names = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("history_partitions"))) {
      ps.setString(1, schema.value());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(2));
        }
      }
    }
    return names;
  }

  /** Skipped workflow members are kept as long as cancelled jobs unless a retention names them. */
  private Duration keep(JobState state) {
    Duration keep = retention.get(state);
    return keep != null ? keep : skippedFallback;
  }

  static String partitionName(JobState state, LocalDate day) {
    return "job_history_" + state.dbValue() + "_p" + DAY.format(day);
  }

  private static List<JobState> terminalStates() {
    return List.of(JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED, JobState.SKIPPED);
  }

  /**
   * Runs statements in one transaction under a short lock timeout; false if they could not get
   * their locks (nothing was changed, the next run tries again). With {@code deferOnCheck}, a
   * partition-constraint violation (23514) is also logged and deferred rather than thrown.
   */
  private boolean ddl(Connection c, boolean deferOnCheck, String... statements)
      throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("SET LOCAL lock_timeout = '2s'");
      // Moves and drops here keep the rollup right in this same transaction.
      s.execute(sql.get("vouch_counted"));
      for (String statement : statements) {
        s.execute(statement);
      }
      c.commit();
      return true;
    } catch (SQLException e) {
      c.rollback();
      if ("55P03".equals(e.getSQLState()) || (deferOnCheck && "23514".equals(e.getSQLState()))) {
        log.warn(
            "history partition maintenance deferred ({}): {}", e.getSQLState(), e.getMessage());
        return false;
      }
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }
}
