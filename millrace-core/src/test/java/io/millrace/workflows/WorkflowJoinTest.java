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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Join semantics, skip propagation, wide fan-in and fan-out, parent results and cancel, end to end:
 * a real node runs the handlers and dispatches the completion events live.
 */
@Tag("compat")
class WorkflowJoinTest {
  static TestDatabase db;
  static Millrace node;
  static final AtomicReference<Millrace> self = new AtomicReference<>();
  static final Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
  static final CountDownLatch blockStarted = new CountDownLatch(1);

  @BeforeAll
  static void start() {
    db = TestDatabase.create("wfjoin");
    node =
        db.builder()
            .queue("default", 8)
            .handler(
                "ok",
                Map.class,
                job -> {
                  ran(job.id());
                  return job.args().getOrDefault("value", 0);
                })
            .handler(
                "fail",
                Map.class,
                job -> {
                  ran(job.id());
                  throw new IllegalStateException("failing on purpose");
                })
            .handler(
                "sum",
                Map.class,
                job -> {
                  ran(job.id());
                  int sum = 0;
                  for (WorkflowView.ParentResult p :
                      self.get().workflows().parentResults(job.id()).values()) {
                    sum += p.state() == JobState.COMPLETED ? p.result().asInt() : 0;
                  }
                  return Map.of(
                      "sum", sum, "parents", self.get().workflows().parentResults(job.id()).size());
                })
            .handler(
                "block",
                Map.class,
                job -> {
                  ran(job.id());
                  blockStarted.countDown();
                  while (!job.isCancelled()) {
                    Thread.sleep(10);
                  }
                  return job.cancel("asked to stop");
                })
            .workflows(WorkflowOptions.DEFAULT.staleAfter(Duration.ofMillis(500)))
            .build();
    self.set(node);
    node.migrate();
    node.start();
  }

  @AfterAll
  static void stop() {
    node.close();
    db.close();
  }

  @AfterEach
  void nothingRanTwice() {
    assertThat(runs.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
  }

  static void ran(long id) {
    runs.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
  }

  static JobRequest ok(int value) {
    return JobRequest.of("ok", Map.of("value", value));
  }

  static JobRequest fail() {
    return JobRequest.of("fail", Map.of()).maxAttempts(1);
  }

  static WorkflowView.Detail finished(SubmittedWorkflow wf) {
    Await.until(
        "workflow " + wf.id() + " finished",
        () -> node.workflows().get(wf.id()).orElseThrow().workflow().open() == 0);
    return node.workflows().get(wf.id()).orElseThrow();
  }

  static JobState state(WorkflowView.Detail d, String name) {
    return d.members().stream()
        .filter(m -> m.name().equals(name))
        .findFirst()
        .orElseThrow()
        .state();
  }

  @Test
  void allOfRunsAfterEveryParentAndReadsTheirResults() {
    SubmittedWorkflow wf =
        node.workflows()
            .submit(
                WorkflowRequest.named("all")
                    .step("a", ok(1))
                    .step("b", ok(2))
                    .step("c", JobRequest.of("sum", Map.of()), "a", "b"));
    WorkflowView.Detail d = finished(wf);
    assertThat(d.workflow().status()).isEqualTo(WorkflowView.Status.COMPLETED);
    WorkflowView.Member c =
        d.members().stream().filter(m -> m.name().equals("c")).findFirst().orElseThrow();
    assertThat(c.result().get("sum").asInt()).isEqualTo(3);
    assertThat(c.succeeded()).isEqualTo(2);
    assertThat(d.edges()).hasSize(2);
  }

  @Test
  void aFailedParentSkipsAllOfChildrenAndTheSkipPropagates() {
    SubmittedWorkflow wf =
        node.workflows()
            .submit(
                WorkflowRequest.named("skip")
                    .step("a", ok(1))
                    .step("f", fail())
                    .step("c", ok(3), "a", "f")
                    .step("d", ok(4), "c")
                    .step("e", ok(5), JoinPolicy.anyOf(), "c", "a"));
    WorkflowView.Detail d = finished(wf);
    assertThat(state(d, "f")).isEqualTo(JobState.FAILED);
    assertThat(state(d, "c")).isEqualTo(JobState.SKIPPED);
    assertThat(state(d, "d")).isEqualTo(JobState.SKIPPED);
    assertThat(state(d, "e")).isEqualTo(JobState.COMPLETED);
    assertThat(d.workflow().status()).isEqualTo(WorkflowView.Status.FINISHED_WITH_FAILURES);
    assertThat(runs).doesNotContainKeys(wf.jobId("c"), wf.jobId("d"));
    assertThat(node.admin().get(wf.jobId("c")).orElseThrow().errors().get(0).message())
        .contains("skipped");
  }

  @Test
  void anyOfRunsOnTheFirstSuccessAndIsSkippedWhenAllFail() {
    SubmittedWorkflow wf =
        node.workflows()
            .submit(
                WorkflowRequest.named("any")
                    .step("f1", fail())
                    .step("o1", ok(1))
                    .step("f2", fail())
                    .step("f3", fail())
                    .step("one", ok(0), JoinPolicy.anyOf(), "f1", "o1")
                    .step("none", ok(0), JoinPolicy.anyOf(), "f2", "f3"));
    WorkflowView.Detail d = finished(wf);
    assertThat(state(d, "one")).isEqualTo(JobState.COMPLETED);
    assertThat(state(d, "none")).isEqualTo(JobState.SKIPPED);
  }

  @Test
  void quorumNeedsKSuccesses() {
    SubmittedWorkflow wf =
        node.workflows()
            .submit(
                WorkflowRequest.named("quorum")
                    .step("o1", ok(1))
                    .step("o2", ok(2))
                    .step("f1", fail())
                    .step("f2", fail())
                    .step("met", ok(0), JoinPolicy.quorum(2), "o1", "o2", "f1")
                    .step("unmet", ok(0), JoinPolicy.quorum(2), "o1", "f1", "f2"));
    WorkflowView.Detail d = finished(wf);
    assertThat(state(d, "met")).isEqualTo(JobState.COMPLETED);
    assertThat(state(d, "unmet")).isEqualTo(JobState.SKIPPED);
    assertThat(
            d.members().stream()
                .filter(m -> m.name().equals("met"))
                .findFirst()
                .orElseThrow()
                .join())
        .isEqualTo("quorum(2)");
  }

  @Test
  void skipsPropagateDownAChainOfDepthFifty() {
    WorkflowRequest chain = WorkflowRequest.named("chain").step("s0", fail());
    for (int i = 1; i < 50; i++) {
      chain.step("s" + i, ok(i), "s" + (i - 1));
    }
    WorkflowView.Detail d = finished(node.workflows().submit(chain));
    assertThat(d.members()).hasSize(50);
    assertThat(d.members().stream().skip(1))
        .allSatisfy(m -> assertThat(m.state()).isEqualTo(JobState.SKIPPED));
  }

  @Test
  void aThousandParentsFanInToOneChild() {
    WorkflowRequest fanIn = WorkflowRequest.named("fan-in");
    String[] parents = new String[1_000];
    for (int i = 0; i < parents.length; i++) {
      parents[i] = "p" + i;
      fanIn.step(parents[i], ok(1));
    }
    fanIn.step("join", JobRequest.of("sum", Map.of()), parents);
    SubmittedWorkflow wf = node.workflows().submit(fanIn);
    WorkflowView.Detail d = finished(wf);
    WorkflowView.Member join =
        d.members().stream().filter(m -> m.name().equals("join")).findFirst().orElseThrow();
    assertThat(join.state()).isEqualTo(JobState.COMPLETED);
    assertThat(join.result().get("sum").asInt()).isEqualTo(1_000);
    assertThat(join.result().get("parents").asInt()).isEqualTo(1_000);
    assertThat(join.succeeded()).isEqualTo(1_000);
    assertThat(runs.get(wf.jobId("join")).get()).isEqualTo(1);
  }

  @Test
  void oneParentFansOutToAThousandChildren() {
    WorkflowRequest fanOut = WorkflowRequest.named("fan-out").step("root", ok(7));
    for (int i = 0; i < 1_000; i++) {
      fanOut.step("c" + i, JobRequest.of("sum", Map.of()), "root");
    }
    SubmittedWorkflow wf = node.workflows().submit(fanOut);
    WorkflowView.Detail d = finished(wf);
    assertThat(d.workflow().status()).isEqualTo(WorkflowView.Status.COMPLETED);
    assertThat(d.members().stream().filter(m -> !m.name().equals("root")))
        .hasSize(1_000)
        .allSatisfy(m -> assertThat(m.result().get("sum").asInt()).isEqualTo(7));
    assertThat(wf.jobIds().values()).allSatisfy(id -> assertThat(runs.get(id).get()).isEqualTo(1));
  }

  @Test
  void cancellingAWorkflowCancelsEveryUnfinishedMember() throws Exception {
    SubmittedWorkflow wf =
        node.workflows()
            .submit(
                WorkflowRequest.named("cancel")
                    .step("done", ok(1))
                    .step("running", JobRequest.of("block", Map.of()), "done")
                    .step("waiting", ok(2), "running")
                    .step("later", ok(3).delay(Duration.ofHours(1)))
                    .step("last", ok(4), "waiting", "later"));
    blockStarted.await();
    assertThat(node.workflows().cancel(wf.id())).isEqualTo(Workflows.CancelResult.CANCELLED);
    WorkflowView.Detail d = finished(wf);
    assertThat(d.workflow().status()).isEqualTo(WorkflowView.Status.CANCELLED);
    assertThat(state(d, "done")).isEqualTo(JobState.COMPLETED);
    assertThat(state(d, "running")).isEqualTo(JobState.CANCELLED);
    assertThat(state(d, "waiting")).isEqualTo(JobState.CANCELLED);
    assertThat(state(d, "later")).isEqualTo(JobState.CANCELLED);
    assertThat(state(d, "last")).isEqualTo(JobState.CANCELLED);
    assertThat(runs).doesNotContainKeys(wf.jobId("waiting"), wf.jobId("later"), wf.jobId("last"));
    assertThat(node.workflows().cancel(wf.id())).isEqualTo(Workflows.CancelResult.CANCELLED);
    assertThat(node.workflows().cancel(987_654_321L)).isEqualTo(Workflows.CancelResult.NOT_FOUND);
    assertThat(node.counts().verify(false)).isEmpty();
  }
}
