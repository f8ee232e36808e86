package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.Millrace;
import io.millrace.schema.SchemaName;
import io.millrace.testing.Await;
import io.millrace.testing.ForwardingDataSource;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The leader's vacuum of the hot table against a real PostgreSQL: a pass starts once enough dead
 * rows pile up and removes them; a pass killed mid-way (its backend terminated) is counted, retried
 * and finishes the job, while every job still runs exactly once and the counts stay exact; a role
 * that does not own the table never tries; and a node has the task unless it is turned off.
 *
 * <p>Each test drives {@link HotTableVacuum#tick} itself, as the leader's maintenance loop would,
 * with autovacuum off for its schema's jobs table so nothing else removes the rows it counts.
 */
class HotTableVacuumTest {
  private static final long MIN_DEAD = 400;

  @Test
  void aPassStartsOnceEnoughDeadRowsPileUpAndRemovesThem() throws Exception {
    try (TestDatabase db = TestDatabase.create("vacuum_pass")) {
      Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
      try (Millrace node = worker(db, runs)) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        HotTableVacuum vacuum = vacuum(db.dataSource(), db, meters);
        try {
          // Below the threshold (nothing has run yet): no pass.
          assertThat(vacuum.tick()).isFalse();
          runJobs(node, runs, 400); // two dead rows each: the claim's update, the finish's delete
          // Statistics reach PostgreSQL's counters within seconds of each transaction.
          awaitPass(vacuum);
          Await.until("the pass ended", Duration.ofSeconds(30), () -> !vacuum.passing());
          assertThat(vacuumCount(db)).isEqualTo(1);
          assertThat(meters.get("millrace.jobs.vacuum").timer().count()).isEqualTo(1);
          // Right after a pass, with few new dead rows: none.
          assertThat(vacuum.tick()).isFalse();
        } finally {
          vacuum.stop();
        }
        assertExactlyOnce(db, node, runs, 400);
      }
    }
  }

  @Test
  void aPassKilledMidwayIsRetriedAndNoJobIsLostOrRunTwice() throws Exception {
    try (TestDatabase db = TestDatabase.create("vacuum_kill")) {
      Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
      Slowed slowed = new Slowed(db.dataSource());
      try (Millrace node = worker(db, runs)) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        HotTableVacuum vacuum = vacuum(slowed, db, meters);
        try {
          runJobs(node, runs, 600);
          Await.until("dead rows counted", Duration.ofSeconds(30), () -> dead(db) >= MIN_DEAD);
          // A crawling pass (cost-based delay on its session), killed while it works.
          slowed.crawl = true;
          awaitPass(vacuum);
          Await.until("the pass is vacuuming", Duration.ofSeconds(30), () -> vacuumPid(db) != 0);
          // Jobs keep running while it does.
          List<Long> during = enqueue(node, 300);
          db.execute("SELECT pg_terminate_backend(" + vacuumPid(db) + ")");
          Await.until("the killed pass ended", Duration.ofSeconds(30), () -> !vacuum.passing());
          assertThat(meters.get("millrace.maintenance.errors").counter().count()).isEqualTo(1);
          assertThat(vacuumCount(db)).isZero();
          slowed.crawl = false;
          awaitRun(runs, during);
          // The retry: due again after the retry interval, and this pass removes the dead rows.
          Await.until("dead rows counted", Duration.ofSeconds(30), () -> dead(db) >= MIN_DEAD);
          awaitPass(vacuum);
          Await.until("the retry ended", Duration.ofSeconds(30), () -> !vacuum.passing());
          assertThat(meters.get("millrace.jobs.vacuum").timer().count()).isEqualTo(1);
          assertThat(vacuumCount(db)).isEqualTo(1);
        } finally {
          vacuum.stop();
        }
        assertExactlyOnce(db, node, runs, 900);
      }
    }
  }

  @Test
  void aRoleThatDoesNotOwnTheTableNeverTries() throws Exception {
    try (TestDatabase db = TestDatabase.create("vacuum_role")) {
      Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
      String role = db.schema() + "_reader";
      db.execute("CREATE ROLE " + role + " NOLOGIN");
      try (Millrace node = worker(db, runs)) {
        runJobs(node, runs, 400);
        Await.until("dead rows counted", Duration.ofSeconds(30), () -> dead(db) >= MIN_DEAD);
        try (var pool = TestDatabase.pool(TestDatabase.jdbcUrl(), 2)) {
          DataSource asReader = new AsRole(pool, role);
          SimpleMeterRegistry meters = new SimpleMeterRegistry();
          HotTableVacuum vacuum = vacuum(asReader, db, meters);
          try {
            assertThat(vacuum.tick()).isFalse();
            assertThat(vacuum.tick()).isFalse();
            assertThat(meters.get("millrace.jobs.vacuum").timer().count()).isZero();
          } finally {
            vacuum.stop();
          }
        }
        assertThat(dead(db)).isGreaterThanOrEqualTo(MIN_DEAD);
      } finally {
        db.execute("DROP ROLE " + role);
      }
    }
  }

  @Test
  void aNodeHasTheTaskUnlessItIsTurnedOff() {
    try (TestDatabase db = TestDatabase.create("vacuum_setting")) {
      try (Millrace on = db.builder().build();
          Millrace off = db.builder().vacuumHotTable(false).build()) {
        assertThat(on.meters().find("millrace.jobs.vacuum").timer()).isNotNull();
        assertThat(off.meters().find("millrace.jobs.vacuum").timer()).isNull();
        // The vacuum thread borrows one pooled connection while it runs, on any node (any may
        // lead).
        assertThat(on.connectionBudget().pooled()).isEqualTo(off.connectionBudget().pooled() + 1);
      }
    }
  }

  /** A vacuum with a small threshold and a short retry, as the leader would run it. */
  private static HotTableVacuum vacuum(
      DataSource dataSource, TestDatabase db, SimpleMeterRegistry meters) {
    return new HotTableVacuum(
        dataSource,
        SchemaName.of(db.schema()),
        new VacuumPolicy(MIN_DEAD, Duration.ofMillis(200)),
        meters);
  }

  /** Ticks as the leader's loop would until a pass starts. */
  private static void awaitPass(HotTableVacuum vacuum) {
    Await.until(
        "a pass started",
        Duration.ofSeconds(30),
        () -> {
          try {
            return vacuum.tick();
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private static Millrace worker(TestDatabase db, Map<Long, AtomicInteger> runs) {
    Millrace node =
        db.builder()
            .vacuumHotTable(false) // the tests drive their own
            .queue("default", 8)
            .handler(
                "count",
                Map.class,
                job -> {
                  runs.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet();
                  return null;
                })
            .build();
    node.migrate();
    db.execute("ALTER TABLE {schema}.jobs SET (autovacuum_enabled = false)");
    node.start();
    return node;
  }

  private static List<Long> enqueue(Millrace node, int n) {
    List<JobRequest> requests = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      requests.add(JobRequest.of("count", Map.of("i", i)));
    }
    return node.enqueueAll(requests).stream().map(EnqueueResult::id).toList();
  }

  private static void runJobs(Millrace node, Map<Long, AtomicInteger> runs, int n) {
    awaitRun(runs, enqueue(node, n));
  }

  private static void awaitRun(Map<Long, AtomicInteger> runs, List<Long> ids) {
    Await.until(
        ids.size() + " jobs run", Duration.ofSeconds(60), () -> runs.keySet().containsAll(ids));
  }

  private static void assertExactlyOnce(
      TestDatabase db, Millrace node, Map<Long, AtomicInteger> runs, int n) {
    Await.until(
        "every job finished",
        Duration.ofSeconds(60),
        () -> db.count("FROM {schema}.job_history WHERE state = 'completed'") == n);
    assertThat(runs).hasSize(n);
    assertThat(runs.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(1));
    assertThat(db.count("FROM {schema}.jobs")).isZero();
    assertThat(node.counts().verify(false)).isEmpty();
  }

  private static long dead(TestDatabase db) {
    return Long.parseLong(
        db.column("SELECT pg_stat_get_dead_tuples('{schema}.jobs'::regclass)").get(0));
  }

  /** VACUUMs of the table that ran to the end (autovacuum is off for it). */
  private static long vacuumCount(TestDatabase db) {
    return Long.parseLong(
        db.column("SELECT pg_stat_get_vacuum_count('{schema}.jobs'::regclass)").get(0));
  }

  private static long vacuumPid(TestDatabase db) {
    List<String> pids =
        db.column(
            "SELECT pid FROM pg_stat_progress_vacuum WHERE relid = '{schema}.jobs'::regclass");
    return pids.isEmpty() ? 0 : Long.parseLong(pids.get(0));
  }

  /**
   * Sessions whose VACUUM crawls while {@link #crawl} is set: the cost-based delay sleeps after
   * every page, so a pass over a few hundred pages takes many seconds.
   */
  private static final class Slowed extends ForwardingDataSource {
    volatile boolean crawl;

    Slowed(DataSource delegate) {
      super(delegate);
    }

    @Override
    public Connection getConnection() throws SQLException {
      Connection c = super.getConnection();
      try (Statement s = c.createStatement()) {
        s.execute(
            crawl
                ? "SET vacuum_cost_delay = 100; SET vacuum_cost_limit = 1"
                : "RESET vacuum_cost_delay; RESET vacuum_cost_limit");
      }
      return c;
    }
  }

  /** Sessions that act as a role that owns nothing of Millrace's. */
  private static final class AsRole extends ForwardingDataSource {
    private final String role;

    AsRole(DataSource delegate, String role) {
      super(delegate);
      this.role = role;
    }

    @Override
    public Connection getConnection() throws SQLException {
      Connection c = super.getConnection();
      try (Statement s = c.createStatement()) {
        s.execute("SET ROLE " + role);
      }
      return c;
    }
  }
}
