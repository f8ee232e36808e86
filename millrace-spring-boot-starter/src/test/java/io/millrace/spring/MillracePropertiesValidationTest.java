package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.testing.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Every value the builder refuses fails start-up with the property's own name, never a builder
 * field the user did not write. One row per setting the starter passes on (several settings in a
 * row are separated by ";").
 */
class MillracePropertiesValidationTest {
  private static final TestDatabase db = TestDatabase.create("spring_validation");

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(MillraceAutoConfiguration.class))
          .withUserConfiguration(TestDataSource.class)
          .withPropertyValues("millrace.schema=" + db.schema(), "millrace.migrate=false");

  @AfterAll
  static void closePool() {
    db.close();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "millrace.queues.default.concurrency=-1 | millrace.queues.default.concurrency",
        "millrace.queues.bulk.concurrency=10001 | millrace.queues.bulk.concurrency",
        "millrace.queues[mail.bulk].concurrency=0 | millrace.queues[mail.bulk].concurrency",
        "millrace.queues[bad queue].concurrency=1 | millrace.queues[bad queue]",
        "millrace.schema=Not-A-Schema | millrace.schema",
        "millrace.node-id=n123456789n123456789n123456789n123456789n123456789n123456789n123456789n123456789n123456789n123456789n123456789n123456789n123456789 | millrace.node-id",
        "millrace.lease=0s | millrace.lease",
        "millrace.heartbeat=-1s | millrace.heartbeat",
        "millrace.heartbeat=40s | millrace.heartbeat",
        "millrace.rescue-grace=-1s | millrace.rescue-grace",
        "millrace.poll-interval=0ms | millrace.poll-interval",
        "millrace.fetch-batch=0 | millrace.fetch-batch",
        "millrace.prefetch=-1 | millrace.prefetch",
        "millrace.completion-batch=10001 | millrace.completion-batch",
        "millrace.completion-linger=-1ms | millrace.completion-linger",
        "millrace.backoff.jitter=1.5 | millrace.backoff.jitter",
        "millrace.backoff.base=2h | millrace.backoff.base",
        "millrace.backoff.max=-1s | millrace.backoff.max",
        "millrace.backoff.factor=0.5 | millrace.backoff.factor",
        "millrace.backoff.fixed=-1s | millrace.backoff.fixed",
        "millrace.backoff.fixed=1s;millrace.backoff.base=2s | millrace.backoff.fixed",
        "millrace.retry.max-attempts=0 | millrace.retry.max-attempts",
        "millrace.retry.non-retryable=com.example.NoSuchException | millrace.retry.non-retryable",
        "millrace.retry.non-retryable=java.lang.String | millrace.retry.non-retryable",
        "millrace.kinds[mail.send].retry.max-attempts=1001 | millrace.kinds[mail.send].retry.max-attempts",
        "millrace.kinds[mail.send].retry.backoff.jitter=2 | millrace.kinds[mail.send].retry.backoff.jitter",
        "millrace.kinds[mail.send].retry.backoff.base=2h | millrace.kinds[mail.send].retry.backoff.base",
        "millrace.kinds.report.retry.non-retryable=java.lang.IllegalStateException,nope.Missing | millrace.kinds.report.retry.non-retryable",
        "millrace.kinds[bad kind].retry.max-attempts=3 | millrace.kinds[bad kind]",
        "millrace.maintenance-interval=0s | millrace.maintenance-interval",
        "millrace.housekeeping-interval=-5m | millrace.housekeeping-interval",
        "millrace.retention.completed=-1d | millrace.retention.completed",
        "millrace.retention.failed=-1d | millrace.retention.failed",
        "millrace.retention.cancelled=-1d | millrace.retention.cancelled",
        "millrace.retention.skipped=-1d | millrace.retention.skipped",
        "millrace.max-args-bytes=1 | millrace.max-args-bytes",
        "millrace.misfire-threshold=0s | millrace.misfire-threshold",
        "millrace.max-replica-lag=-1s | millrace.max-replica-lag",
        "millrace.shutdown-timeout=-1s | millrace.shutdown-timeout",
        "millrace.shutdown-timeout=30s | millrace.shutdown-timeout",
        "millrace.counts-refresh-interval=0s | millrace.counts-refresh-interval",
        "millrace.workflows.stale-after=-1s | millrace.workflows.stale-after",
        "millrace.workflows.reconcile-batch=0 | millrace.workflows.reconcile-batch",
        "millrace.workflows.namespace=a b | millrace.workflows.namespace",
        "millrace.workflows.tag=a b | millrace.workflows.tag",
        "millrace.workflows.retention=-1d | millrace.workflows.retention",
      })
  void aRefusedValueFailsStartUpNamingItsProperty(String setting, String property) {
    runner
        .withPropertyValues(setting.split(";"))
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .isInstanceOfSatisfying(
                        InvalidConfigurationPropertyValueException.class,
                        e -> assertThat(e.getName()).isEqualTo(property))
                    .hasMessageContaining(property));
  }
}
