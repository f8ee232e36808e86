package io.millrace.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.schema.SchemaName;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A cascade interrupted mid-way (the test-only fault point stops dispatch after hop N commits, as a
 * process death would) is finished by the reconciler: within the remaining depth in ticks, each
 * event applied exactly once, the next tick a no-op, a replayed event a no-op.
 */
class CrashCascadeTest {
  static TestDatabase db;
  static Millrace client;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("wfcrash");
    client = db.migratedClient();
  }

  @AfterAll
  static void stop() {
    client.close();
    db.close();
  }

  static Workflows engine() {
    return new Workflows(
        db.dataSource(),
        SchemaName.of(db.schema()),
        1 << 20,
        kind -> true,
        io.millrace.jobs.JobRequest::maxAttempts,
        WorkflowOptions.DEFAULT.staleAfter(Duration.ZERO),
        new SimpleMeterRegistry(),
        io.millrace.base.Jackson2Codec.defaults());
  }

  static String members(SubmittedWorkflow wf) {
    return "id IN (SELECT job_id FROM {schema}.workflow_members WHERE workflow_id = "
        + wf.id()
        + ")";
  }

  static long eventOf(long jobId) {
    return eventOf(jobId, db);
  }

  static long eventOf(long jobId, TestDatabase in) {
    return Long.parseLong(
        in.column("SELECT id FROM {schema}.workflow_events WHERE job_id = " + jobId).get(0));
  }

  @Test
  void theReconcilerDrainsAChainInterruptedAfterHopN() throws Exception {
    int depth = 30;
    int hopsBeforeCrash = 10;
    WorkflowRequest chain = WorkflowRequest.named("chain");
    chain.step("m0", JobRequest.of("k", Map.of()));
    for (int i = 1; i < depth; i++) {
      chain.step("m" + i, JobRequest.of("k", Map.of()), "m" + (i - 1));
    }
    SubmittedWorkflow wf = client.workflows().submit(chain);
    client.admin().cancel(wf.jobId("m0"));
    long first = eventOf(wf.jobId("m0"));

    Workflows crashing = engine();
    crashing.dispatcher().haltAfter(hopsBeforeCrash);
    assertThatThrownBy(() -> crashing.dispatcher().cascade(first))
        .isInstanceOf(Dispatcher.Halted.class);
    assertThat(db.count("FROM {schema}.job_history WHERE state = 'skipped' AND " + members(wf)))
        .isEqualTo(hopsBeforeCrash);
    assertThat(db.count("FROM {schema}.workflow_events WHERE dispatched_at IS NULL")).isEqualTo(1);
    assertThat(db.count("FROM {schema}.jobs WHERE state = 'pending' AND " + members(wf)))
        .isEqualTo(depth - 1 - hopsBeforeCrash);

    Workflows survivor = engine();
    int ticks = 0;
    Reconciler.Report report;
    while ((report = survivor.reconcile()).reconciled() > 0) {
      ticks++;
      assertThat(report.errors()).isZero();
      assertThat(ticks).isLessThanOrEqualTo(depth - hopsBeforeCrash);
    }
    assertThat(ticks).isEqualTo(depth - hopsBeforeCrash);
    assertThat(report).isEqualTo(new Reconciler.Report(0, 0, 0, 0));
    assertThat(survivor.reconcile()).isEqualTo(new Reconciler.Report(0, 0, 0, 0));

    assertThat(db.count("FROM {schema}.jobs WHERE " + members(wf))).isZero();
    assertThat(db.count("FROM {schema}.job_history WHERE state = 'skipped' AND " + members(wf)))
        .isEqualTo(depth - 1);
    // Exactly once: every member saw its one parent fail once.
    assertThat(
            db.column(
                "SELECT DISTINCT failed || '/' || succeeded FROM {schema}.workflow_members WHERE parents = 1"
                    + " AND workflow_id = "
                    + wf.id()))
        .containsExactly("1/0");
    assertThat(client.counts().verify(false)).isEmpty();
    WorkflowView.Detail detail = client.workflows().get(wf.id()).orElseThrow();
    assertThat(detail.workflow().status()).isEqualTo(WorkflowView.Status.FINISHED_WITH_FAILURES);
    assertThat(detail.workflow().open()).isZero();

    // A replayed event changes nothing.
    String before =
        db.column(
                "SELECT string_agg(job_id || ':' || failed || ':' || succeeded, ',' ORDER BY job_id)"
                    + " FROM {schema}.workflow_members WHERE workflow_id = "
                    + wf.id())
            .get(0);
    assertThat(survivor.dispatcher().dispatch(first).advanced()).isFalse();
    assertThat(survivor.dispatcher().dispatch(eventOf(wf.jobId("m" + (depth - 1)))).advanced())
        .isFalse();
    assertThat(
            db.column(
                    "SELECT string_agg(job_id || ':' || failed || ':' || succeeded, ',' ORDER BY job_id)"
                        + " FROM {schema}.workflow_members WHERE workflow_id = "
                        + wf.id())
                .get(0))
        .isEqualTo(before);
  }

  @Test
  void aReconcilerKilledMidTickLeavesTheRestToTheNextTickAndAppliesEachEventOnce()
      throws Exception {
    int width = 200;
    WorkflowRequest fan = WorkflowRequest.named("fan").step("root", JobRequest.of("k", Map.of()));
    for (int i = 0; i < width; i++) {
      fan.step("c" + i, JobRequest.of("k", Map.of()), "root");
      fan.step("g" + i, JobRequest.of("k", Map.of()), "c" + i);
    }
    SubmittedWorkflow wf = client.workflows().submit(fan);
    client.admin().cancel(wf.jobId("root"));
    Workflows live = engine();
    assertThat(live.dispatcher().dispatch(eventOf(wf.jobId("root"))).newEvents()).hasSize(width);

    Workflows dying = engine();
    dying.dispatcher().haltAfter(50);
    assertThatThrownBy(dying::reconcile).isInstanceOf(Dispatcher.Halted.class);
    // 50 children's hops committed (each inserting its grandchild's event) before the "crash".
    assertThat(db.count("FROM {schema}.workflow_events WHERE dispatched_at IS NULL"))
        .isEqualTo(width);

    Workflows next = engine();
    // Tick 1: the 150 remaining children's events and the 50 grandchildren's; tick 2: the other
    // 150.
    assertThat(next.reconcile()).isEqualTo(new Reconciler.Report(width, width, 0, 0));
    assertThat(next.reconcile()).isEqualTo(new Reconciler.Report(width - 50, width - 50, 0, 0));
    assertThat(next.reconcile()).isEqualTo(new Reconciler.Report(0, 0, 0, 0));

    assertThat(db.count("FROM {schema}.jobs WHERE workflow_id = " + wf.id())).isZero();
    assertThat(
            db.column(
                "SELECT DISTINCT failed || '/' || succeeded FROM {schema}.workflow_members"
                    + " WHERE workflow_id = "
                    + wf.id()
                    + " AND parents = 1"))
        .containsExactly("1/0");
    assertThat(db.count("FROM {schema}.workflow_events WHERE workflow_id = " + wf.id()))
        .isEqualTo(1 + 2L * width);
    assertThat(client.counts().verify(false)).isEmpty();
  }

  @Test
  void theReconcilerServesOnlyItsNamespaceAndTag() throws Exception {
    SubmittedWorkflow mine =
        client
            .workflows()
            .submit(
                WorkflowRequest.named("mine")
                    .namespace("billing")
                    .tags("nightly")
                    .step("a", JobRequest.of("k", Map.of()))
                    .step("b", JobRequest.of("k", Map.of()), "a"));
    SubmittedWorkflow other =
        client
            .workflows()
            .submit(
                WorkflowRequest.named("other")
                    .namespace("search")
                    .step("a", JobRequest.of("k", Map.of()))
                    .step("b", JobRequest.of("k", Map.of()), "a"));
    client.admin().cancel(mine.jobId("a"));
    client.admin().cancel(other.jobId("a"));
    Workflows billing =
        new Workflows(
            db.dataSource(),
            SchemaName.of(db.schema()),
            1 << 20,
            kind -> true,
            io.millrace.jobs.JobRequest::maxAttempts,
            WorkflowOptions.DEFAULT.staleAfter(Duration.ZERO).only("billing", "nightly"),
            new SimpleMeterRegistry(),
            io.millrace.base.Jackson2Codec.defaults());
    assertThat(billing.reconcile()).isEqualTo(new Reconciler.Report(1, 1, 0, 0));
    assertThat(billing.reconcile()).isEqualTo(new Reconciler.Report(1, 1, 0, 0)); // b's skip event
    assertThat(billing.reconcile()).isEqualTo(new Reconciler.Report(0, 0, 0, 0));
    assertThat(db.column("SELECT state FROM {schema}.jobs WHERE id = " + other.jobId("b")))
        .containsExactly("pending");
    Workflows everything = engine();
    while (everything.reconcile().scanned() > 0) {
      // drains the other namespace too
    }
    assertThat(db.column("SELECT state FROM {schema}.job_history WHERE id = " + other.jobId("b")))
        .containsExactly("skipped");
  }
}
