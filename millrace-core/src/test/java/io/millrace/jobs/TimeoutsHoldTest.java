package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A timeout is a fact in the database at the deadline, whether or not the handler cooperates: the
 * attempt is recorded failed then, a late return changes nothing, and a thread that never comes
 * back is counted and not replaced.
 */
class TimeoutsHoldTest {
  static TestDatabase db;
  static Millrace node;

  /** What the database said about a job at the moment its deaf first attempt returned. */
  static final Map<Long, Job> seenAtLateReturn = new ConcurrentHashMap<>();

  static final CountDownLatch releaseHung = new CountDownLatch(1);
  static final CountDownLatch hungStarted = new CountDownLatch(1);

  @BeforeAll
  static void start() {
    db = TestDatabase.create("timeouts");
    node =
        db.builder()
            .backoff(new Backoff(Duration.ofMillis(100), Duration.ofMillis(200), 0))
            .queue("deaf", 2)
            .queue("hung", 1)
            .handler(
                "deaf",
                Map.class,
                job -> {
                  if (job.attempt() > 1) {
                    return "on time";
                  }
                  // Sleeps through every interrupt and returns after 3 s.
                  long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                  while (System.nanoTime() < until) {
                    try {
                      Thread.sleep(Math.max(1, (until - System.nanoTime()) / 1_000_000));
                    } catch (InterruptedException ignored) {
                      // deliberately deaf
                    }
                  }
                  seenAtLateReturn.put(job.id(), node.admin().get(job.id()).orElseThrow());
                  return "late";
                },
                Duration.ofSeconds(1))
            .handler(
                "hangs",
                Map.class,
                job -> {
                  hungStarted.countDown();
                  while (true) {
                    try {
                      if (releaseHung.await(1, TimeUnit.DAYS)) {
                        return "released";
                      }
                    } catch (InterruptedException ignored) {
                      // deliberately deaf
                    }
                  }
                },
                Duration.ofSeconds(1))
            .handler("quick", Map.class, job -> "quick")
            .build();
    node.migrate();
    node.start();
  }

  @AfterAll
  static void stop() {
    releaseHung.countDown();
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
  void aHandlerThatIgnoresTheInterruptIsTimedOutAtTheDeadlineAndItsLateResultIsDiscarded() {
    long id = node.enqueue(JobRequest.of("deaf", Map.of()).queue("deaf").maxAttempts(3)).id();
    Job job = awaitState(id, JobState.COMPLETED);
    Await.until("attempt 1 returned", () -> seenAtLateReturn.containsKey(id));

    // By the time attempt 1 returned (3 s in), the database had already moved on from it.
    Job seen = seenAtLateReturn.get(id);
    assertThat(seen.state() == JobState.RUNNING && seen.attempt() == 1)
        .as("attempt 1 was still running when its handler returned: " + seen)
        .isFalse();
    assertThat(seen.errors()).extracting(JobError::attempt).contains(1);

    assertThat(job.attempt()).isEqualTo(2);
    assertThat(job.result().asText()).isEqualTo("on time");
    assertThat(job.errors()).hasSize(1);
    assertThat(job.errors().get(0).attempt()).isEqualTo(1);
    assertThat(job.errors().get(0).message()).isEqualTo("timed out after PT1S");
    // The late "late" never lands: the job stays as attempt 2 left it.
    Await.until("the deaf thread is back", () -> node.overrunHandlers() == 0);
    assertThat(node.admin().get(id).orElseThrow().result().asText()).isEqualTo("on time");
    assertThat(db.count("FROM {schema}.job_history WHERE id = " + id)).isEqualTo(1);
    assertThat(node.meters().get("millrace.jobs.timeouts").tag("queue", "deaf").counter().count())
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void aHungHandlerIsFailedAtTheDeadlineAndItsThreadIsCountedNotReplaced() throws Exception {
    long hung = node.enqueue(JobRequest.of("hangs", Map.of()).queue("hung").maxAttempts(1)).id();
    hungStarted.await();
    long waiting = node.enqueue(JobRequest.of("quick", Map.of()).queue("hung")).id();

    Job failed = awaitState(hung, JobState.FAILED);
    assertThat(failed.errors().get(0).message()).isEqualTo("timed out after PT1S");
    assertThat(db.count("FROM {schema}.jobs WHERE id = " + hung))
        .as("nothing left to renew")
        .isZero();
    Await.until("the hung thread counted as overrun", () -> node.overrunHandlers() == 1);
    assertThat(
            node.meters()
                .get("millrace.jobs.overrun.handlers")
                .tag("queue", "hung")
                .gauge()
                .value())
        .isEqualTo(1.0);

    // The queue's only thread is stuck: the node holds no job for it (the waiting one is handed
    // back, not leased here) and starts no extra thread.
    Await.until(
        "the waiting job handed back",
        () ->
            db.count(
                    "FROM {schema}.jobs WHERE id = "
                        + waiting
                        + " AND state <> 'running' AND lease_expires_at IS NULL")
                == 1);
    assertThat(
            Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("millrace-hung-"))
                .count())
        .isEqualTo(1);

    releaseHung.countDown();
    awaitState(waiting, JobState.COMPLETED);
    Await.until("no thread overrun", () -> node.overrunHandlers() == 0);
    assertThat(node.admin().get(hung).orElseThrow().state()).isEqualTo(JobState.FAILED);
  }
}
