package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobError;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** millrace.retry, millrace.backoff and millrace.kinds.*.retry reach the node's retry policies. */
class MillraceRetryPropertiesTest {
  private static final TestDatabase db = TestDatabase.create("spring_retry");
  private static final Instant FAR = Instant.parse("9999-01-01T00:00:00Z");
  private static final Duration SKEW = Duration.ofMinutes(1);

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(MillraceAutoConfiguration.class))
          .withUserConfiguration(TestDataSource.class)
          .withPropertyValues(TestDataSource.fastNode(db.schema()))
          .withPropertyValues(
              "millrace.retry.max-attempts=4",
              "millrace.backoff.fixed=1h",
              "millrace.kinds[mail.send].retry.max-attempts=3",
              "millrace.kinds[mail.send].retry.backoff.fixed=2h",
              "millrace.kinds.parse.retry.non-retryable=java.lang.IllegalArgumentException",
              "millrace.queues.retry.concurrency=2");

  @AfterAll
  static void closePool() {
    db.close();
  }

  private static Job awaitState(Millrace m, long id, JobState state) {
    Await.until(
        "job " + id + " " + state,
        () -> m.admin().get(id).map(j -> j.state() == state).orElse(false));
    return m.admin().get(id).orElseThrow();
  }

  @Test
  void propertiesSetMaxAttemptsBackoffAndNonRetryableExceptionsPerKind() {
    runner
        .withBean(
            "mail",
            MillraceHandler.class,
            () ->
                MillraceHandler.of(
                    "mail.send",
                    Map.class,
                    job -> {
                      throw new IllegalStateException("smtp down");
                    }))
        .withBean(
            "parse",
            MillraceHandler.class,
            () -> MillraceHandler.of("parse", Map.class, job -> Integer.parseInt("x")))
        .withBean(
            "other", MillraceHandler.class, () -> MillraceHandler.of("other", Map.class, job -> 1))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              Millrace m = context.getBean(Millrace.class);
              MillraceTemplate t = context.getBean(MillraceTemplate.class);

              // Max attempts: the kind's, the node's, and a request's own over both.
              long mail = t.enqueue(JobRequest.of("mail.send", Map.of()).runAt(FAR)).id();
              long other = t.enqueue(JobRequest.of("other", Map.of()).runAt(FAR)).id();
              long own =
                  t.enqueue(JobRequest.of("mail.send", Map.of()).runAt(FAR).maxAttempts(9)).id();
              assertThat(m.admin().get(mail).orElseThrow().maxAttempts()).isEqualTo(3);
              assertThat(m.admin().get(other).orElseThrow().maxAttempts()).isEqualTo(4);
              assertThat(m.admin().get(own).orElseThrow().maxAttempts()).isEqualTo(9);

              // The kind's fixed backoff, read from the stored run_at.
              long failing = t.enqueue(JobRequest.of("mail.send", Map.of()).queue("retry")).id();
              Job retrying = awaitState(m, failing, JobState.RETRYABLE);
              Instant due = retrying.errors().get(0).at().plus(Duration.ofHours(2));
              assertThat(retrying.runAt()).isBetween(due.minus(SKEW), due.plus(SKEW));

              // A subclass of the listed exception fails the job at once.
              long parse = t.enqueue(JobRequest.of("parse", Map.of()).queue("retry")).id();
              Job failed = awaitState(m, parse, JobState.FAILED);
              assertThat(failed.attempt()).isEqualTo(1);
              assertThat(failed.errors())
                  .singleElement()
                  .extracting(JobError::message)
                  .asString()
                  .contains("NumberFormatException");
            });
  }

  @Test
  void theRetryPropertiesAreDescribedForIdes() throws Exception {
    try (java.io.InputStream in =
        MillraceProperties.class
            .getClassLoader()
            .getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
      assertThat(in).isNotNull();
      assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
          .contains("\"millrace.retry.max-attempts\"")
          .contains("\"millrace.retry.non-retryable\"")
          .contains("\"millrace.backoff.factor\"")
          .contains("\"millrace.backoff.fixed\"")
          .contains("\"millrace.kinds\"")
          .contains("Exception classes, by fully qualified name");
    }
  }
}
