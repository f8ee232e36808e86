package io.millrace.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.schema.SchemaName;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two dispatchers racing on the same events: exactly one advances each event, and no child is
 * released (or run) twice, even for an any-of child whose two parents' events race at once.
 */
class DispatcherRaceTest {
  static TestDatabase db;
  static Millrace worker;
  static final Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() {
    db = TestDatabase.create("wfrace");
    // Runs the jobs but dispatches nothing itself: the test's two dispatchers do.
    worker =
        db.builder()
            .queue("default", 8)
            .handler(
                "ok",
                Map.class,
                job -> runs.computeIfAbsent(job.id(), k -> new AtomicInteger()).incrementAndGet())
            .workflows(WorkflowOptions.DEFAULT.dispatch(false).staleAfter(Duration.ofHours(1)))
            .build();
    worker.migrate();
    worker.start();
  }

  @AfterAll
  static void stop() {
    worker.close();
    db.close();
  }

  static Workflows dispatcherNode() {
    return new Workflows(
        db.dataSource(),
        SchemaName.of(db.schema()),
        1 << 20,
        kind -> true,
        io.millrace.jobs.JobRequest::maxAttempts,
        WorkflowOptions.DEFAULT,
        new SimpleMeterRegistry(),
        io.millrace.base.Jackson2Codec.defaults());
  }

  @Test
  void exactlyOneOfTwoRacingDispatchersAdvancesEachEvent() throws Exception {
    int workflows = 40;
    List<SubmittedWorkflow> submitted = new ArrayList<>();
    for (int i = 0; i < workflows; i++) {
      submitted.add(
          worker
              .workflows()
              .submit(
                  WorkflowRequest.named("race")
                      .step("p1", JobRequest.of("ok", Map.of()))
                      .step("p2", JobRequest.of("ok", Map.of()))
                      .step(
                          "child", JobRequest.of("ok", Map.of()), JoinPolicy.anyOf(), "p1", "p2")));
    }
    Await.until(
        "every parent finished", () -> db.count("FROM {schema}.workflow_events") == 2L * workflows);
    Dispatcher a = dispatcherNode().dispatcher();
    Dispatcher b = dispatcherNode().dispatcher();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (SubmittedWorkflow wf : submitted) {
        long e1 = CrashCascadeTest.eventOf(wf.jobId("p1"), db);
        long e2 = CrashCascadeTest.eventOf(wf.jobId("p2"), db);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Dispatcher.Hop>> hops = new ArrayList<>();
        for (Object[] call : new Object[][] {{a, e1}, {b, e1}, {a, e2}, {b, e2}}) {
          hops.add(
              pool.submit(
                  () -> {
                    go.await();
                    return ((Dispatcher) call[0]).dispatch((Long) call[1]);
                  }));
        }
        go.countDown();
        Map<Long, Integer> advancedPerEvent = new java.util.HashMap<>();
        int released = 0;
        for (Future<Dispatcher.Hop> f : hops) {
          Dispatcher.Hop hop = f.get();
          advancedPerEvent.merge(hop.eventId(), hop.advanced() ? 1 : 0, Integer::sum);
          released += hop.released();
        }
        assertThat(advancedPerEvent).containsEntry(e1, 1).containsEntry(e2, 1);
        assertThat(released).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
    Await.until(
        "every child ran",
        () -> submitted.stream().allMatch(wf -> runs.containsKey(wf.jobId("child"))));
    // Once no job is left in the hot table nothing can run again, so the run counts are final.
    Await.until("every job finished", () -> db.count("FROM {schema}.jobs") == 0);
    assertThat(runs).hasSize(3 * workflows);
    assertThat(runs.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
    assertThat(
            db.column(
                "SELECT DISTINCT succeeded || '/' || failed FROM {schema}.workflow_members WHERE parents = 2"))
        .containsExactly("2/0");
  }
}
