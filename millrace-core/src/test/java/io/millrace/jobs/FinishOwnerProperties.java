package io.millrace.jobs;

import io.millrace.Millrace;
import io.millrace.counts.Counts;
import io.millrace.schema.SchemaName;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.JoinPolicy;
import io.millrace.workflows.WorkflowOptions;
import io.millrace.workflows.WorkflowRequest;
import io.millrace.workflows.Workflows;
import io.millrace.workflows.WorkflowsTestAccess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random sequences of every way a job is started, retried and ended, over several queues and
 * workflows: after each step the counters verify exact against history and every finished workflow
 * member has exactly one completion event. Unlike {@code CountsProperties} nothing happens behind
 * Millrace's back here, so the counters must stay trusted throughout.
 */
class FinishOwnerProperties {
  enum Op {
    ENQUEUE,
    CLAIM,
    COMPLETE,
    FAIL,
    HONOUR_CANCEL,
    RETRY_LATER,
    CANCEL,
    DISCARD,
    BULK_CANCEL,
    BULK_DISCARD,
    BULK_RETRY,
    EXPIRE,
    RETRY_FINISHED,
    WORKFLOW,
    CANCEL_WORKFLOW,
    DISPATCH
  }

  record Step(Op op, int x, int y) {}

  private static final List<String> QUEUES = List.of("alpha", "beta", "gamma");

  static TestDatabase db;
  static Millrace client;
  static JobStore store;
  static Rescuer rescuer;
  static Counts counts;
  static Workflows workflows;

  @BeforeContainer
  static void start() {
    db = TestDatabase.create("finishprop");
    client = db.migratedClient();
    SchemaName schema = SchemaName.of(db.schema());
    store = new JobStore(db.dataSource(), schema);
    rescuer = new Rescuer(db.dataSource(), schema);
    counts = client.counts();
    workflows =
        WorkflowsTestAccess.create(
            db.dataSource(),
            schema,
            1 << 20,
            kind -> true,
            WorkflowOptions.DEFAULT.staleAfter(Duration.ZERO));
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
  void countsStayExactAndEventsComplete(@ForAll("steps") List<Step> steps) throws Exception {
    List<ClaimedJob> held = new ArrayList<>();
    for (Step step : steps) {
      apply(step, held);
      FinishOwnerTest.assertExactAndComplete(db, counts, step.toString());
    }
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
      case CLAIM -> held.addAll(store.claim(queue, 1 + s.y() % 4, "w", Duration.ofMinutes(5)));
      case COMPLETE -> {
        // Sometimes a batch, as the completion buffer sends them.
        List<JobStore.Completion> batch = new ArrayList<>();
        for (int i = 0; i <= s.y() % 3; i++) {
          take(held, s)
              .ifPresent(j -> batch.add(new JobStore.Completion(j.id(), j.attempt(), null)));
        }
        if (!batch.isEmpty()) {
          store.complete(batch);
        }
      }
      case FAIL -> {
        Optional<ClaimedJob> j = take(held, s);
        if (j.isPresent()) {
          store.finishWithError(
              j.get().id(), j.get().attempt(), JobState.FAILED, "{\"message\":\"x\"}");
        }
      }
      case HONOUR_CANCEL -> {
        Optional<ClaimedJob> j = take(held, s);
        if (j.isPresent()) {
          client.admin().cancel(j.get().id());
          store.finishWithError(
              j.get().id(), j.get().attempt(), JobState.CANCELLED, "{\"message\":\"x\"}");
        }
      }
      case RETRY_LATER -> {
        Optional<ClaimedJob> j = take(held, s);
        if (j.isPresent()) {
          store.retryLater(j.get().id(), j.get().attempt(), Duration.ZERO, "{\"message\":\"x\"}");
        }
      }
      case CANCEL -> anyJob("jobs", s).ifPresent(id -> client.admin().cancel(id));
      case DISCARD -> anyJob("jobs", s).ifPresent(id -> client.admin().discard(id));
      case BULK_CANCEL -> client.admin().bulk(BulkActions.Action.CANCEL, filter(queue), 1 + s.y());
      case BULK_DISCARD ->
          client.admin().bulk(BulkActions.Action.DISCARD, filter(queue), 1 + s.y() % 5);
      case BULK_RETRY ->
          client
              .admin()
              .bulk(
                  BulkActions.Action.RETRY,
                  new JobAdmin.Filter(queue, JobState.FAILED, null, null, null, 100),
                  1 + s.y() % 3);
      case EXPIRE -> {
        db.execute(
            "UPDATE {schema}.jobs SET lease_expires_at = now() - interval '1 second'"
                + " WHERE state = 'running' AND id % 3 = "
                + (s.y() % 3));
        rescuer.rescue();
        held.removeIf(
            j -> db.count("FROM {schema}.jobs WHERE state = 'running' AND id = " + j.id()) == 0);
      }
      case RETRY_FINISHED ->
          // Not members: a member's retry finishes it a second time, which adds a second event
          // by design (its children see the new outcome).
          anyFinishedNonMember(s).ifPresent(id -> client.admin().retry(id));
      case WORKFLOW ->
          client
              .workflows()
              .submit(
                  WorkflowRequest.named("w")
                      .step("a", JobRequest.of("k", Map.of()).queue(queue).maxAttempts(1))
                      .step("b", JobRequest.of("k", Map.of()).queue(queue).maxAttempts(1))
                      .step(
                          "c",
                          JobRequest.of("k", Map.of()).queue(queue),
                          s.y() % 2 == 0 ? JoinPolicy.allOf() : JoinPolicy.anyOf(),
                          "a",
                          "b")
                      .step(
                          "d",
                          JobRequest.of("k", Map.of())
                              .queue(QUEUES.get((s.x() + 1) % QUEUES.size())),
                          "c"));
      case CANCEL_WORKFLOW -> {
        List<String> ids = db.column("SELECT id::text FROM {schema}.workflows ORDER BY id");
        if (!ids.isEmpty()) {
          client.workflows().cancel(Long.parseLong(ids.get(s.y() % ids.size())));
        }
      }
      case DISPATCH -> WorkflowsTestAccess.reconcile(workflows);
    }
  }

  private static JobAdmin.Filter filter(String queue) {
    return new JobAdmin.Filter(queue, null, null, null, null, 100);
  }

  private static Optional<ClaimedJob> take(List<ClaimedJob> held, Step s) {
    return held.isEmpty() ? Optional.empty() : Optional.of(held.remove(s.y() % held.size()));
  }

  private static Optional<Long> anyJob(String table, Step s) {
    List<String> ids =
        // Newest first on odd steps, so workflow members (enqueued late) are picked often too.
        db.column(
            "SELECT id::text FROM {schema}."
                + table
                + (s.x() % 2 == 0 ? " ORDER BY id" : " ORDER BY id DESC")
                + " LIMIT 20");
    return ids.isEmpty()
        ? Optional.empty()
        : Optional.of(Long.parseLong(ids.get(s.y() % ids.size())));
  }

  private static Optional<Long> anyFinishedNonMember(Step s) {
    List<String> ids =
        db.column(
            "SELECT id::text FROM {schema}.job_history h WHERE NOT EXISTS"
                + " (SELECT 1 FROM {schema}.workflow_members m WHERE m.job_id = h.id)"
                + " ORDER BY id LIMIT 20");
    return ids.isEmpty()
        ? Optional.empty()
        : Optional.of(Long.parseLong(ids.get(s.y() % ids.size())));
  }
}
