package io.millrace.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.Millrace;
import io.millrace.base.TypeRef;
import io.millrace.base.ValidationException;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.jobs.NonRetryableException;
import io.millrace.jobs.PeriodicJob;
import io.millrace.jobs.RetryPolicy;
import io.millrace.jobs.Schedule;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The kit on the embedded PostgreSQL, through the extension, as an application uses it. */
@MillraceTest
class MillraceTestKitTest {
  record Invoice(String customer, List<Integer> lines) {}

  record Line(String sku, int quantity) {}

  private final MillraceTestKit kit;

  MillraceTestKitTest(MillraceTestKit kit) {
    this.kit = kit;
  }

  @Test
  void theSameKitReachesConstructorsAndMethodsAndItsSchemaIsMigrated(MillraceTestKit injected) {
    assertThat(injected).isSameAs(kit);
    assertThat(kit.schema()).startsWith("mt_millracetestkittest_");
    assertThat(kit.client().enqueue(JobRequest.of("kit.probe", Map.of())).id()).isPositive();
  }

  @Test
  void aHandlersReturnValueIsTheResultOfACompletedJob() {
    Job job =
        kit.runJob(
            kit.builder()
                .handler(
                    "invoice.total",
                    Invoice.class,
                    j -> j.args().lines().stream().mapToInt(Integer::intValue).sum()),
            JobRequest.of("invoice.total", new Invoice("ada", List.of(12, 30))));

    assertThat(job.state()).isEqualTo(JobState.COMPLETED);
    assertThat(job.result()).isNotNull();
    assertThat(job.result().asInt()).isEqualTo(42);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.queue()).startsWith("millrace_test_run_");
  }

  @Test
  void genericArgsAreBoundByTheNodesCodec() {
    Job job =
        kit.runJob(
            kit.builder()
                .handler(
                    "lines.count",
                    new TypeRef<List<Line>>() {},
                    j -> j.args().stream().mapToInt(Line::quantity).sum()),
            JobRequest.of("lines.count", List.of(new Line("a", 2), new Line("b", 5))));

    assertThat(job.state()).isEqualTo(JobState.COMPLETED);
    assertThat(job.result().asInt()).isEqualTo(7);
  }

  @Test
  void argsThatDoNotBindFailTheJobAtOnceAsOnANode() {
    Job job =
        kit.runJob(
            "invoice.strict", Invoice.class, j -> "unreachable", Map.of("customer", List.of()));

    assertThat(job.state()).isEqualTo(JobState.FAILED);
    assertThat(job.errors())
        .singleElement()
        .satisfies(e -> assertThat(e.message()).contains("args could not be deserialised"));
  }

  @Test
  void anExceptionIsARetryWhileAttemptsRemain() {
    Job job =
        kit.runJob(
            "flaky.call",
            Map.class,
            j -> {
              throw new IllegalStateException("the partner is down");
            },
            Map.of("n", 1));

    assertThat(job.state()).isEqualTo(JobState.RETRYABLE);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.errors())
        .singleElement()
        .satisfies(e -> assertThat(e.message()).contains("the partner is down"));
  }

  @Test
  void nonRetryableExceptionsAndTheKindsPolicyFailTheJobAtOnce() {
    Job thrown =
        kit.runJob(
            "bad.input",
            Map.class,
            j -> {
              throw new NonRetryableException("no such customer");
            },
            Map.of());
    assertThat(thrown.state()).isEqualTo(JobState.FAILED);
    assertThat(thrown.errors().get(0).message()).contains("non-retryable", "no such customer");

    Job listed =
        kit.runJob(
            kit.builder()
                .retryPolicy(
                    "parse.input",
                    RetryPolicy.DEFAULT.withNonRetryable(IllegalArgumentException.class))
                .handler(
                    "parse.input",
                    String.class,
                    j -> Integer.parseInt(j.args())), // NumberFormatException is an IAE
            JobRequest.of("parse.input", "forty-two"));
    assertThat(listed.state()).isEqualTo(JobState.FAILED);
    assertThat(listed.attempt()).isEqualTo(1);
  }

  @Test
  void theLastAttemptFailsForGood() {
    Job job =
        kit.runJob(
            kit.builder()
                .handler(
                    "once.only",
                    Map.class,
                    j -> {
                      throw new IllegalStateException("still down");
                    }),
            JobRequest.of("once.only", Map.of()).maxAttempts(1));
    assertThat(job.state()).isEqualTo(JobState.FAILED);
  }

  @Test
  void snoozeAndCancelAreRecordedAsANodeRecordsThem() {
    Job snoozed =
        kit.runJob("later.please", Map.class, j -> j.snooze(Duration.ofHours(1)), Map.of());
    assertThat(snoozed.state()).isEqualTo(JobState.SCHEDULED);
    assertThat(snoozed.errors()).isEmpty();

    Job cancelled = kit.runJob("not.needed", Map.class, j -> j.cancel("nothing to do"), Map.of());
    assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
    assertThat(cancelled.errors().get(0).message()).contains("nothing to do");
  }

  @Test
  void aKindTheNodeHasNoHandlerForIsRefusedAtEnqueue() {
    assertThatThrownBy(
            () ->
                kit.runJob(
                    kit.builder().handler("known.kind", Map.class, j -> null),
                    JobRequest.of("unknown.kind", Map.of())))
        .isInstanceOf(ValidationException.class);
    assertThatThrownBy(
            () ->
                kit.runJob(
                    kit.builder().handler("known.kind", Map.class, j -> null),
                    JobRequest.of("known.kind", Map.of()).delay(Duration.ofHours(1))))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("runAt");
  }

  @Test
  void enqueuedJobsAreFoundByKindAndArgsInsideTheTransactionAndNotAfterItsRollback()
      throws Exception {
    AtomicInteger seen = new AtomicInteger();
    kit.inRolledBackTransaction(
        connection -> {
          kit.client()
              .enqueue(
                  connection,
                  JobRequest.of("email.welcome", Map.of("to", "ada@example.com", "lang", "en")));
          List<EnqueuedJob> found =
              kit.assertEnqueued(connection, "email.welcome", Map.of("to", "ada@example.com"));
          assertThat(found)
              .singleElement()
              .satisfies(j -> assertThat(j.queue()).isEqualTo("default"));
          seen.set(found.size());
          // Uncommitted: another connection sees nothing.
          kit.assertNotEnqueued("email.welcome");
          assertThatThrownBy(
                  () ->
                      kit.assertEnqueued(
                          connection, "email.welcome", Map.of("to", "grace@example.com")))
              .isInstanceOf(AssertionFailedError.class)
              .hasMessageContaining("grace@example.com")
              .hasMessageContaining("1 with other args");
        });
    assertThat(seen).hasValue(1);
    kit.assertNotEnqueued("email.welcome");
    assertThatThrownBy(() -> kit.assertEnqueued("email.welcome"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("found none");
  }

  @Test
  void committedJobsAreFoundByKindAndAssertNotEnqueuedNamesThem() {
    kit.client().enqueue(JobRequest.of("report.build", Map.of("month", "2026-11")));
    assertThat(kit.assertEnqueued("report.build", Map.of("month", "2026-11")))
        .singleElement()
        .satisfies(j -> assertThat(j.args().get("month").asText()).isEqualTo("2026-11"));
    assertThatThrownBy(() -> kit.assertNotEnqueued("report.build"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("2026-11");
  }

  @Test
  void drainWaitsUntilTheQueueIsIdleAndNotForJobsDueLater() {
    AtomicInteger ran = new AtomicInteger();
    try (Millrace node =
        kit.builder()
            .queue("drained", 4)
            .handler(
                "count.me",
                Map.class,
                j -> {
                  ran.incrementAndGet();
                  return null;
                })
            .build()) {
      for (int i = 0; i < 20; i++) {
        node.enqueue(JobRequest.of("count.me", Map.of("i", i)).queue("drained"));
      }
      node.enqueue(
          JobRequest.of("count.me", Map.of("later", true))
              .queue("drained")
              .delay(Duration.ofHours(1)));
      node.start();
      kit.drain("drained");
      assertThat(ran).hasValue(20);
      assertThat(kit.assertEnqueued("count.me", Map.of("later", true)))
          .singleElement()
          .satisfies(j -> assertThat(j.state()).isEqualTo(JobState.SCHEDULED));
    }
  }

  @Test
  void drainFailsNamingWhatWasLeft() {
    kit.client().enqueue(JobRequest.of("nobody.runs", Map.of()).queue("unworked"));
    assertThatThrownBy(() -> kit.drain(Duration.ofMillis(100), "unworked"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("unworked/nobody.runs available x1");
  }

  @Test
  void runJobRunsOnlyItsOwnJob() {
    long other = kit.client().enqueue(JobRequest.of("solo.job", Map.of("other", true))).id();
    Job job = kit.runJob("solo.job", Map.class, j -> "ran", Map.of("mine", true));
    assertThat(job.state()).isEqualTo(JobState.COMPLETED);
    assertThat(kit.client().admin().get(other))
        .hasValueSatisfying(j -> assertThat(j.attempt()).isZero());
  }

  @Test
  void advancingSchedulesFiresEachTickOnceWithoutWaiting() {
    AtomicInteger ran = new AtomicInteger();
    try (Millrace node =
        kit.builder()
            .queue("digests", 2)
            .periodic(
                PeriodicJob.of(
                    "hourly-digest",
                    Schedule.every(Duration.ofHours(1)),
                    JobRequest.of("digest.send", Map.of("period", "hour")).queue("digests")))
            .handler(
                "digest.send",
                Map.class,
                j -> {
                  ran.incrementAndGet();
                  return null;
                })
            .build()) {
      node.start();
      assertThat(kit.advanceSchedules(Duration.ofMinutes(30))).isZero();
      assertThat(kit.advanceSchedules(Duration.ofMinutes(30))).isEqualTo(1);
      // The same instant again, or the leader on its wall clock: the tick is not fired twice.
      assertThat(kit.advanceSchedules(Duration.ZERO)).isZero();
      node.runMaintenance();
      kit.drain("digests");
      assertThat(ran).hasValue(1);
      assertThat(kit.advanceSchedules(Duration.ofHours(1))).isEqualTo(1);
      kit.drain("digests");
      assertThat(ran).hasValue(2);
    }
  }
}
