package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * NOTIFY wakes idle workers; without LISTEN, polling alone still runs every job; and a queue that
 * keeps finding jobs rechecks by itself.
 */
class WakeupTest {
  @Test
  void notifyWakesAWorkerThatWouldOtherwiseSleepForMinutes() {
    try (TestDatabase db = TestDatabase.create("notify")) {
      Millrace node =
          db.builder()
              .pollInterval(Duration.ofMinutes(10))
              .handler("ping", Map.class, job -> "pong")
              .build();
      node.migrate();
      node.start();
      try {
        Await.until("node listening", Duration.ofSeconds(30), () -> listening(node));
        long id = node.enqueue(JobRequest.of("ping", Map.of())).id();
        // Only a notification can wake the worker before its ten-minute poll.
        Await.until(
            "job completed via NOTIFY",
            Duration.ofSeconds(60),
            () -> node.admin().get(id).map(j -> j.state() == JobState.COMPLETED).orElse(false));
      } finally {
        node.close();
      }
    }
  }

  @Test
  void aJobEnqueuedOnTheNodeWakesItsOwnClaimLoopWithoutNotifyOrPoll() throws Exception {
    // No LISTEN and a ten-minute poll: only the node's own enqueue can wake the claim loop, once
    // the enqueue has committed. A job due later and one enqueued in the caller's transaction are
    // not woken that way (the first is not due; only the caller knows when the second commits).
    try (TestDatabase db = TestDatabase.create("local_wake")) {
      Millrace node =
          db.builder()
              .listen(false)
              .pollInterval(Duration.ofMinutes(10))
              .queue("default", 2)
              .queue("other", 1)
              .handler("ping", Map.class, job -> "pong")
              .build();
      node.migrate();
      long first = node.enqueue(JobRequest.of("ping", Map.of("i", 0))).id();
      node.start();
      try {
        // The first claim takes the job that was there before start; once the queue has found
        // nothing for longer than its busy window, its loop sleeps for the poll interval.
        Await.until(
            "the job from before start completed",
            () -> node.admin().get(first).map(j -> j.state() == JobState.COMPLETED).orElse(false));
        Thread.sleep(QueueWorker.BUSY_WINDOW.multipliedBy(2).toMillis());
        long later = node.enqueue(JobRequest.of("ping", Map.of()).delay(Duration.ofHours(1))).id();
        var ids =
            node.enqueueAll(
                java.util.List.of(
                    JobRequest.of("ping", Map.of("i", 1)),
                    JobRequest.of("ping", Map.of("i", 2)).queue("other"),
                    JobRequest.of("ping", Map.of("i", 3))));
        for (var r : ids) {
          Await.until(
              "job " + r.id() + " completed without NOTIFY or poll",
              Duration.ofSeconds(60),
              () ->
                  node.admin().get(r.id()).map(j -> j.state() == JobState.COMPLETED).orElse(false));
        }
        assertThat(node.admin().get(later).orElseThrow().state()).isEqualTo(JobState.SCHEDULED);
      } finally {
        node.close();
      }
    }
  }

  @Test
  void pollingAloneWorksWithoutListen() {
    try (TestDatabase db = TestDatabase.create("poll")) {
      Millrace node =
          db.builder()
              .listen(false)
              .pollInterval(Duration.ofMillis(100))
              .handler("ping", Map.class, job -> "pong")
              .build();
      node.migrate();
      node.start();
      try {
        for (int i = 0; i < 20; i++) {
          node.enqueue(JobRequest.of("ping", Map.of("i", i)));
        }
        Await.until("all polled jobs completed", () -> db.count("FROM {schema}.jobs") == 0);
        assertThat(db.count("FROM {schema}.job_history WHERE state = 'completed'")).isEqualTo(20);
      } finally {
        node.close();
      }
    }
  }

  @Test
  void aStreamOfJobsKeepsFlowingWithoutNotifyOrPoll() throws Exception {
    // NOTIFY arrives late on a busy database; while a queue keeps finding jobs, its claim loop
    // rechecks within milliseconds instead of sleeping until a notification or the poll interval.
    try (TestDatabase db = TestDatabase.create("stream")) {
      BlockingQueue<Integer> started = new LinkedBlockingQueue<>();
      Millrace node =
          db.builder()
              .listen(false)
              .pollInterval(Duration.ofMinutes(10))
              .handler(
                  "step",
                  Map.class,
                  job -> {
                    started.add(((Number) job.args().get("i")).intValue());
                    return null;
                  })
              .build();
      node.migrate();
      node.enqueue(JobRequest.of("step", Map.of("i", 0))); // found by the first claim at start
      node.start();
      try {
        for (int i = 0; i < 10; i++) {
          // Each job is enqueued only once the one before it has started: with the ten-minute
          // poll and no LISTEN, only the loop's own rechecks can find it.
          assertThat(started.poll(60, TimeUnit.SECONDS)).as("job %d started", i).isEqualTo(i);
          node.enqueue(JobRequest.of("step", Map.of("i", i + 1)));
        }
        assertThat(started.poll(60, TimeUnit.SECONDS)).as("job 10 started").isEqualTo(10);
      } finally {
        node.close();
      }
    }
  }

  private static boolean listening(Millrace node) {
    return node.isListening();
  }
}
