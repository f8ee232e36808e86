package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.counts.Accuracy;
import io.millrace.counts.Counts;
import io.millrace.counts.CountsReport;
import io.millrace.counts.QueueCounts;
import io.millrace.schema.SchemaName;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random interleavings of every transition, by several workers, against one schema: after each
 * step, the exact counts equal a scan of the tables, and whenever a read says it came from the
 * counters (trusted) the counters equal history plus rollup. Workflow members take part (pending
 * until a DISPATCH step advances their workflow, then released or skipped), and so do changes
 * behind Millrace's back: hand deletes, truncates, re-labelling updates and inserts on any table of
 * the history tree (day partitions included), a deleted control row, verify and rebuild.
 */
class CountsProperties {
  enum Op {
    ENQUEUE,
    ENQUEUE_LATER,
    CLAIM,
    COMPLETE,
    FAIL,
    RETRY_LATER,
    SNOOZE,
    CANCEL,
    RESCUE,
    PRUNE,
    RETRY_FINISHED,
    WORKFLOW,
    DISPATCH,
    HAND_DELETE,
    HAND_TRUNCATE,
    HAND_UPDATE,
    HAND_INSERT,
    DELETE_CONTROL,
    VERIFY,
    REBUILD
  }

  record Step(Op op, int x, int y) {}

  private static final List<String> QUEUES = List.of("alpha", "beta", "gamma");
  private static final List<String> WORKERS = List.of("w1", "w2", "w3");

  static TestDatabase db;
  static Millrace client;
  static JobStore store;
  static Rescuer rescuer;
  static HistoryRetention retention;
  static Counts counts;
  static io.millrace.workflows.Workflows workflows;

  @BeforeContainer
  static void start() {
    db = TestDatabase.create("countsprop");
    client = db.migratedClient();
    SchemaName schema = SchemaName.of(db.schema());
    store = new JobStore(db.dataSource(), schema);
    rescuer = new Rescuer(db.dataSource(), schema);
    retention =
        new HistoryRetention(
            db.dataSource(),
            schema,
            Map.of(
                JobState.COMPLETED,
                Duration.ZERO,
                JobState.FAILED,
                Duration.ofDays(1),
                JobState.CANCELLED,
                Duration.ZERO));
    counts = client.counts();
    // Dispatches every undispatched workflow event on each DISPATCH step (releases and skips).
    workflows =
        io.millrace.workflows.WorkflowsTestAccess.create(
            db.dataSource(),
            schema,
            1 << 20,
            kind -> true,
            io.millrace.workflows.WorkflowOptions.DEFAULT.staleAfter(Duration.ZERO));
  }

  @AfterContainer
  static void stop() {
    client.close();
    db.close();
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    return Combinators.combine(
            Arbitraries.of(Op.class),
            Arbitraries.integers().between(0, 99),
            Arbitraries.integers().between(0, 99))
        .as(Step::new)
        .list()
        .ofMinSize(5)
        .ofMaxSize(40);
  }

  @Property(tries = 40)
  void exactCountsAlwaysEqualAScan(@ForAll("steps") List<Step> steps) throws Exception {
    List<ClaimedJob> held = new ArrayList<>();
    for (Step step : steps) {
      apply(step, held);
      Map<String, QueueCounts> truth = scan();
      assertThat(fromCounts()).as("after %s", step).isEqualTo(truth);
      CountsReport fast = counts.fast(List.of());
      if (fast.accuracy().equals(Accuracy.EXACT)) {
        assertThat(byQueue(fast)).as("fast read claiming exact, after %s", step).isEqualTo(truth);
        assertThat(counts.verify(false)).as("trusted counters, after %s", step).isEmpty();
      }
    }
    // Leave the shared schema trusted for the next try.
    counts.rebuild();
  }

  private void apply(Step s, List<ClaimedJob> held) throws Exception {
    String queue = QUEUES.get(s.x() % QUEUES.size());
    switch (s.op()) {
      case ENQUEUE -> {
        List<JobRequest> batch = new ArrayList<>();
        for (int i = 0; i <= s.y() % 5; i++) {
          batch.add(JobRequest.of("k", Map.of()).queue(queue).maxAttempts(1 + s.y() % 3));
        }
        client.enqueueAll(batch);
      }
      case ENQUEUE_LATER ->
          client.enqueue(JobRequest.of("k", Map.of()).queue(queue).delay(Duration.ofHours(1)));
      case CLAIM ->
          held.addAll(
              store.claim(
                  queue,
                  1 + s.y() % 4,
                  WORKERS.get(s.y() % WORKERS.size()),
                  Duration.ofMinutes(5)));
      case COMPLETE ->
          take(held, s)
              .ifPresent(
                  j ->
                      sql(
                          () ->
                              store.complete(
                                  List.of(new JobStore.Completion(j.id(), j.attempt(), null)))));
      case FAIL ->
          take(held, s)
              .ifPresent(
                  j ->
                      sql(
                          () ->
                              store.finishWithError(
                                  j.id(), j.attempt(), JobState.FAILED, "{\"message\":\"x\"}")));
      case RETRY_LATER ->
          take(held, s)
              .ifPresent(
                  j ->
                      sql(
                          () ->
                              store.retryLater(
                                  j.id(), j.attempt(), Duration.ZERO, "{\"message\":\"x\"}")));
      case SNOOZE ->
          take(held, s).ifPresent(j -> sql(() -> store.snooze(j.id(), j.attempt(), Duration.ZERO)));
      case CANCEL -> anyJob("{schema}.jobs", s).ifPresent(id -> client.admin().cancel(id));
      case RESCUE -> {
        db.execute(
            "UPDATE {schema}.jobs SET lease_expires_at = now() - interval '1 second'"
                + " WHERE state = 'running' AND id % 3 = "
                + (s.y() % 3));
        rescuer.rescue();
      }
      case PRUNE -> {
        retention.ensurePartitions(Instant.now());
        retention.enforce(Instant.now().plus(Duration.ofDays(s.y() % 2 == 0 ? 0 : 2)));
      }
      case RETRY_FINISHED ->
          anyJob("{schema}.job_history", s).ifPresent(id -> client.admin().retry(id));
      case WORKFLOW ->
          client
              .workflows()
              .submit(
                  io.millrace.workflows.WorkflowRequest.named("w")
                      .step("a", JobRequest.of("k", Map.of()).queue(queue).maxAttempts(1))
                      .step("b", JobRequest.of("k", Map.of()).queue(queue).maxAttempts(1))
                      .step(
                          "c",
                          JobRequest.of("k", Map.of()).queue(queue),
                          s.y() % 2 == 0
                              ? io.millrace.workflows.JoinPolicy.allOf()
                              : io.millrace.workflows.JoinPolicy.anyOf(),
                          "a",
                          "b")
                      .step(
                          "d",
                          JobRequest.of("k", Map.of())
                              .queue(QUEUES.get((s.x() + 1) % QUEUES.size())),
                          "c"));
      case DISPATCH -> io.millrace.workflows.WorkflowsTestAccess.reconcile(workflows);
      case HAND_DELETE ->
          db.execute(
              "DELETE FROM "
                  + historyTable(s)
                  + " WHERE id IN (SELECT id FROM "
                  + historyTable(s)
                  + " ORDER BY id LIMIT "
                  + s.y() % 3
                  + ")");
      case HAND_TRUNCATE -> db.execute("TRUNCATE " + historyTable(s));
      case HAND_UPDATE ->
          db.execute(
              "UPDATE "
                  + historyTable(s)
                  + " SET queue = '"
                  + queue
                  + "' WHERE id % 4 = "
                  + s.y() % 4);
      case HAND_INSERT -> {
        // Only a partition: an insert through job_history itself is what a finishing statement
        // does, and is found by verify, not by a trigger (which would tax every finish).
        String table = historyTable(s);
        if (!table.endsWith(".job_history")) {
          db.execute(
              "INSERT INTO "
                  + table
                  + " SELECT id + 1000000, queue, kind, args, state, priority, attempt,"
                  + " max_attempts, unique_key, tags, result, errors, created_at, finished_at"
                  + " FROM "
                  + table
                  + " ORDER BY id LIMIT 1");
        }
      }
      case DELETE_CONTROL -> db.execute("DELETE FROM {schema}.control");
      case VERIFY -> counts.verify(s.y() % 2 == 0);
      case REBUILD -> counts.rebuild();
    }
  }

  /**
   * Any table of the history tree as it is now: the parent, a state, a default or day partition.
   */
  private static String historyTable(Step s) {
    List<String> tables =
        db.column("SELECT relid::text FROM pg_partition_tree('{schema}.job_history') ORDER BY 1");
    return tables.get(s.y() % tables.size());
  }

  private static Map<String, QueueCounts> byQueue(CountsReport report) {
    Map<String, QueueCounts> out = new TreeMap<>();
    for (QueueCounts q : report.queues()) {
      out.put(q.queue(), q);
    }
    return out;
  }

  private static java.util.Optional<ClaimedJob> take(List<ClaimedJob> held, Step s) {
    return held.isEmpty()
        ? java.util.Optional.empty()
        : java.util.Optional.of(held.remove(s.y() % held.size()));
  }

  private java.util.Optional<Long> anyJob(String table, Step s) throws Exception {
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT id FROM "
                    + table.replace("{schema}", '"' + db.schema() + '"')
                    + " ORDER BY id OFFSET "
                    + s.y() % 7
                    + " LIMIT 1")) {
      return rs.next() ? java.util.Optional.of(rs.getLong(1)) : java.util.Optional.empty();
    }
  }

  private interface SqlCall {
    Object run() throws Exception;
  }

  private static void sql(SqlCall call) {
    try {
      call.run();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, QueueCounts> fromCounts() {
    return byQueue(counts.exact(List.of()));
  }

  /** The truth, straight from the tables: hot table by state and due time, history plus rollup. */
  private static Map<String, QueueCounts> scan() throws Exception {
    Map<String, long[]> acc = new TreeMap<>();
    String sql =
        """
        SELECT queue, CASE WHEN state IN ('scheduled','retryable') AND run_at <= now() THEN 'available' ELSE state END, count(*)
          FROM {schema}.jobs GROUP BY 1, 2
        UNION ALL SELECT queue, state, count(*) FROM {schema}.job_history GROUP BY 1, 2
        UNION ALL SELECT queue, state, n FROM {schema}.job_count_rollup
        """
            .replace("{schema}", '"' + db.schema() + '"');
    List<String> states =
        List.of(
            "available",
            "scheduled",
            "running",
            "retryable",
            "pending",
            "completed",
            "failed",
            "cancelled",
            "skipped");
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        acc.computeIfAbsent(rs.getString(1), q -> new long[9])[states.indexOf(rs.getString(2))] +=
            rs.getLong(3);
      }
    }
    Map<String, QueueCounts> out = new TreeMap<>();
    acc.forEach(
        (q, n) ->
            out.put(q, new QueueCounts(q, n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8])));
    return out;
  }
}
