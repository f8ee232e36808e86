package io.millrace.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.jobs.JobContext;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.JoinPolicy;
import io.millrace.workflows.SubmittedWorkflow;
import io.millrace.workflows.WorkflowRequest;
import io.millrace.workflows.WorkflowView;
import java.sql.Connection;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The workflows guide's example, run as written (DocsTest checks the text is here). */
class WorkflowReadmeExampleTest {
  /**
   * The node the transform handler asks for its parents' results, as the example's handler does.
   */
  private static volatile Millrace node;

  @Test
  void theWorkflowExampleRuns() throws Exception {
    try (TestDatabase db = TestDatabase.create("readmewf")) {
      Millrace millrace =
          db.builder()
              .handler(
                  "etl.extract",
                  Map.class,
                  job -> Map.of("rows", job.args().get("source").equals("a") ? 3 : 4))
              .handler("etl.transform", Map.class, WorkflowReadmeExampleTest::transform)
              .handler("etl.alert", Map.class, job -> null)
              .handler("etl.load", Map.class, job -> null)
              .build();
      node = millrace;
      millrace.migrate();
      millrace.start();
      try {
        SubmittedWorkflow submitted;
        try (Connection connection = db.dataSource().getConnection()) {
          connection.setAutoCommit(false);
          SubmittedWorkflow wf =
              millrace
                  .workflows()
                  .submit(
                      connection, // in your transaction, or submit(request)
                      WorkflowRequest.named("nightly-etl")
                          .namespace("billing")
                          .tags("nightly")
                          .step("extract-a", JobRequest.of("etl.extract", Map.of("source", "a")))
                          .step("extract-b", JobRequest.of("etl.extract", Map.of("source", "b")))
                          .step(
                              "transform",
                              JobRequest.of("etl.transform", Map.of()),
                              "extract-a",
                              "extract-b") // all-of
                          .step(
                              "alert",
                              JobRequest.of("etl.alert", Map.of()),
                              JoinPolicy.anyOf(),
                              "extract-a",
                              "extract-b")
                          .step(
                              "load",
                              JobRequest.of("etl.load", Map.of()),
                              JoinPolicy.quorum(1),
                              "transform"));
          connection.commit();
          submitted = wf;
        }
        SubmittedWorkflow wf = submitted;
        Await.until(
            "workflow finished",
            () -> millrace.workflows().get(wf.id()).orElseThrow().workflow().open() == 0);
        WorkflowView.Detail detail = millrace.workflows().get(wf.id()).orElseThrow();
        assertThat(detail.workflow().status()).isEqualTo(WorkflowView.Status.COMPLETED);
        assertThat(detail.members())
            .allSatisfy(m -> assertThat(m.state()).isEqualTo(JobState.COMPLETED));
        assertThat(
                millrace
                    .admin()
                    .get(wf.jobId("transform"))
                    .orElseThrow()
                    .result()
                    .get("rows")
                    .asInt())
            .isEqualTo(7);
      } finally {
        millrace.close();
      }
    }
  }

  /** The example's child handler: the parents' rows summed. */
  private static Object transform(JobContext<Map> job) {
    Millrace millrace = node;
    // In a child's handler: each parent's state and result, by step name.
    Map<String, WorkflowView.ParentResult> parents = millrace.workflows().parentResults(job.id());
    return Map.of(
        "rows", parents.values().stream().mapToInt(p -> p.result().get("rows").asInt()).sum());
  }
}
