package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.counts.Counts;
import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.JoinPolicy;
import io.millrace.workflows.WorkflowOptions;
import io.millrace.workflows.WorkflowRequest;
import io.millrace.workflows.Workflows;
import io.millrace.workflows.WorkflowsTestAccess;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every statement that can end a job goes through the one finishing tail ({@code {finish}}, see
 * {@code internal/sql/finish.sql}), and every path that ends a job keeps the counters exact and
 * gives each finished workflow member exactly one completion event.
 */
class FinishOwnerTest {
  /** A statement that ends a job: it removes the job from the hot table or writes its history. */
  private static final Pattern ENDS_A_JOB =
      Pattern.compile(
          "DELETE\\s+FROM\\s+\\{schema}\\.jobs\\b|INSERT\\s+INTO\\s+\\{schema}\\.job_history\\b",
          Pattern.CASE_INSENSITIVE);

  private static final Pattern REMOVES_HISTORY =
      Pattern.compile(
          "DELETE\\s+FROM\\s+\\{schema}\\.(job_history\\b|\\{table})", Pattern.CASE_INSENSITIVE);

  TestDatabase db;
  Millrace client;
  JobStore store;
  Counts counts;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("finish");
    client = db.migratedClient();
    store = new JobStore(db.dataSource(), SchemaName.of(db.schema()));
    counts = client.counts();
  }

  @AfterEach
  void tearDown() {
    client.close();
    db.close();
  }

  @Test
  void everyStatementThatEndsAJobUsesTheOneFinishingTail() throws Exception {
    Map<String, String> statements = allStatements();
    List<String> ending = new ArrayList<>();
    List<String> removingHistory = new ArrayList<>();
    statements.forEach(
        (name, sql) -> {
          if (ENDS_A_JOB.matcher(sql).find()) {
            ending.add(name);
            assertThat(sql)
                .as("%s ends a job, so it must splice the finishing tail", name)
                .contains(SqlFile.FINISH)
                .doesNotContain("{schema}.job_counts")
                .doesNotContain("{schema}.workflow_events");
          }
          if (REMOVES_HISTORY.matcher(sql).find()) {
            removingHistory.add(name);
            // Taking a row out of history (an operator's retry, retention's prune of a default
            // partition) must account for it in the same statement: off the counters, or into
            // the rollup that keeps dropped history counted.
            assertThat(sql)
                .as("%s removes history, so it must count that itself", name)
                .containsAnyOf("{schema}.job_counts", "{schema}.job_count_rollup");
          }
        });
    // The discovery itself works: the known finishing statements are among those found.
    assertThat(ending)
        .contains(
            "jobs.sql#complete_batch",
            "jobs.sql#finish_with_error",
            "admin.sql#cancel_waiting",
            "admin.sql#discard_waiting",
            "maintenance.sql#rescue_exhausted",
            "workflows.sql#advance",
            "workflows.sql#cancel_waiting_members");
    assertThat(removingHistory)
        .contains("admin.sql#retry_finished", "maintenance.sql#prune_default_partition");
    // And the tail is really spliced into what the store runs.
    assertThat(SqlFile.load(JobStore.class, "jobs.sql", SchemaName.of("s")).get("complete_batch"))
        .contains("finish_counted AS")
        .contains("finish_events AS")
        .doesNotContain(SqlFile.FINISH);
  }

  @Test
  void everyPathThatEndsAJobKeepsCountsExactAndEventsComplete() throws Exception {
    // complete
    enqueue("q1", 2);
    ClaimedJob done = store.claim("q1", 1, "w", Duration.ofMinutes(5)).get(0);
    store.complete(List.of(new JobStore.Completion(done.id(), done.attempt(), null)));
    // fail, final attempt; and a handler that honoured a cancellation
    ClaimedJob failed = store.claim("q1", 1, "w", Duration.ofMinutes(5)).get(0);
    store.finishWithError(failed.id(), failed.attempt(), JobState.FAILED, "{\"message\":\"x\"}");
    enqueue("q2", 1);
    ClaimedJob honoured = store.claim("q2", 1, "w", Duration.ofMinutes(5)).get(0);
    client.admin().cancel(honoured.id());
    store.finishWithError(
        honoured.id(), honoured.attempt(), JobState.CANCELLED, "{\"message\":\"cancelled\"}");
    // cancel and discard waiting jobs, one at a time and in bulk
    List<Long> waiting = enqueue("q3", 6);
    client.admin().cancel(waiting.get(0));
    client.admin().discard(waiting.get(1));
    client.admin().bulk(BulkActions.Action.CANCEL, filter("q3"), 2);
    client.admin().bulk(BulkActions.Action.DISCARD, filter("q3"), 10);
    // expiry: a lost lease with no attempt left, and a lost lease whose cancel was requested
    enqueue("q4", 2);
    List<ClaimedJob> lost = store.claim("q4", 2, "gone", Duration.ofMinutes(5));
    client.admin().cancel(lost.get(1).id());
    db.execute("UPDATE {schema}.jobs SET lease_expires_at = now() - interval '1 second'");
    new Rescuer(db.dataSource(), SchemaName.of(db.schema())).rescue();
    // un-finish: an operator's retry takes a finished job back off the counters
    client.admin().retry(done.id());
    assertExactAndComplete("single jobs");

    // Workflow members: each path above, on members.
    Workflows workflows =
        WorkflowsTestAccess.create(
            db.dataSource(),
            SchemaName.of(db.schema()),
            1 << 20,
            kind -> true,
            WorkflowOptions.DEFAULT.staleAfter(Duration.ZERO));
    long completing = submit("wa");
    long failing = submit("wb");
    long cancelled = submit("wc");
    long discarded = submit("wd");
    long expiring = submit("we");
    drive(workflows, "wa", m -> complete(m));
    drive(
        workflows,
        "wb",
        m -> store.finishWithError(m.id(), m.attempt(), JobState.FAILED, "{\"message\":\"x\"}"));
    drive(
        workflows,
        "we",
        m -> {
          db.execute(
              "UPDATE {schema}.jobs SET lease_expires_at = now() - interval '1 second'"
                  + " WHERE id = "
                  + m.id());
          new Rescuer(db.dataSource(), SchemaName.of(db.schema())).rescue();
        });
    // one member of wd discarded by an operator, the rest of wd and all of wc cancelled
    Long firstOfD =
        Long.valueOf(
            db.column(
                    "SELECT min(id)::text FROM {schema}.jobs WHERE queue = 'wd' AND state = 'available'")
                .get(0));
    client.admin().discard(firstOfD);
    WorkflowsTestAccess.reconcile(workflows);
    client.workflows().cancel(discarded);
    client.workflows().cancel(cancelled);
    WorkflowsTestAccess.reconcile(workflows);
    assertExactAndComplete("workflow members");
    assertThat(db.count("FROM {schema}.jobs WHERE workflow_id IS NOT NULL")).isZero();
    assertThat(List.of(completing, failing, cancelled, discarded, expiring)).hasSize(5);
  }

  private interface MemberAction {
    void run(ClaimedJob member) throws Exception;
  }

  /** Claims and finishes the workflow's available members until none is left. */
  private void drive(Workflows workflows, String queue, MemberAction action) throws Exception {
    for (int round = 0; round < 10; round++) {
      WorkflowsTestAccess.reconcile(workflows);
      List<ClaimedJob> claimed = store.claim(queue, 10, "w", Duration.ofMinutes(5));
      if (claimed.isEmpty()) {
        return;
      }
      for (ClaimedJob member : claimed) {
        action.run(member);
      }
    }
  }

  private void complete(ClaimedJob member) throws Exception {
    store.complete(List.of(new JobStore.Completion(member.id(), member.attempt(), null)));
  }

  private long submit(String queue) {
    return client
        .workflows()
        .submit(
            WorkflowRequest.named(queue)
                .step("a", JobRequest.of("k", Map.of()).queue(queue).maxAttempts(1))
                .step("b", JobRequest.of("k", Map.of()).queue(queue).maxAttempts(1))
                .step("c", JobRequest.of("k", Map.of()).queue(queue), JoinPolicy.allOf(), "a", "b")
                .step("d", JobRequest.of("k", Map.of()).queue(queue).maxAttempts(1), "c"))
        .id();
  }

  private void assertExactAndComplete(String what) {
    assertExactAndComplete(db, counts, what);
  }

  /** Counters equal a scan of history, and every finished member has exactly one event. */
  static void assertExactAndComplete(TestDatabase db, Counts counts, String what) {
    assertThat(counts.verify(false)).as("drift after %s", what).isEmpty();
    assertThat(counts.trusted()).as("trusted after %s", what).isTrue();
    assertThat(
            db.column(
                """
                SELECT m.job_id || ' has ' || count(e.id) || ' events'
                  FROM {schema}.workflow_members m
                  JOIN {schema}.job_history h ON h.id = m.job_id
                  LEFT JOIN {schema}.workflow_events e ON e.job_id = m.job_id
                 GROUP BY m.job_id HAVING count(e.id) <> 1
                """))
        .as("finished workflow members without exactly one completion event, after %s", what)
        .isEmpty();
  }

  private List<Long> enqueue(String queue, int n) {
    List<JobRequest> requests = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      requests.add(JobRequest.of("k", Map.of()).queue(queue).maxAttempts(1));
    }
    return client.enqueueAll(requests).stream().map(EnqueueResult::id).toList();
  }

  private static JobAdmin.Filter filter(String queue) {
    return new JobAdmin.Filter(queue, null, null, null, null, 100);
  }

  /** Every named statement of every SQL resource under io/millrace, migrations aside. */
  static Map<String, String> allStatements() throws Exception {
    Path root = resourceRoot();
    Map<String, String> out = new LinkedHashMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file :
          files
              .filter(p -> p.toString().endsWith(".sql"))
              .filter(p -> !p.toString().contains("migrations"))
              .sorted()
              .toList()) {
        String name = null;
        StringBuilder body = new StringBuilder();
        for (String line : Files.readString(file, StandardCharsets.UTF_8).split("\n", -1)) {
          String trimmed = line.trim();
          if (trimmed.startsWith("-- name:")) {
            if (name != null) {
              out.put(file.getFileName() + "#" + name, body.toString());
            }
            name = trimmed.substring("-- name:".length()).trim();
            body.setLength(0);
          } else if (name != null && !trimmed.startsWith("--")) {
            body.append(line).append('\n');
          }
        }
        if (name != null) {
          out.put(file.getFileName() + "#" + name, body.toString());
        }
      }
    }
    assertThat(out).as("statements found under %s", root).hasSizeGreaterThan(50);
    return out;
  }

  private static Path resourceRoot() throws URISyntaxException {
    URL jobs =
        Objects.requireNonNull(
            FinishOwnerTest.class.getClassLoader().getResource("io/millrace/jobs/jobs.sql"));
    return Path.of(jobs.toURI()).getParent().getParent();
  }
}
