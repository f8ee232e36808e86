package io.millrace.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.Millrace;
import io.millrace.base.ValidationException;
import io.millrace.jobs.JobRequest;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad workflows are rejected before anything is written, with the field named. */
class WorkflowValidationTest {
  static TestDatabase db;
  static Millrace client;
  static Millrace strict;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("wfvalid");
    client = db.migratedClient();
    strict = db.builder().handler("known", Map.class, job -> null).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    strict.close();
    db.close();
  }

  static JobRequest job() {
    return JobRequest.of("known", Map.of());
  }

  @Test
  void aCycleIsRejectedNamingIt() {
    rejects(
        () ->
            WorkflowRequest.named("w")
                .step("root", job())
                .step("a", job(), "root", "c")
                .step("b", job(), "a")
                .step("c", job(), "b"),
        "steps[",
        "cycle");
    ValidationException e =
        rejects(
            () ->
                WorkflowRequest.named("w")
                    .step("a", job(), "c")
                    .step("b", job(), "a")
                    .step("c", job(), "b"),
            "steps[",
            "cycle");
    // Every edge of the reported cycle runs parent -> child, and it closes on itself.
    String cycle = e.getMessage().substring(e.getMessage().indexOf("cycle ") + 6);
    assertThat(cycle.split(" -> ")).hasSize(4).contains("a", "b", "c");
    assertThat(cycle.split(" -> ")[0]).isEqualTo(cycle.split(" -> ")[3]);
    rejects(
        () -> WorkflowRequest.named("w").step("a", job(), "a"), "steps[a].parents", "cycle a -> a");
  }

  @Test
  void unknownParentDuplicateEdgeAndEmptyAreRejected() {
    rejects(
        () -> WorkflowRequest.named("w").step("a", job()).step("b", job(), "nope"),
        "steps[b].parents",
        "unknown parent 'nope'");
    rejects(
        () -> WorkflowRequest.named("w").step("a", job()).step("b", job(), "a", "a"),
        "steps[b].parents",
        "duplicate edge a -> b");
    rejects(() -> WorkflowRequest.named("w"), "steps", "at least one step");
    rejects(
        () -> WorkflowRequest.named("w").step("a", job()).step("a", job()),
        "steps[1].name",
        "twice");
  }

  @Test
  void badNamesJoinsKeysAndKindsAreRejected() {
    assertThatThrownBy(() -> WorkflowRequest.named("no spaces"))
        .isInstanceOf(ValidationException.class)
        .extracting(e -> ((ValidationException) e).field())
        .isEqualTo("name");
    assertThatThrownBy(() -> WorkflowRequest.named("w").namespace("bad/ns"))
        .isInstanceOf(ValidationException.class)
        .extracting(e -> ((ValidationException) e).field())
        .isEqualTo("namespace");
    assertThatThrownBy(() -> JoinPolicy.quorum(0)).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> JoinPolicy.parse("join", "most"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("quorum(k)");
    rejects(() -> WorkflowRequest.named("w").step("bad name", job()), "steps[0].name", "not valid");
    rejects(
        () ->
            WorkflowRequest.named("w")
                .step("a", job())
                .step("b", job())
                .step("c", job(), JoinPolicy.quorum(3), "a", "b"),
        "steps[c].join",
        "can never be met by 2 parents");
    rejects(
        () -> WorkflowRequest.named("w").step("a", job(), JoinPolicy.anyOf()),
        "steps[a].join",
        "needs parents");
    rejects(
        () -> WorkflowRequest.named("w").step("a", job().uniqueKey("k")),
        "steps[a].uniqueKey",
        "unique keys");
    assertThatThrownBy(
            () ->
                strict
                    .workflows()
                    .submit(
                        WorkflowRequest.named("w")
                            .step("a", JobRequest.of("unknown.kind", Map.of()))))
        .isInstanceOf(ValidationException.class)
        .extracting(e -> ((ValidationException) e).field())
        .isEqualTo("steps[a].kind");
    assertNothingWritten();
  }

  @Test
  void aSubmitInTheCallersTransactionCommitsOrRollsBackWithIt() throws Exception {
    WorkflowRequest request = WorkflowRequest.named("tx").step("a", job()).step("b", job(), "a");
    try (Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(false);
      client.workflows().submit(c, request);
      c.rollback();
    }
    assertNothingWritten();
    SubmittedWorkflow submitted;
    try (Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(false);
      submitted = client.workflows().submit(c, request);
      c.commit();
    }
    WorkflowView.Detail detail = client.workflows().get(submitted.id()).orElseThrow();
    assertThat(detail.members()).extracting(WorkflowView.Member::name).containsExactly("a", "b");
    assertThat(detail.edges())
        .extracting(WorkflowView.Edge::parent, WorkflowView.Edge::child)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("a", "b"));
    assertThat(db.column("SELECT state FROM {schema}.jobs WHERE id = " + submitted.jobId("b")))
        .containsExactly("pending");
    db.execute(
        "DELETE FROM {schema}.workflow_edges; DELETE FROM {schema}.workflow_members; DELETE FROM {schema}.workflows;"
            + " DELETE FROM {schema}.jobs");
  }

  @Test
  void aPendingMemberCannotBeRetriedAheadOfItsParents() {
    SubmittedWorkflow wf =
        client
            .workflows()
            .submit(WorkflowRequest.named("early").step("a", job()).step("b", job(), "a"));
    assertThatThrownBy(() -> client.admin().retry(wf.jobId("b")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("waits for its workflow's parents");
    assertThat(db.column("SELECT state FROM {schema}.jobs WHERE id = " + wf.jobId("b")))
        .containsExactly("pending");
    db.execute(
        "DELETE FROM {schema}.workflow_edges; DELETE FROM {schema}.workflow_members; DELETE FROM {schema}.workflows;"
            + " DELETE FROM {schema}.jobs");
  }

  private ValidationException rejects(
      Supplier<WorkflowRequest> request, String field, String message) {
    ValidationException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ValidationException.class, () -> client.workflows().submit(request.get()));
    assertThat(e.field()).startsWith(field);
    assertThat(e.getMessage()).contains(message);
    assertNothingWritten();
    return e;
  }

  private static void assertNothingWritten() {
    for (String table :
        new String[] {
          "workflows", "workflow_members", "workflow_edges", "workflow_events", "jobs"
        }) {
      assertThat(db.count("FROM {schema}." + table)).as(table).isZero();
    }
  }
}
