package io.millrace.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node whose live dispatcher dies mid-cascade (the fault point stops it after three hops) and
 * which then leaves: another node's reconciler picks up the stranded event and its dispatcher
 * finishes the workflow, every step run exactly once.
 */
class ListenerCrashTest {
  static TestDatabase db;
  static final Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() {
    db = TestDatabase.create("wflisten");
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  static Millrace node(String id, Duration staleAfter) {
    return db.builder()
        .nodeId(id)
        .queue("default", 4)
        .handler(
            "ok",
            Map.class,
            job -> runs.computeIfAbsent(job.id(), k -> new AtomicInteger()).incrementAndGet())
        .workflows(WorkflowOptions.DEFAULT.staleAfter(staleAfter))
        .build();
  }

  @Test
  void aStrandedCascadeIsFinishedByTheNextNodeExactlyOnce() {
    Millrace first =
        node("first", Duration.ofHours(1)); // its reconciler never finds anything stale
    first.migrate();
    first.start();
    first.workflows().dispatcher().haltAfter(3);
    WorkflowRequest chain =
        WorkflowRequest.named("chain").step("s0", JobRequest.of("ok", Map.of()));
    for (int i = 1; i < 10; i++) {
      chain.step("s" + i, JobRequest.of("ok", Map.of()), "s" + (i - 1));
    }
    SubmittedWorkflow wf = first.workflows().submit(chain);
    // s0..s3 run; s3's completion event is never dispatched: the dispatcher halted after 3 hops.
    Await.until(
        "s3 finished",
        () ->
            runs.containsKey(wf.jobId("s3"))
                && db.count(
                        "FROM {schema}.workflow_events WHERE dispatched_at IS NULL AND job_id = "
                            + wf.jobId("s3"))
                    == 1);
    first.close();
    assertThat(db.column("SELECT state FROM {schema}.jobs WHERE id = " + wf.jobId("s4")))
        .containsExactly("pending");

    Millrace second = node("second", Duration.ZERO);
    second.start();
    try {
      Await.until(
          "workflow finished",
          () -> second.workflows().get(wf.id()).orElseThrow().workflow().open() == 0);
      WorkflowView.Detail d = second.workflows().get(wf.id()).orElseThrow();
      assertThat(d.members()).allSatisfy(m -> assertThat(m.state()).isEqualTo(JobState.COMPLETED));
      assertThat(wf.jobIds().values())
          .allSatisfy(id -> assertThat(runs.get(id).get()).isEqualTo(1));
      assertThat(db.count("FROM {schema}.workflow_events WHERE dispatched_at IS NULL")).isZero();
      assertThat(second.meters().counter("millrace.workflows.reconciler.reconciled").count())
          .isGreaterThanOrEqualTo(1);
    } finally {
      second.close();
    }
  }
}
