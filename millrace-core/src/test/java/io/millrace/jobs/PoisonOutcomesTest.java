package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a handler hands back that PostgreSQL cannot store (U+0000, lone surrogates, non-finite
 * numbers, huge texts) ends its own attempt in a defined state with a clear error, and never stops
 * the node from recording anything else. Args carry placeholders ({NUL}, {HI}, {LO}, {HUGE}) that
 * the handlers expand, so the poison is made by the handler, not refused at enqueue.
 */
class PoisonOutcomesTest {
  record Text(String text) {
    String decoded() {
      return text.replace("{NUL}", "\u0000")
          .replace("{HI}", "\uD800")
          .replace("{LO}", "\uDC00")
          .replace("{HUGE}", "x".repeat(200_000));
    }
  }

  static final Duration WAIT = Duration.ofSeconds(30);
  static TestDatabase db;
  static Millrace node;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("poison");
    node =
        db.builder()
            .backoff(new Backoff(Duration.ofMillis(100), Duration.ofMillis(200), 0))
            // One statement for the whole burst: the poison shares its batch with healthy jobs.
            .completionLinger(Duration.ofMillis(200))
            .queue("default", 8)
            .handler("echo", Text.class, job -> Map.of("text", job.args().decoded()))
            .handler("nan", Map.class, job -> Map.of("ratio", Double.NaN))
            .handler(
                "throws",
                Text.class,
                job -> {
                  throw new IllegalStateException(job.args().decoded());
                })
            .handler("gives.up", Text.class, job -> job.cancel(job.args().decoded()))
            .handler(
                "snoozes.forever",
                Map.class,
                job -> new Outcome.Snooze(Duration.ofDays(365L * 1_000)))
            .build();
    node.migrate();
    node.start();
  }

  @AfterAll
  static void stop() {
    node.close();
    db.close();
  }

  private static Job awaitFinished(long id) {
    Await.until(
        "job " + id + " finished",
        WAIT,
        () -> node.admin().get(id).map(j -> j.finishedAt() != null).orElse(false));
    return node.admin().get(id).orElseThrow();
  }

  @Test
  void aPoisonResultFailsAloneWhileEveryHealthyJobInItsBatchCompletes() {
    List<JobRequest> burst = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      burst.add(JobRequest.of("echo", new Text(i == 30 ? "nul {NUL} here" : "fine " + i)));
    }
    burst.add(JobRequest.of("echo", new Text("lone {HI} surrogate")));
    burst.add(JobRequest.of("nan", Map.of()));
    List<Long> ids = node.enqueueAll(burst).stream().map(EnqueueResult::id).toList();

    for (int i = 0; i < 60; i++) {
      Job job = awaitFinished(ids.get(i));
      if (i == 30) {
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.attempt()).as("not retried: its effects already ran").isEqualTo(1);
        assertThat(job.errors().get(0).message())
            .contains("result cannot be stored")
            .contains("result.text")
            .contains("U+0000");
      } else {
        assertThat(job.state()).isEqualTo(JobState.COMPLETED);
        assertThat(job.result().get("text").asText()).isEqualTo("fine " + i);
      }
    }
    assertThat(awaitFinished(ids.get(60)).errors().get(0).message()).contains("lone UTF-16");
    assertThat(awaitFinished(ids.get(61)).errors().get(0).message())
        .contains("result.ratio")
        .contains("not finite");

    // The node keeps completing later jobs.
    long later = node.enqueue(JobRequest.of("echo", new Text("later"))).id();
    assertThat(awaitFinished(later).state()).isEqualTo(JobState.COMPLETED);
  }

  @Test
  void anExceptionMessageWithNulIsRecordedEscapedNotLost() {
    long id = node.enqueue(JobRequest.of("throws", new Text("bad {NUL} byte")).maxAttempts(1)).id();
    Job job = awaitFinished(id);
    assertThat(job.state()).isEqualTo(JobState.FAILED);
    JobError error = job.errors().get(0);
    assertThat(error.message())
        .isEqualTo("java.lang.IllegalStateException: bad \\u0000 byte")
        .doesNotContain("lease expired");
    assertThat(error.stack()).contains("bad \\u0000 byte").contains("PoisonOutcomesTest");
  }

  @Test
  void aLoneSurrogateInAnExceptionMessageBecomesAReplacementCharacter() {
    long id = node.enqueue(JobRequest.of("throws", new Text("half {LO} pair")).maxAttempts(1)).id();
    assertThat(awaitFinished(id).errors().get(0).message())
        .isEqualTo("java.lang.IllegalStateException: half \uFFFD pair");
  }

  @Test
  void aHugeExceptionMessageIsCappedWithAMarker() {
    long id = node.enqueue(JobRequest.of("throws", new Text("{HUGE}")).maxAttempts(1)).id();
    JobError error = awaitFinished(id).errors().get(0);
    assertThat(error.message().length()).isLessThan(8_100);
    assertThat(error.message()).endsWith("(truncated)");
    assertThat(error.stack().length()).isLessThan(8_100);
    assertThat(error.stack()).endsWith("(truncated)");
  }

  @Test
  void aCancelReasonWithNulIsRecordedEscaped() {
    long id = node.enqueue(JobRequest.of("gives.up", new Text("why {NUL} not"))).id();
    Job job = awaitFinished(id);
    assertThat(job.state()).isEqualTo(JobState.CANCELLED);
    assertThat(job.errors().get(0).message()).isEqualTo("cancelled by handler: why \\u0000 not");
  }

  @Test
  void aSnoozeBeyondWhatCanBeStoredFailsTheJobClearly() {
    long id = node.enqueue(JobRequest.of("snoozes.forever", Map.of())).id();
    Job job = awaitFinished(id);
    assertThat(job.state()).isEqualTo(JobState.FAILED);
    assertThat(job.errors().get(0).message()).contains("snooze cannot be stored");
  }
}
