package io.millrace.jobs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader task: keeps the dead rows of the hot table few. Every job leaves two dead rows there (the
 * claim's update, the finish's delete), and autovacuum's launcher visits a database once per {@code
 * autovacuum_naptime} (a minute by default): at 5,000 jobs/s it finds up to 600,000, which claims,
 * counts of unfinished jobs and every index of the table walk until then; after a transaction held
 * open for a minute it finds millions, and the queue's latency stays up until it comes.
 *
 * <p>Each maintenance tick reads the table's dead and live rows from PostgreSQL's statistics (no
 * scan); when {@link VacuumPolicy} says a pass is due, the {@code VACUUM} runs on a thread of its
 * own, so the tick (rescue, periodic jobs) never waits for it. When the role does not own the table
 * this says so once and does nothing: autovacuum alone keeps it then.
 *
 * <p>Termination and idempotence: {@code VACUUM} is idempotent, so a pass cut short (its backend
 * killed, the node stopping) keeps what it removed and the next due pass does the rest. One pass
 * per node at a time; {@code SKIP_LOCKED} makes a pass that meets autovacuum, or a second leader's
 * pass for a moment, return at once.
 */
final class HotTableVacuum {
  private static final Logger log = LoggerFactory.getLogger(HotTableVacuum.class);
  static final String TASK = "hot-table-vacuum";

  /** The statistics one tick reads; {@code mayVacuum}: this role owns the table. */
  record Reading(long dead, long live, boolean mayVacuum) {}

  private final DataSource dataSource;
  private final SchemaName schema;
  private final SqlFile sql;
  private final VacuumPolicy policy;
  private final Timer passes;
  private final Counter failures;
  private final ExecutorService runner;
  private final AtomicBoolean passing = new AtomicBoolean();
  private volatile @Nullable Statement current;
  private boolean refusalLogged;

  HotTableVacuum(
      DataSource dataSource, SchemaName schema, VacuumPolicy policy, MeterRegistry meters) {
    this.dataSource = dataSource;
    this.schema = schema;
    this.sql = SqlFile.load(HotTableVacuum.class, "maintenance.sql", schema);
    this.policy = policy;
    this.passes =
        Timer.builder("millrace.jobs.vacuum")
            .description("the leader's VACUUM passes over the hot table, and how long each took")
            .register(meters);
    this.failures =
        Counter.builder("millrace.maintenance.errors").tag("task", TASK).register(meters);
    this.runner =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "millrace-vacuum");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * One maintenance tick on the leader: starts a pass on the vacuum thread when one is due and none
   * is running. Returns whether it started one.
   */
  boolean tick() throws SQLException {
    Reading now;
    try (Connection c = dataSource.getConnection()) {
      now = read(c);
    }
    if (!now.mayVacuum()) {
      if (!refusalLogged) {
        refusalLogged = true;
        log.info(
            "not vacuuming {}.jobs: this role does not own it (autovacuum alone keeps it; see"
                + " the hot table in docs/operations.md)",
            schema.value());
      }
      return false;
    }
    refusalLogged = false;
    if (passing.get()
        || !policy.due(now.dead(), now.live(), System.nanoTime())
        || !passing.compareAndSet(false, true)) {
      return false;
    }
    try {
      runner.execute(() -> pass(now.dead()));
      return true;
    } catch (RejectedExecutionException stopped) {
      passing.set(false);
      return false;
    }
  }

  /** Whether a pass is running now. */
  boolean passing() {
    return passing.get();
  }

  /** Stops the vacuum thread; a running pass is cancelled (what it removed stays removed). */
  void stop() {
    runner.shutdownNow();
    Statement s = current;
    if (s != null) {
      try {
        s.cancel();
      } catch (SQLException e) {
        log.debug("could not cancel the running vacuum: {}", e.getMessage());
      }
    }
    try {
      runner.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void pass(long deadBefore) {
    long start = System.nanoTime();
    long deadAfter = deadBefore;
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        current = s;
        s.execute(sql.get("hot_table_vacuum"));
      } finally {
        current = null;
        c.setAutoCommit(autoCommit);
      }
      deadAfter = read(c).dead();
      passes.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    } catch (SQLException | RuntimeException e) {
      failures.increment();
      log.warn("vacuuming {}.jobs failed (retried later): {}", schema.value(), e.getMessage());
    } finally {
      policy.passed(deadBefore, deadAfter, start, System.nanoTime());
      passing.set(false);
    }
  }

  private Reading read(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("hot_table_stats"))) {
      ps.setString(1, schema.value());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException(schema.value() + ".jobs does not exist (not migrated yet?)");
        }
        return new Reading(rs.getLong(1), rs.getLong(2), rs.getBoolean(3));
      }
    }
  }
}
