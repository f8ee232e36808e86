package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.Millrace;
import io.millrace.base.ValidationException;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Values PostgreSQL cannot hold are refused at the Java API with the field named, and nothing is
 * written; instants PostgreSQL can hold read back as they were stored, before 1582 too.
 */
class UnstorableValuesTest {
  static TestDatabase db;
  static Millrace node;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("unstorable");
    node =
        db.builder()
            .nodeId("values-node")
            .queue("work", 1)
            .handler("known", Map.class, job -> Map.of("ok", true))
            .externalKinds("later")
            .build();
    node.migrate();
    node.start();
  }

  @AfterAll
  static void stop() {
    node.close();
    db.close();
  }

  private static void assertRejected(Runnable action, String field) {
    long before = db.count("FROM {schema}.jobs") + db.count("FROM {schema}.job_history");
    assertThatThrownBy(action::run)
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo(field));
    assertThat(db.count("FROM {schema}.jobs") + db.count("FROM {schema}.job_history"))
        .isEqualTo(before);
  }

  @Test
  void nulInArgsIsRefusedNamingArgs() {
    assertRejected(() -> node.enqueue(JobRequest.of("later", Map.of("name", "a\u0000b"))), "args");
    assertRejected(
        () -> node.enqueue(JobRequest.ofJson("later", "{\"name\":\"a\\u0000b\"}")), "args");
    assertRejected(() -> node.enqueue(JobRequest.ofJson("later", "{\"a\\u0000\":1}")), "args");
    assertRejected(() -> node.enqueue(JobRequest.ofJson("later", "[\"\\ud800\"]")), "args");
  }

  @Test
  void decimalsAreKeptExactlyAndRefusedPastTheDigitLimit() {
    // Read as a double, 1e-1499 became 0.0: stored as a silently different value, or (as event
    // text) stored exactly and handed back by jsonb as 1,500 digits no reader here accepts.
    assertRejected(() -> node.enqueue(JobRequest.ofJson("later", "{\"x\":1e-1499}")), "args");
    assertRejected(() -> node.enqueue(JobRequest.ofJson("later", "{\"x\":1e1499}")), "args");
    // jsonb keeps a decimal's scale: 0E-1500 comes back as 1,502 characters, though it is zero.
    assertRejected(() -> node.enqueue(JobRequest.ofJson("later", "{\"x\":0E-1500}")), "args");
    assertThatThrownBy(
            () ->
                node.events()
                    .append(
                        "decimals",
                        io.millrace.projections.EventStore.ANY,
                        java.util.List.of(
                            new io.millrace.projections.NewEvent("t", "{\"x\":0E-1500}", null))))
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo("data"));
    long id = node.enqueue(JobRequest.ofJson("later", "{\"x\":1.50e-300}")).id();
    assertThat(node.admin().get(id).orElseThrow().args().get("x").asDouble()).isEqualTo(1.5e-300);
  }

  @Test
  void nulInUniqueKeyIsRefusedNamingUniqueKey() {
    assertRejected(
        () -> node.enqueue(JobRequest.of("later", Map.of()).uniqueKey("key\u0000")), "uniqueKey");
  }

  @Test
  void runAtOutsideTheStoredRangeIsRefused() {
    assertRejected(
        () ->
            node.enqueue(
                JobRequest.of("later", Map.of()).runAt(Instant.parse("+10000-01-01T00:00:00Z"))),
        "runAt");
    assertRejected(
        () ->
            node.enqueue(
                JobRequest.of("later", Map.of()).runAt(Instant.parse("0000-06-15T00:00:00Z"))),
        "runAt");
  }

  @Test
  void hugeDelayAndTimeoutAreRefused() {
    // ApiValueProperties found it: a positive timeout under 1 ms was stored as timeout_ms = 0.
    assertRejected(
        () -> node.enqueue(JobRequest.of("later", Map.of()).timeout(Duration.ofNanos(999_999))),
        "timeout");
    assertRejected(
        () ->
            node.enqueue(
                JobRequest.of("later", Map.of()).delay(Duration.ofSeconds(Long.MAX_VALUE))),
        "delay");
    assertRejected(
        () -> node.enqueue(JobRequest.of("later", Map.of()).delay(Duration.ofDays(40_000))),
        "delay");
    assertRejected(
        () ->
            node.enqueue(
                JobRequest.of("later", Map.of()).timeout(Duration.ofSeconds(Long.MAX_VALUE))),
        "timeout");
  }

  @Test
  void aCreationTimeFilterOutsideTheStoredRangeIsRefused() {
    assertThatThrownBy(
            () ->
                node.admin()
                    .list(
                        new JobAdmin.Filter(
                            null,
                            null,
                            null,
                            null,
                            Instant.parse("-5000-01-01T00:00:00Z"),
                            null,
                            null,
                            10)))
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo("createdFrom"));
  }

  @Test
  void aRunAtBefore1582ReadsBackAsStored() {
    Instant runAt = Instant.parse("1500-06-15T00:00:00Z");
    long id = node.enqueue(JobRequest.of("later", Map.of()).queue("idle").runAt(runAt)).id();
    assertThat(node.admin().get(id).orElseThrow().runAt()).isEqualTo(runAt);
    assertThat(
            db.column(
                "SELECT (run_at AT TIME ZONE 'UTC')::date::text FROM {schema}.jobs WHERE id = "
                    + id))
        .containsExactly("1500-06-15");
  }

  @Test
  void aFinishedJobKeepsWhenAndWhereItWasAttempted() {
    long id = node.enqueue(JobRequest.of("known", Map.of()).queue("work")).id();
    Await.until(
        "job completed",
        () -> node.admin().get(id).map(j -> j.state() == JobState.COMPLETED).orElse(false));
    Job job = node.admin().get(id).orElseThrow();
    assertThat(job.attemptedBy()).isEqualTo("values-node");
    assertThat(job.attemptedAt()).isNotNull().isBeforeOrEqualTo(job.finishedAt());
    assertThat(job.attemptedAt()).isAfterOrEqualTo(job.createdAt());
    Job listed =
        node
            .admin()
            .list(new JobAdmin.Filter("work", JobState.COMPLETED, null, null, null, 10))
            .stream()
            .filter(j -> j.id() == id)
            .findFirst()
            .orElseThrow();
    assertThat(listed.attemptedBy()).isEqualTo("values-node");
    assertThat(listed.attemptedAt()).isEqualTo(job.attemptedAt());
  }
}
