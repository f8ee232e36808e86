package io.millrace.test;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.MillraceBuilder;
import io.millrace.base.Json;
import io.millrace.base.JsonCodec;
import io.millrace.base.ValidationException;
import io.millrace.jobs.EnqueueResult;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobHandler;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.schema.SchemaName;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assertions;

/**
 * One test class's Millrace: a fresh schema on the shared PostgreSQL, already migrated, and helpers
 * that keep handler tests short. {@link MillraceTest} injects it into constructors, test methods
 * and lifecycle methods:
 *
 * <pre>{@code
 * @MillraceTest
 * class SignupTest {
 *   @Test
 *   void signupEnqueuesTheWelcomeEmail(MillraceTestKit kit) throws Exception {
 *     kit.inRolledBackTransaction(connection -> {
 *       signups.register(connection, "ada@example.com"); // enqueues in the same transaction
 *       kit.assertEnqueued(connection, "email.welcome", Map.of("to", "ada@example.com"));
 *     });
 *   }
 * }
 * }</pre>
 *
 * <p>Everything runs Millrace's own code on a real PostgreSQL: {@link #runJob} enqueues the job and
 * lets a node built from the test's {@link MillraceBuilder} claim and run it, so args are bound by
 * that node's {@code JsonCodec} and its outcome (result, retry, {@code NonRetryableException},
 * snooze, cancel) is what the node writes.
 */
public final class MillraceTestKit implements AutoCloseable {
  /** How long {@link #runJob} and {@link #drain} wait unless told otherwise. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static final long POLL_MS = 10;

  private final HikariDataSource dataSource;
  private final SchemaName schema;
  private final Millrace client;
  private Duration scheduleOffset = Duration.ZERO;

  private MillraceTestKit(HikariDataSource dataSource, SchemaName schema) {
    this.dataSource = dataSource;
    this.schema = schema;
    this.client = builder().build();
  }

  /** A kit on a new schema of the shared server, migrated; named after {@code testClass}. */
  static MillraceTestKit create(Class<?> testClass) {
    String name = testClass.getSimpleName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    String suffix = "_" + SEQUENCE.incrementAndGet();
    name = "mt_" + name;
    if (name.length() + suffix.length() > 48) {
      name = name.substring(0, 48 - suffix.length());
    }
    HikariDataSource pool = TestServer.pool(10);
    try {
      MillraceTestKit kit = new MillraceTestKit(pool, SchemaName.of(name + suffix));
      kit.client.migrate();
      return kit;
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /** The connection pool on the test server (the schema is not on its search path). */
  public DataSource dataSource() {
    return dataSource;
  }

  /** The schema this test class's Millrace tables live in. */
  public String schema() {
    return schema.value();
  }

  /**
   * A node builder on this schema with test timings (3 s lease, 200 ms poll and maintenance, 5 s
   * shutdown). Add handlers, queues, a codec or retry policies as the application does; a new
   * builder on each call.
   */
  public MillraceBuilder builder() {
    return Millrace.builder(dataSource)
        .schema(schema.value())
        .lease(Duration.ofSeconds(3))
        .heartbeat(Duration.ofMillis(500))
        .pollInterval(Duration.ofMillis(200))
        .maintenanceInterval(Duration.ofMillis(200))
        .countsRefreshInterval(Duration.ofMillis(200))
        .shutdownTimeout(Duration.ofSeconds(5));
  }

  /**
   * A client node on this schema (no handlers, not started) for enqueue and administration; the kit
   * closes it.
   */
  public Millrace client() {
    return client;
  }

  // ---------------------------------------------------------------------------------------------
  // Running one job

  /**
   * Runs one attempt of {@code request}'s job exactly as a node does, and returns the job as it
   * then stands. The job is enqueued through a node built from {@code node} (its handlers, codec
   * and retry policies); the node is started, runs the attempt and is closed before this returns.
   *
   * <p>The handler's return value is the {@linkplain Job#result() result} ({@link
   * JobState#COMPLETED}); a thrown exception is an {@linkplain Job#errors() error} and the job is
   * {@link JobState#RETRYABLE} while attempts remain, {@link JobState#FAILED} when none do or the
   * kind's retry policy calls the exception non-retryable; a snooze leaves it {@link
   * JobState#SCHEDULED}, a cancel {@link JobState#CANCELLED}. The job runs on a queue of its own
   * (named {@code millrace_test_run_}<i>n</i>, which {@code JobContext.queue()} and the returned
   * job show) so that no other job of the schema runs with it.
   *
   * <pre>{@code
   * Job job = kit.runJob(
   *     kit.builder().handler("invoice.total", Invoice.class, job -> job.args().total()),
   *     JobRequest.of("invoice.total", new Invoice(List.of(12, 30))));
   * assertEquals(42, job.result().asInt());
   * }</pre>
   *
   * @throws ValidationException if the request is due later than now (a node would not run it yet),
   *     or if the node refuses it at enqueue (a kind it has no handler for)
   */
  public Job runJob(MillraceBuilder node, JobRequest request) {
    return runJob(node, request, DEFAULT_TIMEOUT);
  }

  /**
   * As {@link #runJob(MillraceBuilder, JobRequest)} for the shortest case: a node with this one
   * handler (and the default codec and retry policy) runs a job of {@code kind} with {@code args}
   * on the default queue.
   */
  public <A> Job runJob(String kind, Class<A> argsType, JobHandler<A> handler, Object args) {
    return runJob(builder().handler(kind, argsType, handler), JobRequest.of(kind, args));
  }

  /**
   * As {@link #runJob(MillraceBuilder, JobRequest)}, failing the test if the attempt has not ended
   * within {@code timeout}. Adds the job's own queue, with one handler thread, to {@code node}.
   */
  public Job runJob(MillraceBuilder node, JobRequest request, Duration timeout) {
    Instant runAt = request.runAt();
    if (runAt != null && runAt.isAfter(Instant.now())) {
      throw new ValidationException(
          "runAt", "runJob runs a job now; this request is due at " + runAt);
    }
    String queue = "millrace_test_run_" + SEQUENCE.incrementAndGet();
    node.queue(queue, 1);
    try (Millrace millrace = node.build()) {
      String requested = request.queue();
      EnqueueResult enqueued;
      try {
        enqueued = millrace.enqueue(request.queue(queue));
      } finally {
        request.queue(requested);
      }
      if (enqueued.duplicate()) {
        throw new ValidationException(
            "uniqueKey",
            "job "
                + enqueued.id()
                + " already holds this unique key; runJob runs a new job, so give it another key");
      }
      long id = enqueued.id();
      millrace.start();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        Optional<Job> job = millrace.admin().get(id);
        if (job.isEmpty()) {
          return Assertions.fail("job " + id + " disappeared while it ran");
        }
        Job seen = job.get();
        if (seen.attempt() >= 1
            && seen.state() != JobState.RUNNING
            && seen.state() != JobState.AVAILABLE) {
          return seen;
        }
        if (System.nanoTime() - deadline > 0) {
          return Assertions.fail(
              "job "
                  + id
                  + " ("
                  + request.kind()
                  + ") did not finish an attempt within "
                  + timeout
                  + "; it is "
                  + seen.state().dbValue());
        }
        pause();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Enqueued jobs

  /**
   * Asserts that an unfinished job of {@code kind} exists (committed); returns every such job,
   * oldest first.
   */
  public List<EnqueuedJob> assertEnqueued(String kind) {
    return withConnection(c -> assertEnqueued(c, kind, null));
  }

  /**
   * Asserts that an unfinished job of {@code kind} whose args contain {@code args} exists
   * (committed): {@code args} is written by the client's codec and matched as PostgreSQL's jsonb
   * containment ({@code @>}), so a map or record naming some fields matches jobs that have those
   * fields with those values, whatever else they hold. Returns the matching jobs, oldest first.
   */
  public List<EnqueuedJob> assertEnqueued(String kind, Object args) {
    return withConnection(c -> assertEnqueued(c, kind, args));
  }

  /**
   * As {@link #assertEnqueued(String, Object)}, read through {@code connection}: inside the test's
   * open transaction it sees that transaction's own uncommitted jobs. {@code args} may be null to
   * match any args.
   */
  public List<EnqueuedJob> assertEnqueued(Connection connection, String kind, @Nullable Object args)
      throws SQLException {
    List<EnqueuedJob> found = enqueued(connection, kind, args);
    if (found.isEmpty()) {
      List<EnqueuedJob> ofKind = args == null ? List.of() : enqueued(connection, kind, null);
      Assertions.fail(
          "expected an enqueued job of kind '"
              + kind
              + "'"
              + (args == null ? "" : " with args containing " + argsJson(args))
              + ", but found "
              + (ofKind.isEmpty()
                  ? "none"
                  : ofKind.size()
                      + " with other args: "
                      + ofKind.stream().map(EnqueuedJob::args).toList()));
    }
    return found;
  }

  /** Asserts that no unfinished job of {@code kind} exists (committed). */
  public void assertNotEnqueued(String kind) {
    withConnection(
        c -> {
          assertNotEnqueued(c, kind, null);
          return kind;
        });
  }

  /**
   * Asserts, through {@code connection}, that no unfinished job of {@code kind} with args
   * containing {@code args} (null: any args) exists.
   */
  public void assertNotEnqueued(Connection connection, String kind, @Nullable Object args)
      throws SQLException {
    List<EnqueuedJob> found = enqueued(connection, kind, args);
    if (!found.isEmpty()) {
      Assertions.fail(
          "expected no enqueued job of kind '"
              + kind
              + "'"
              + (args == null ? "" : " with args containing " + argsJson(args))
              + ", but found "
              + found.size()
              + ": "
              + found.stream().map(j -> j.id() + " " + j.args()).toList());
    }
  }

  /**
   * The unfinished jobs of {@code kind} whose args contain {@code args} (null: any), read through
   * {@code connection}, oldest first.
   */
  public List<EnqueuedJob> enqueued(Connection connection, String kind, @Nullable Object args)
      throws SQLException {
    String sql =
        "SELECT id, queue, kind, state, args::text, priority, max_attempts, tags, unique_key,"
            + " run_at FROM "
            + schema.quoted()
            + ".jobs WHERE kind = ?"
            + (args == null ? "" : " AND args @> ?::jsonb")
            + " ORDER BY id";
    List<EnqueuedJob> jobs = new ArrayList<>();
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      ps.setString(1, kind);
      if (args != null) {
        ps.setString(2, argsJson(args));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Array tags = rs.getArray(8);
          jobs.add(
              new EnqueuedJob(
                  rs.getLong(1),
                  rs.getString(2),
                  rs.getString(3),
                  JobState.fromDb(rs.getString(4)),
                  Json.parse(rs.getString(5)),
                  rs.getInt(6),
                  rs.getInt(7),
                  tags == null ? List.of() : List.copyOf(Arrays.asList((String[]) tags.getArray())),
                  rs.getString(9),
                  rs.getObject(10, OffsetDateTime.class).toInstant()));
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException("stored args are not JSON", e);
      }
    }
    return jobs;
  }

  private String argsJson(Object args) {
    JsonCodec codec = client.jsonCodec();
    return Json.write(Json.encode(codec, "args", args));
  }

  /** Work on a connection inside a transaction. */
  @FunctionalInterface
  public interface TransactionWork {
    void run(Connection connection) throws Exception;
  }

  /**
   * Runs {@code work} in a transaction on one connection and rolls it back, whatever happens: what
   * the work enqueued is visible through its connection while it runs and to nobody afterwards.
   */
  public void inRolledBackTransaction(TransactionWork work) throws Exception {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        work.run(c);
      } finally {
        c.rollback();
        c.setAutoCommit(true);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Draining

  /**
   * Waits until {@code queues} (every queue when none is named) are idle: no job is running and
   * none is due. Jobs due later (delayed, snoozed, waiting for a retry's backoff) are not waited
   * for. A started node must be working the queues; this only watches the database. Fails the test,
   * naming what was left, after {@link #DEFAULT_TIMEOUT}.
   */
  public void drain(String... queues) {
    drain(DEFAULT_TIMEOUT, queues);
  }

  /** As {@link #drain(String...)}, failing after {@code timeout}. */
  public void drain(Duration timeout, String... queues) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<String> left = busy(queues);
      if (left.isEmpty()) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        Assertions.fail(
            "queues "
                + (queues.length == 0 ? "(all)" : Arrays.toString(queues))
                + " were not idle within "
                + timeout
                + "; left: "
                + left);
      }
      pause();
    }
  }

  /** What keeps the queues busy: "queue/kind state xN" rows, empty when idle. */
  private List<String> busy(String[] queues) {
    String sql =
        "SELECT queue, kind, state, count(*) FROM "
            + schema.quoted()
            + ".jobs WHERE (cardinality(?::text[]) = 0 OR queue = ANY(?::text[]))"
            + " AND (state = 'running'"
            + " OR (state IN ('available', 'scheduled', 'retryable') AND run_at <= now()))"
            + " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
    return withConnection(
        c -> {
          List<String> rows = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            Array names = c.createArrayOf("text", queues);
            ps.setArray(1, names);
            ps.setArray(2, names);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                rows.add(
                    rs.getString(1)
                        + "/"
                        + rs.getString(2)
                        + " "
                        + rs.getString(3)
                        + " x"
                        + rs.getLong(4));
              }
            }
          }
          return rows;
        });
  }

  // ---------------------------------------------------------------------------------------------
  // Periodic jobs

  /**
   * Moves this kit's schedule clock forward by {@code by} and fires every periodic-job tick due by
   * it, without waiting: the clock starts at the database's now and each call adds to it, so {@code
   * advanceSchedules(ofHours(1))} twice reaches two hours ahead. Ticks fire through Millrace's own
   * firing (its misfire policy included: ticks more than the misfire threshold behind the clock are
   * missed ticks) and exactly once each, whoever fires them. The schedules must be registered: a
   * node with them has been started. Returns the number of jobs enqueued; {@link #drain} runs them
   * on a started node.
   *
   * <pre>{@code
   * try (Millrace node = kit.builder()
   *     .periodic(PeriodicJob.of("digest", Schedule.every(Duration.ofHours(1)),
   *         JobRequest.of("digest.send", Map.of())))
   *     .handler("digest.send", Map.class, job -> null)
   *     .build()) {
   *   node.start();
   *   assertEquals(1, kit.advanceSchedules(Duration.ofHours(1)));
   *   kit.drain();
   * }
   * }</pre>
   */
  public synchronized int advanceSchedules(Duration by) {
    if (by == null || by.isNegative()) {
      throw new ValidationException("by", "must be zero or positive");
    }
    scheduleOffset = scheduleOffset.plus(by);
    return fireSchedules(databaseNow().plus(scheduleOffset));
  }

  /**
   * Fires every periodic-job tick due as of {@code asOf}, exactly once each (see {@link
   * Millrace#firePeriodicJobs}); returns the number of jobs enqueued.
   */
  public int fireSchedules(Instant asOf) {
    return client.firePeriodicJobs(asOf);
  }

  private Instant databaseNow() {
    return withConnection(
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT now()")) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
          }
        });
  }

  // ---------------------------------------------------------------------------------------------

  private interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T withConnection(SqlWork<T> work) {
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw new IllegalStateException("the test database failed: " + e.getMessage(), e);
    }
  }

  private static void pause() {
    try {
      Thread.sleep(POLL_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for jobs", e);
    }
  }

  /** Closes the client, drops the schema and closes the pool (the extension does it per class). */
  @Override
  public void close() {
    try {
      client.close();
      try (Connection c = dataSource.getConnection();
          Statement s = c.createStatement()) {
        // A node the test left running may hold locks: waiting for them forever is worse than
        // leaving the schema behind.
        s.execute("SET lock_timeout = '5s'");
        s.execute("DROP SCHEMA IF EXISTS " + schema.quoted() + " CASCADE");
      } catch (SQLException e) {
        // the schema stays behind; the next run's schemas have other names
      }
    } finally {
      dataSource.close();
    }
  }
}
