package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Millrace#close()} gives running handlers until the shutdown timeout: one that finishes in
 * time completes normally on the closing node; one that does not is interrupted and handed back
 * (due now, the attempt not counted) so another node picks it up at once instead of waiting for a
 * lease to expire.
 */
class GracefulShutdownTest {
  TestDatabase db;
  Millrace client;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("shutdown");
    client = db.migratedClient();
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  @Test
  void handlerStillRunningAtTheDeadlineIsReleasedAndFinishedElsewhere() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    Millrace leaving =
        db.builder()
            .nodeId("leaving")
            .shutdownTimeout(Duration.ofMillis(300))
            .queue("default", 1)
            .handler(
                "work",
                Map.class,
                job -> {
                  started.countDown();
                  Thread.sleep(Long.MAX_VALUE);
                  return null;
                })
            .build();
    leaving.start();
    long id = client.enqueue(JobRequest.of("work", Map.of()).maxAttempts(3)).id();
    assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();

    leaving.close();

    Job released = client.admin().get(id).orElseThrow();
    assertThat(released.state()).isEqualTo(JobState.RETRYABLE);
    assertThat(released.attempt()).isEqualTo(1);
    assertThat(released.maxAttempts()).isEqualTo(4); // the released attempt is not counted
    assertThat(released.attemptedBy()).isNull();
    assertThat(released.errors()).isEmpty();

    try (Millrace staying =
        db.builder()
            .nodeId("staying")
            .queue("default", 1)
            .handler("work", Map.class, job -> Map.of("by", "staying"))
            .build()) {
      staying.start();
      Await.until(
          "the job completes on the other node",
          () -> client.admin().get(id).map(j -> j.state() == JobState.COMPLETED).orElse(false));
    }
    Job done = client.admin().get(id).orElseThrow();
    assertThat(done.attempt()).isEqualTo(2);
    assertThat(done.maxAttempts()).isEqualTo(4);
    assertThat(done.result().get("by").asText()).isEqualTo("staying");
    assertThat(done.errors()).isEmpty();
  }

  @Test
  void handlerFinishingBeforeTheDeadlineCompletesOnTheClosingNode() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch closing = new CountDownLatch(1);
    Millrace node =
        db.builder()
            .nodeId("finishing")
            .shutdownTimeout(Duration.ofSeconds(30))
            .queue("default", 1)
            .handler(
                "work",
                Map.class,
                job -> {
                  started.countDown();
                  closing.await();
                  Thread.sleep(300); // still running when close() starts waiting
                  return Map.of("finished", true);
                })
            .build();
    node.start();
    long id = client.enqueue(JobRequest.of("work", Map.of())).id();
    assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();

    closing.countDown();
    node.close();

    // close() returns only after the completion is written: no waiting needed.
    Job done = client.admin().get(id).orElseThrow();
    assertThat(done.state()).isEqualTo(JobState.COMPLETED);
    assertThat(done.attempt()).isEqualTo(1);
    assertThat(done.maxAttempts()).isEqualTo(JobRequest.DEFAULT_MAX_ATTEMPTS);
    assertThat(done.result().get("finished").asBoolean()).isTrue();
    assertThat(db.count("FROM {schema}.jobs")).isZero();
  }
}
