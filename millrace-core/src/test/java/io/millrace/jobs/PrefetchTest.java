package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Jobs claimed ahead wait in memory: a cancel stops them before they start; shutdown hands them
 * back.
 */
class PrefetchTest {
  @Test
  void aBufferedJobCancelledBeforeItStartsNeverRuns() throws Exception {
    try (TestDatabase db = TestDatabase.create("prefetch_cancel")) {
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger runs = new AtomicInteger();
      Millrace node =
          db.builder()
              .queue("default", 1)
              .prefetch(5)
              .handler(
                  "block",
                  Map.class,
                  job -> {
                    runs.incrementAndGet();
                    release.await();
                    return null;
                  })
              .build();
      node.migrate();
      node.start();
      try {
        long first = node.enqueue(JobRequest.of("block", Map.of())).id();
        Await.until("first job running", () -> runs.get() == 1);
        long buffered = node.enqueue(JobRequest.of("block", Map.of())).id();
        Await.until(
            "second job claimed into the buffer",
            () -> node.admin().get(buffered).map(j -> j.state() == JobState.RUNNING).orElse(false));
        assertThat(node.admin().cancel(buffered)).isEqualTo(JobAdmin.CancelResult.CANCEL_REQUESTED);
        // The node learns of the cancel from its NOTIFY at once, or from the next heartbeat (every
        // 500 ms here). Only then may the handler thread free up; released earlier, it would start
        // the job before the cancel arrived (a legitimate outcome, but not the one under test).
        Thread.sleep(2_000);
        release.countDown();
        Await.until(
            "buffered job cancelled",
            () ->
                node.admin().get(buffered).map(j -> j.state() == JobState.CANCELLED).orElse(false));
        Job cancelled = node.admin().get(buffered).orElseThrow();
        assertThat(cancelled.errors())
            .last()
            .extracting(JobError::message)
            .asString()
            .contains("cancelled before it started");
        Await.until(
            "first job completed",
            () -> node.admin().get(first).map(j -> j.state() == JobState.COMPLETED).orElse(false));
        assertThat(runs.get()).isEqualTo(1);
      } finally {
        release.countDown();
        node.close();
      }
    }
  }

  @Test
  void shutdownReleasesBufferedJobsWithoutSpendingAnAttempt() throws Exception {
    try (TestDatabase db = TestDatabase.create("prefetch_release")) {
      CountDownLatch started = new CountDownLatch(1);
      AtomicInteger runs = new AtomicInteger();
      Millrace node =
          db.builder()
              .queue("default", 1)
              .prefetch(5)
              .shutdownTimeout(Duration.ofMillis(300))
              .handler(
                  "block",
                  Map.class,
                  job -> {
                    runs.incrementAndGet();
                    started.countDown();
                    Thread.sleep(60_000);
                    return null;
                  })
              .build();
      node.migrate();
      List<EnqueueResult> jobs =
          node.enqueueAll(
              List.of(
                  JobRequest.of("block", Map.of()).maxAttempts(3),
                      JobRequest.of("block", Map.of()).maxAttempts(3),
                  JobRequest.of("block", Map.of()).maxAttempts(3),
                      JobRequest.of("block", Map.of()).maxAttempts(3)));
      node.start();
      started.await();
      Await.until(
          "all four claimed (one running, three buffered)",
          () -> db.count("FROM {schema}.jobs WHERE state = 'running'") == 4);
      node.close();
      assertThat(runs.get()).isEqualTo(1);
      for (EnqueueResult r : jobs) {
        Job job = node.admin().get(r.id()).orElseThrow();
        assertThat(job.state()).isIn(JobState.RETRYABLE, JobState.AVAILABLE);
        assertThat(job.attempt()).isEqualTo(1);
        assertThat(job.maxAttempts()).as("released: the attempt is not spent").isEqualTo(4);
      }
    }
  }
}
