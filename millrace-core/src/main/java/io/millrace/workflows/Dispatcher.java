package io.millrace.workflows;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.internal.sql.SqlFile;
import io.millrace.internal.sql.Transactions;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * Advances a workflow by one hop per completion event, each hop one short transaction:
 *
 * <ol>
 *   <li>claim the event: {@code UPDATE … SET dispatched_at = now() WHERE id = ? AND dispatched_at
 *       IS NULL RETURNING …}; no row means another dispatcher has it, and the hop is a no-op;
 *   <li>add the finished member's outcome to each child's counters, release the children whose join
 *       is met ({@code pending} to {@code available}, with a NOTIFY for their queues) and skip
 *       those whose join can no longer be met, inserting each skipped child's own completion event
 *       (see {@code advance} in workflows.sql).
 * </ol>
 *
 * <p>Because the claim commits with the advancement, a crash anywhere in the hop rolls both back
 * and the event stays undispatched for another dispatcher or the {@link Reconciler}; an event is
 * never applied twice, so counters never double-count and no child is released twice. Two
 * dispatchers racing on one event serialise on its row: the second waits for the first, then its
 * claim matches nothing.
 *
 * <p>A hop commits without waiting for its WAL flush ({@code synchronous_commit = off} for that
 * transaction only). A crash can lose only the last such commits, each whole (claim and advancement
 * together), leaving their events undispatched for the reconciler. WAL is written and replayed in
 * order, so a crash loses a suffix of commits, never a hop while keeping something that depended on
 * it (a later hop over its skip event included); and a worker's claim of a released child commits
 * synchronously, which flushes the hop first, so no handler runs on a lost release. Measured: 31 →
 * 104 ten-node workflows per second (see WorkflowBenchmark).
 *
 * <p>A hop that loses to a serialization failure, a deadlock or a lock timeout is retried from the
 * start (a fresh transaction) with bounded, jittered backoff; anything else, or too many losses, is
 * thrown to the caller, with the event still undispatched.
 */
final class Dispatcher {
  /** What one dispatch did. {@code newEvents} are the skipped children's completion events. */
  record Hop(long eventId, boolean advanced, int released, List<Long> newEvents) {}

  /** Thrown by the test-only fault point: dispatch stopped as if the process had died. */
  static final class Halted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Halted() {
      super("workflow dispatch halted by the fault point");
    }
  }

  static final int MAX_TRIES = 8;
  private static final Set<String> RETRYABLE = Set.of("40001", "40P01", "55P03");

  private final DataSource dataSource;
  private final SchemaName schema;
  private final SqlFile sql;
  // Test-only fault point: after this many more committed hops, every dispatch throws Halted.
  private final AtomicInteger hopsBeforeHalt = new AtomicInteger(-1);
  private volatile boolean halted;
  private final Counter advancedHops;
  private final Counter noopHops;
  private final Counter retries;

  Dispatcher(DataSource dataSource, SchemaName schema, SqlFile sql, MeterRegistry meters) {
    this.dataSource = dataSource;
    this.schema = schema;
    this.sql = sql;
    this.advancedHops =
        Counter.builder("millrace.workflows.hops")
            .tag("result", "advanced")
            .description("Workflow hops that claimed their event and advanced its workflow")
            .register(meters);
    this.noopHops =
        Counter.builder("millrace.workflows.hops")
            .tag("result", "noop")
            .description("Workflow hops whose event another dispatcher had already claimed")
            .register(meters);
    this.retries =
        Counter.builder("millrace.workflows.hop.retries")
            .description(
                "Workflow hops retried after a serialization failure, deadlock or lock timeout")
            .register(meters);
  }

  /**
   * Test-only: stop dispatching (throw {@link Halted}) once {@code hops} more hops have committed.
   */
  void haltAfter(int hops) {
    halted = hops == 0;
    hopsBeforeHalt.set(hops);
  }

  /** One hop for one event, retried on transient conflicts. */
  Hop dispatch(long eventId) throws SQLException {
    for (int attempt = 1; ; attempt++) {
      if (halted) {
        throw new Halted();
      }
      try {
        Hop hop = Transactions.inTransaction(dataSource, c -> hop(c, eventId));
        (hop.advanced() ? advancedHops : noopHops).increment();
        if (hop.advanced() && hopsBeforeHalt.get() > 0 && hopsBeforeHalt.decrementAndGet() == 0) {
          halted = true;
        }
        return hop;
      } catch (SQLException e) {
        if (!RETRYABLE.contains(e.getSQLState()) || attempt >= MAX_TRIES) {
          throw e;
        }
        retries.increment();
        pause(attempt);
      }
    }
  }

  /**
   * Dispatches {@code eventId} and then, hop by hop, the skip events it produced, in this thread.
   * Returns how many hops advanced.
   */
  int cascade(long eventId) throws SQLException {
    Deque<Long> todo = new ArrayDeque<>(List.of(eventId));
    int advanced = 0;
    while (!todo.isEmpty()) {
      Hop hop = dispatch(todo.poll());
      if (hop.advanced()) {
        advanced++;
        todo.addAll(hop.newEvents());
      }
    }
    return advanced;
  }

  private Hop hop(Connection c, long eventId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("hop_commit_async"))) {
      ps.execute();
    }
    String state;
    long jobId;
    try (PreparedStatement ps = c.prepareStatement(sql.get("claim_event"))) {
      ps.setLong(1, eventId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return new Hop(eventId, false, 0, List.of());
        }
        jobId = rs.getLong(2);
        state = rs.getString(3);
      }
    }
    boolean ok = "completed".equals(state);
    int released = 0;
    List<Long> newEvents = new ArrayList<>();
    Set<String> queues = new TreeSet<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("advance"))) {
      ps.setString(1, state);
      ps.setLong(2, jobId);
      ps.setLong(3, jobId);
      ps.setInt(4, ok ? 1 : 0);
      ps.setInt(5, ok ? 0 : 1);
      ps.setBoolean(6, ok);
      ps.setBoolean(7, !ok);
      ps.setString(
          8, "skipped: parent " + jobId + " " + state + " and the join can no longer be met");
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if ("released".equals(rs.getString(1))) {
            released++;
            queues.add(rs.getString(3));
          } else {
            newEvents.add(rs.getLong(2));
          }
        }
      }
    }
    // Released children were updated, not inserted, so the jobs table's insert trigger did not
    // wake the workers; delivered at commit, like every NOTIFY.
    for (String queue : queues) {
      try (PreparedStatement ps = c.prepareStatement(sql.get("notify"))) {
        ps.setString(1, schema.jobsChannel());
        ps.setString(2, queue);
        ps.executeQuery().close();
      }
    }
    return new Hop(eventId, true, released, List.copyOf(newEvents));
  }

  private static void pause(int attempt) {
    long capMs = Math.min(500, 5L << Math.min(attempt, 10));
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(capMs / 2, capMs + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while retrying a workflow hop", e);
    }
  }
}
