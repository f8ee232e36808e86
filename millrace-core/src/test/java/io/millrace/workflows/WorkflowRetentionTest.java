package io.millrace.workflows;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Finished workflows leave after their retention with members, edges and events; open ones stay.
 */
class WorkflowRetentionTest {
  static TestDatabase db;
  static Millrace client;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("wfretain");
    client = db.migratedClient();
  }

  @AfterAll
  static void stop() {
    client.close();
    db.close();
  }

  static Workflows engine(Duration retention) {
    return new Workflows(
        db.dataSource(),
        SchemaName.of(db.schema()),
        1 << 20,
        kind -> true,
        io.millrace.jobs.JobRequest::maxAttempts,
        WorkflowOptions.DEFAULT.staleAfter(Duration.ZERO).retention(retention),
        new SimpleMeterRegistry(),
        io.millrace.base.Jackson2Codec.defaults());
  }

  @Test
  void finishedWorkflowsArePrunedAfterTheirRetentionAndOpenOnesAreKept() throws Exception {
    SubmittedWorkflow finished =
        client
            .workflows()
            .submit(
                WorkflowRequest.named("finished")
                    .step("a", JobRequest.of("k", Map.of()))
                    .step("b", JobRequest.of("k", Map.of()), "a"));
    SubmittedWorkflow open =
        client
            .workflows()
            .submit(
                WorkflowRequest.named("open")
                    .step("a", JobRequest.of("k", Map.of()))
                    .step("b", JobRequest.of("k", Map.of()), "a"));
    client.workflows().cancel(finished.id());
    Workflows engine = engine(Duration.ZERO);
    // Two ticks: the cancelled members' events, then nothing (the cancel left no pending child).
    assertThat(engine.reconcile().reconciled()).isEqualTo(2);
    assertThat(engine.reconcile().scanned()).isZero();
    assertThat(client.workflows().get(finished.id()).orElseThrow().workflow().open()).isZero();

    assertThat(engine(Duration.ofDays(1)).prune()).isZero();
    assertThat(engine.prune()).isEqualTo(1);
    assertThat(client.workflows().get(finished.id())).isEmpty();
    assertThat(client.workflows().get(open.id())).isPresent();
    for (String table : new String[] {"workflow_members", "workflow_edges", "workflow_events"}) {
      assertThat(db.count("FROM {schema}." + table + " WHERE workflow_id = " + finished.id()))
          .as(table)
          .isZero();
    }
    assertThat(db.count("FROM {schema}.workflow_members WHERE workflow_id = " + open.id()))
        .isEqualTo(2);
    assertThat(engine.prune()).isZero();
  }
}
