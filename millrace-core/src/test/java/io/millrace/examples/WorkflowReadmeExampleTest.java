package io.millrace.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The README's workflow example, run as written. */
class WorkflowReadmeExampleTest {
  @Test
  void theWorkflowExampleRuns() throws Exception {
    try (TestDatabase db = TestDatabase.create("readmewf")) {
      AtomicReference<Millrace> self = new AtomicReference<>();
      Millrace millrace =
          db.builder()
              .handler(
                  "etl.extract",
                  Map.class,
                  job -> Map.of("rows", job.args().get("source").equals("a") ? 3 : 4))
              .handler(
                  "etl.transform",
                  Map.class,
                  job -> {
                    // In a child's handler: each parent's state and result, by step name.
                    Map<String, WorkflowView.ParentResult> parents =
                        self.get().workflows().parentResults(job.id());
                    return Map.of(
                        "rows",
                        parents.values().stream()
                            .mapToInt(p -> p.result().get("rows").asInt())
                            .sum());
                  })
              .handler("etl.alert", Map.class, job -> null)
              .handler("etl.load", Map.class, job -> null)
              .build();
      self.set(millrace);
      millrace.migrate();
      millrace.start();
      try {
        SubmittedWorkflow wf;
        try (Connection connection = db.dataSource().getConnection()) {
          connection.setAutoCommit(false);
          wf =
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
        }
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
}
