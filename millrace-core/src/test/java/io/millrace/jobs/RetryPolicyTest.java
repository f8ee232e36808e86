package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.schema.SchemaName;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.SubmittedWorkflow;
import io.millrace.workflows.WorkflowRequest;
import io.millrace.workflows.WorkflowView;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retry policies against a running node: which max attempts a job is stored with, the backoff it
 * waits (read from the stored run_at, never from the clock), and the failures that end it at once.
 */
class RetryPolicyTest {
  /** Retries of kinds without a policy wait an hour: a job that fails twice here was retried. */
  static final RetryPolicy NODE_DEFAULT = RetryPolicy.of(5, Backoff.fixed(Duration.ofHours(1)));

  static final Duration SKEW = Duration.ofMinutes(1);

  static TestDatabase db;
  static Millrace node;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("retry_policy");
    node =
        db.builder()
            .queue("default", 4)
            .retryPolicy(NODE_DEFAULT)
            .retryPolicy("limited", RetryPolicy.of(2, Backoff.fixed(Duration.ofMillis(10))))
            .retryPolicy(
                "backs.off",
                RetryPolicy.of(
                    5, Backoff.exponential(Duration.ofHours(1), 3, Duration.ofHours(2), 0.5)))
            .retryPolicy("fixed", RetryPolicy.of(5, Backoff.fixed(Duration.ofMinutes(90))))
            .retryPolicy("parses", NODE_DEFAULT.withNonRetryable(IllegalArgumentException.class))
            .retryPolicy(
                "slow", NODE_DEFAULT.withNonRetryable(InterruptedException.class, Exception.class))
            .retryPolicy("wf.fails", NODE_DEFAULT.withMaxAttempts(7))
            .handler("limited", Map.class, RetryPolicyTest::boom)
            .handler("backs.off", Map.class, RetryPolicyTest::boom)
            .handler("fixed", Map.class, RetryPolicyTest::boom)
            .handler(
                "plain",
                Map.class,
                job -> {
                  throw new IllegalArgumentException("listed for another kind only");
                })
            .handler(
                "declined",
                Map.class,
                job -> {
                  throw new NonRetryableException("card declined: 4242");
                })
            .handler("parses", Map.class, job -> Integer.parseInt("not a number"))
            .handler(
                "wrapped",
                Map.class,
                job -> {
                  throw new ExecutionException(new NonRetryableException("gone for good"));
                })
            .handler(
                "slow",
                Map.class,
                job -> {
                  Thread.sleep(60_000);
                  return null;
                },
                Duration.ofMillis(200))
            .handler(
                "wf.fails",
                Map.class,
                job -> {
                  throw new NonRetryableException("step a cannot succeed");
                })
            .handler("wf.after", Map.class, job -> "ran")
            .periodic(
                PeriodicJob.of(
                    "limited-yearly",
                    Schedule.cron("0 0 1 1 *"),
                    JobRequest.of("limited", Map.of())))
            .build();
    node.migrate();
    node.start();
  }

  @AfterAll
  static void stop() {
    node.close();
    db.close();
  }

  private static Object boom(JobContext<?> job) {
    throw new IllegalStateException("boom on attempt " + job.attempt());
  }

  private static Job awaitState(long id, JobState state) {
    Await.until(
        "job " + id + " " + state,
        () -> node.admin().get(id).map(j -> j.state() == state).orElse(false));
    return node.admin().get(id).orElseThrow();
  }

  private static Job stored(long id) {
    return node.admin().get(id).orElseThrow();
  }

  @Test
  void theKindsPolicyDecidesMaxAttempts() {
    long id = node.enqueue(JobRequest.of("limited", Map.of())).id();
    Job job = awaitState(id, JobState.FAILED);
    assertThat(job.maxAttempts()).isEqualTo(2);
    assertThat(job.attempt()).isEqualTo(2);
    assertThat(job.errors()).extracting(JobError::attempt).containsExactly(1, 2);
  }

  @Test
  void aRequestsOwnMaxAttemptsWinOverTheKindsPolicy() {
    long id = node.enqueue(JobRequest.of("limited", Map.of()).maxAttempts(3)).id();
    Job job = awaitState(id, JobState.FAILED);
    assertThat(job.maxAttempts()).isEqualTo(3);
    assertThat(job.attempt()).isEqualTo(3);
  }

  @Test
  void kindsWithoutAPolicyTakeTheNodesDefault() {
    // Decided at enqueue and stored: read before any attempt runs (the jobs are due far ahead).
    long id =
        node.enqueue(JobRequest.of("plain", Map.of()).runAt(Instant.parse("9999-01-01T00:00:00Z")))
            .id();
    assertThat(stored(id).maxAttempts()).isEqualTo(NODE_DEFAULT.maxAttempts());
    long batch =
        node.enqueueAll(
                java.util.List.of(
                    JobRequest.of("limited", Map.of()).runAt(Instant.parse("9999-01-01T00:00:00Z")),
                    JobRequest.of("plain", Map.of()).runAt(Instant.parse("9999-01-01T00:00:00Z"))))
            .get(0)
            .id();
    assertThat(stored(batch).maxAttempts()).isEqualTo(2);
  }

  @Test
  void aPeriodicJobsTemplateTakesItsKindsMaxAttemptsWhenItSetsNone() {
    assertThat(
            db.column(
                "SELECT max_attempts::text FROM {schema}.schedules WHERE name = 'limited-yearly'"))
        .containsExactly("2");
  }

  @Test
  void theFirstRetryWaitsTheKindsBackoffWithinItsJitter() {
    long id = node.enqueue(JobRequest.of("backs.off", Map.of())).id();
    Job job = awaitState(id, JobState.RETRYABLE);
    Instant failedAt = job.errors().get(0).at();
    // base 1 h, jitter 0.5: between 30 min and 1 h after the failure.
    assertThat(job.runAt())
        .isBetween(
            failedAt.plus(Duration.ofMinutes(30)).minus(SKEW),
            failedAt.plus(Duration.ofHours(1)).plus(SKEW));
  }

  @Test
  void aFixedBackoffWaitsTheSameEveryTime() {
    long id = node.enqueue(JobRequest.of("fixed", Map.of())).id();
    Job job = awaitState(id, JobState.RETRYABLE);
    Instant failedAt = job.errors().get(0).at();
    Instant due = failedAt.plus(Duration.ofMinutes(90));
    assertThat(job.runAt()).isBetween(due.minus(SKEW), due.plus(SKEW));
  }

  @Test
  void aNonRetryableExceptionFailsTheJobAtOnce() {
    long id = node.enqueue(JobRequest.of("declined", Map.of())).id();
    Job job = awaitState(id, JobState.FAILED);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.maxAttempts()).isEqualTo(5);
    assertThat(job.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.attempt()).isEqualTo(1);
              assertThat(e.message())
                  .startsWith("non-retryable: ")
                  .contains("NonRetryableException")
                  .contains("card declined: 4242");
              assertThat(e.stack()).contains("RetryPolicyTest");
            });
  }

  @Test
  void aSubclassOfAListedExceptionFailsTheJobAtOnce() {
    // NumberFormatException extends IllegalArgumentException, which "parses" lists.
    long id = node.enqueue(JobRequest.of("parses", Map.of())).id();
    Job job = awaitState(id, JobState.FAILED);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.errors())
        .singleElement()
        .extracting(JobError::message)
        .asString()
        .contains("NumberFormatException");
  }

  @Test
  void aNonRetryableCauseFailsTheJobAtOnce() {
    long id = node.enqueue(JobRequest.of("wrapped", Map.of())).id();
    Job job = awaitState(id, JobState.FAILED);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.errors())
        .singleElement()
        .extracting(JobError::stack)
        .asString()
        .contains("gone for good");
  }

  @Test
  void anExceptionListedForAnotherKindIsRetried() {
    long id = node.enqueue(JobRequest.of("plain", Map.of())).id();
    Job job = awaitState(id, JobState.RETRYABLE);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.errors())
        .singleElement()
        .extracting(JobError::message)
        .asString()
        .doesNotStartWith("non-retryable");
  }

  @Test
  void aTimeoutStaysRetryableWhateverThePolicyLists() {
    long id = node.enqueue(JobRequest.of("slow", Map.of())).id();
    Job job = awaitState(id, JobState.RETRYABLE);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.errors())
        .singleElement()
        .extracting(JobError::message)
        .asString()
        .contains("timed out");
  }

  @Test
  void aWorkflowStepThatFailsAtOnceIsATerminalFailureForItsDependants() {
    SubmittedWorkflow wf =
        node.workflows()
            .submit(
                WorkflowRequest.named("non-retryable")
                    .step("a", JobRequest.of("wf.fails", Map.of()))
                    .step("b", JobRequest.of("wf.after", Map.of()), "a"));
    Job a = awaitState(wf.jobId("a"), JobState.FAILED);
    assertThat(a.maxAttempts()).isEqualTo(7); // the step's kind policy, as for any job
    assertThat(a.attempt()).isEqualTo(1);
    awaitState(wf.jobId("b"), JobState.SKIPPED);
    Await.until(
        "workflow finished",
        () ->
            node.workflows().get(wf.id()).orElseThrow().workflow().status()
                == WorkflowView.Status.FINISHED_WITH_FAILURES);
  }

  @Test
  void rescueCountsTheLostAttemptAgainstThePolicysMaxAttempts() throws Exception {
    Millrace client =
        db.builder().retryPolicy("rescued", RetryPolicy.DEFAULT.withMaxAttempts(1)).build();
    try {
      long id = client.enqueue(JobRequest.of("rescued", Map.of()).queue("rescue")).id();
      assertThat(stored(id).maxAttempts()).isEqualTo(1);
      JobStore store = new JobStore(db.dataSource(), SchemaName.of(db.schema()));
      store.claim("rescue", 1, "node-gone", Duration.ofSeconds(30));
      db.execute(
          "UPDATE {schema}.jobs SET lease_expires_at = now() - interval '1 second' WHERE id = "
              + id);
      assertThat(new Rescuer(db.dataSource(), SchemaName.of(db.schema())).rescue()).isEqualTo(1);
      Job failed = stored(id);
      assertThat(failed.state()).isEqualTo(JobState.FAILED);
      assertThat(failed.errors())
          .singleElement()
          .extracting(JobError::message)
          .asString()
          .contains("lease expired");
    } finally {
      client.close();
    }
  }

  /** Thrown by the documented example's mailer for an address no retry can fix. */
  static final class InvalidAddressException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidAddressException(String message) {
      super(message);
    }
  }

  /** The example of docs/jobs.md, "Retry policies": each kind is stored with its own attempts. */
  @Test
  void theDocumentedPoliciesDecideEachKindsAttempts() {
    javax.sql.DataSource dataSource = db.dataSource();
    Millrace client =
        Millrace.builder(dataSource)
            .retryPolicy(RetryPolicy.DEFAULT.withMaxAttempts(10)) // every other kind
            .retryPolicy(
                "email.send",
                RetryPolicy.DEFAULT
                    .withMaxAttempts(5)
                    .withBackoff(
                        Backoff.exponential(Duration.ofSeconds(10), 3, Duration.ofMinutes(30), 0.1))
                    .withNonRetryable(InvalidAddressException.class))
            .retryPolicy("report.render", RetryPolicy.of(3, Backoff.fixed(Duration.ofMinutes(5))))
            .schema(db.schema())
            .build();
    try {
      Instant later = Instant.parse("9999-01-01T00:00:00Z");
      assertThat(stored(client.enqueue(JobRequest.of("email.send", Map.of()).runAt(later)).id()))
          .extracting(Job::maxAttempts)
          .isEqualTo(5);
      assertThat(stored(client.enqueue(JobRequest.of("report.render", Map.of()).runAt(later)).id()))
          .extracting(Job::maxAttempts)
          .isEqualTo(3);
      assertThat(stored(client.enqueue(JobRequest.of("other", Map.of()).runAt(later)).id()))
          .extracting(Job::maxAttempts)
          .isEqualTo(10);
    } finally {
      client.close();
    }
  }
}
