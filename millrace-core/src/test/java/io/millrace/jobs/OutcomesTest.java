package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Every way an attempt can end, and the record it leaves. */
@Tag("compat")
class OutcomesTest {
  record Count(int n) {}

  static final Backoff BACKOFF = new Backoff(Duration.ofMillis(200), Duration.ofMillis(400), 0);
  static TestDatabase db;
  static Millrace node;
  static final Map<Long, AtomicInteger> snoozes = new ConcurrentHashMap<>();
  static final CountDownLatch cancellableStarted = new CountDownLatch(1);
  static final AtomicInteger flaky = new AtomicInteger();

  @BeforeAll
  static void start() {
    db = TestDatabase.create("outcomes");
    node =
        db.builder()
            .backoff(BACKOFF)
            .queue("default", 4)
            .handler(
                "always.fails",
                Map.class,
                job -> {
                  throw new IllegalStateException("boom on attempt " + job.attempt());
                })
            .handler(
                "flaky",
                Map.class,
                job -> {
                  if (flaky.incrementAndGet() < 3) {
                    throw new IllegalStateException("not yet");
                  }
                  return Map.of("ok", true);
                })
            .handler(
                "snoozer",
                Map.class,
                job -> {
                  if (snoozes.computeIfAbsent(job.id(), k -> new AtomicInteger()).incrementAndGet()
                      <= 2) {
                    return job.snooze(Duration.ofMillis(100));
                  }
                  return "woke";
                })
            .handler("gives.up", Map.class, job -> job.cancel("nothing to do"))
            .handler("typed", Count.class, job -> job.args().n() * 2)
            .handler(
                "slow",
                Map.class,
                job -> {
                  Thread.sleep(60_000);
                  return null;
                },
                Duration.ofMillis(300))
            .handler(
                "cancellable",
                Map.class,
                job -> {
                  cancellableStarted.countDown();
                  while (!job.isCancelled()) {
                    Thread.sleep(20);
                  }
                  job.checkCancelled();
                  return null;
                })
            .externalKinds("elsewhere")
            .build();
    node.migrate();
    node.start();
  }

  @AfterAll
  static void stop() {
    node.close();
    db.close();
  }

  private static Job awaitState(long id, JobState state) {
    Await.until(
        "job " + id + " " + state,
        () -> node.admin().get(id).map(j -> j.state() == state).orElse(false));
    return node.admin().get(id).orElseThrow();
  }

  @Test
  void retriesFollowTheBackoffThenFailWithEveryAttemptsError() {
    long id = node.enqueue(JobRequest.of("always.fails", Map.of()).maxAttempts(3)).id();
    Job job = awaitState(id, JobState.FAILED);
    assertThat(job.attempt()).isEqualTo(3);
    List<JobError> errors = job.errors();
    assertThat(errors).extracting(JobError::attempt).containsExactly(1, 2, 3);
    for (JobError e : errors) {
      assertThat(e.message())
          .contains("IllegalStateException")
          .contains("boom on attempt " + e.attempt());
      assertThat(e.stack()).contains("OutcomesTest");
      assertThat(e.node()).isEqualTo(node.nodeId());
    }
    // Each retry waited at least its backoff (jitter 0): 200 ms after attempt 1, 400 ms after 2.
    assertThat(Duration.between(errors.get(0).at(), errors.get(1).at()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(200));
    assertThat(Duration.between(errors.get(1).at(), errors.get(2).at()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(400));
  }

  @Test
  void aFlakyJobSucceedsOnItsThirdAttempt() {
    long id = node.enqueue(JobRequest.of("flaky", Map.of())).id();
    Job job = awaitState(id, JobState.COMPLETED);
    assertThat(job.attempt()).isEqualTo(3);
    assertThat(job.errors()).hasSize(2);
    assertThat(job.result().get("ok").asBoolean()).isTrue();
  }

  @Test
  void snoozeDoesNotSpendAttempts() {
    long id = node.enqueue(JobRequest.of("snoozer", Map.of()).maxAttempts(1)).id();
    Job job = awaitState(id, JobState.COMPLETED);
    assertThat(job.result().asText()).isEqualTo("woke");
    assertThat(job.attempt()).isEqualTo(3);
    assertThat(job.maxAttempts()).isEqualTo(3);
  }

  @Test
  void aHandlerCanCancelItsJob() {
    long id = node.enqueue(JobRequest.of("gives.up", Map.of())).id();
    Job job = awaitState(id, JobState.CANCELLED);
    assertThat(job.errors())
        .last()
        .extracting(JobError::message)
        .asString()
        .contains("nothing to do");
  }

  @Test
  void argsAreDeserialisedIntoTheHandlersType() {
    long id = node.enqueue(JobRequest.of("typed", new Count(21))).id();
    assertThat(awaitState(id, JobState.COMPLETED).result().asInt()).isEqualTo(42);
  }

  @Test
  void undeserialisableArgsFailAtOnceWithAClearError() {
    long id = node.enqueue(JobRequest.ofJson("typed", "{\"n\":\"not a number\"}")).id();
    Job job = awaitState(id, JobState.FAILED);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.errors().get(0).message())
        .contains("args could not be deserialised into")
        .contains("Count");
  }

  @Test
  void anUnknownKindIsRecordedAsAFailureNotDropped() {
    long id = node.enqueue(JobRequest.of("elsewhere", Map.of()).maxAttempts(2)).id();
    Job job = awaitState(id, JobState.FAILED);
    assertThat(job.errors()).hasSize(2);
    assertThat(job.errors().get(0).message())
        .contains("no handler is registered for kind 'elsewhere'");
  }

  @Test
  void aTimedOutAttemptIsInterruptedAndCountsAsFailed() {
    long id = node.enqueue(JobRequest.of("slow", Map.of()).maxAttempts(1)).id();
    Job job = awaitState(id, JobState.FAILED);
    assertThat(job.errors().get(0).message()).contains("timed out after PT0.3S");
  }

  @Test
  void aPerJobTimeoutOverridesTheKindsTimeout() {
    long id =
        node.enqueue(JobRequest.of("slow", Map.of()).maxAttempts(1).timeout(Duration.ofMillis(100)))
            .id();
    Job job = awaitState(id, JobState.FAILED);
    assertThat(job.errors().get(0).message()).contains("timed out after PT0.1S");
  }

  @Test
  void cancellingAQueuedJobAndARunningJob() throws Exception {
    long queued =
        node.enqueue(JobRequest.of("cancellable", Map.of()).delay(Duration.ofHours(1))).id();
    assertThat(node.admin().cancel(queued)).isEqualTo(JobAdmin.CancelResult.CANCELLED);
    assertThat(node.admin().get(queued).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
    assertThat(node.admin().cancel(queued)).isEqualTo(JobAdmin.CancelResult.ALREADY_FINISHED);

    long running = node.enqueue(JobRequest.of("cancellable", Map.of())).id();
    cancellableStarted.await();
    awaitState(running, JobState.RUNNING);
    assertThat(node.admin().cancel(running)).isEqualTo(JobAdmin.CancelResult.CANCEL_REQUESTED);
    Job job = awaitState(running, JobState.CANCELLED);
    assertThat(job.errors())
        .last()
        .extracting(JobError::message)
        .asString()
        .contains("cancelled while running");
    assertThat(node.admin().cancel(-1)).isEqualTo(JobAdmin.CancelResult.NOT_FOUND);
  }

  @Test
  void anOperatorCanRetryAFailedJob() {
    long id = node.enqueue(JobRequest.of("always.fails", Map.of()).maxAttempts(1)).id();
    awaitState(id, JobState.FAILED);
    assertThat(node.admin().retry(id)).isEqualTo(JobAdmin.RetryResult.RETRYING);
    Job job = awaitState(id, JobState.FAILED);
    Await.until(
        "second attempt recorded", () -> node.admin().get(id).orElseThrow().errors().size() == 2);
    assertThat(node.admin().get(id).orElseThrow().attempt()).isEqualTo(2);
    assertThat(job.id()).isEqualTo(id);
    assertThat(node.admin().retry(-1)).isEqualTo(JobAdmin.RetryResult.NOT_FOUND);
  }

  @Test
  void scheduledJobsWaitForTheirTime() {
    long id = node.enqueue(JobRequest.of("typed", new Count(1)).delay(Duration.ofSeconds(3))).id();
    Job waiting = node.admin().get(id).orElseThrow();
    assertThat(waiting.state()).isEqualTo(JobState.SCHEDULED);
    Job done = awaitState(id, JobState.COMPLETED);
    assertThat(done.finishedAt()).isAfterOrEqualTo(waiting.runAt());
  }
}
