package io.millrace.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.jobs.EnqueueResult;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

/** Closing the context drains the node: a handler running then finishes and its job completes. */
class MillraceLifecycleTest {
  private static final TestDatabase db = TestDatabase.create("spring_lifecycle");

  @AfterAll
  static void closePool() {
    db.close();
  }

  @Test
  void closingTheContextLetsARunningHandlerFinishAndRecordsItsCompletion() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<EnqueueResult> job = new AtomicReference<>();
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MillraceAutoConfiguration.class))
        .withUserConfiguration(TestDataSource.class)
        .withPropertyValues(TestDataSource.fastNode(db.schema()))
        .withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=20s")
        .withBean(
            "slow",
            MillraceHandler.class,
            () ->
                MillraceHandler.of(
                    "slow",
                    Map.class,
                    j -> {
                      started.countDown();
                      // Waits for the test, which releases it only once shutdown has begun.
                      assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
                      return "finished";
                    }))
        .run(
            context -> {
              Millrace millrace = context.getBean(Millrace.class);
              job.set(millrace.enqueue(JobRequest.of("slow", Map.of())));
              assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
              Thread closer = new Thread(() -> ((ConfigurableApplicationContext) context).close());
              closer.start();
              Await.until(
                  "the node's drain has begun",
                  () ->
                      Thread.getAllStackTraces().keySet().stream()
                          .anyMatch(t -> t.getName().equals("millrace-shutdown")));
              release.countDown();
              closer.join(30_000);
              assertThat(closer.isAlive()).isFalse();
            });
    assertThat(db.column("SELECT state FROM {schema}.job_history WHERE id = " + job.get().id()))
        .as("the drained job completed instead of being released")
        .containsExactly(JobState.COMPLETED.name().toLowerCase(java.util.Locale.ROOT));
  }
}
