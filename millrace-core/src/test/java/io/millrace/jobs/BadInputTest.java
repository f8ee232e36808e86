package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.Millrace;
import io.millrace.base.ValidationException;
import io.millrace.schema.SchemaName;
import io.millrace.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad input is rejected at the boundary with the field named, and nothing is written. */
class BadInputTest {
  static TestDatabase db;
  static Millrace node;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("badinput");
    node = db.builder().maxArgsBytes(1024).handler("known", Map.class, job -> null).build();
    node.migrate();
  }

  @AfterAll
  static void stop() {
    node.close();
    db.close();
  }

  private static void assertField(Runnable action, String field, String messagePart) {
    assertThatThrownBy(action::run)
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo(field))
        .hasMessageContaining(messagePart);
  }

  @Test
  void invalidJsonArgs() {
    assertField(() -> JobRequest.ofJson("known", "{\"a\":"), "args", "not valid JSON");
    assertField(() -> JobRequest.ofJson("known", "42"), "args", "JSON object or array");
    assertField(() -> JobRequest.ofJson("known", " "), "args", "JSON object");
  }

  @Test
  void unknownKindOnANodeWithHandlers() {
    assertField(() -> node.enqueue(JobRequest.of("unknown.kind", Map.of())), "kind", "unknown");
    assertThat(db.count("FROM {schema}.jobs")).isZero();
  }

  @Test
  void invalidNamesAndNumbers() {
    assertField(
        () -> JobRequest.of("known", Map.of()).maxAttempts(-1), "maxAttempts", "between 1 and");
    assertField(
        () -> JobRequest.of("known", Map.of()).maxAttempts(0), "maxAttempts", "between 1 and");
    assertField(() -> JobRequest.of("known", Map.of()).priority(5000), "priority", "between");
    assertField(() -> JobRequest.of("bad kind!", Map.of()), "kind", "not valid");
    assertField(() -> JobRequest.of("known", Map.of()).queue("q;drop table"), "queue", "not valid");
    assertField(() -> JobRequest.of("known", Map.of()).tags("ok", "not ok"), "tags", "not valid");
    assertField(
        () -> JobRequest.of("known", Map.of()).delay(java.time.Duration.ofSeconds(-1)),
        "delay",
        "zero or positive");
  }

  @Test
  void oversizePayloadInABulkWritesNothing() {
    String big = "x".repeat(2000);
    List<JobRequest> batch =
        List.of(
            JobRequest.of("known", Map.of("n", 1)),
            JobRequest.of("known", Map.of("blob", big)),
            JobRequest.of("known", Map.of("n", 3)));
    assertField(() -> node.enqueueAll(batch), "args", "over the limit of 1024 bytes");
    assertThat(db.count("FROM {schema}.jobs")).isZero();
  }

  @Test
  void invalidSchemaName() {
    assertField(
        () -> SchemaName.of("Robert'); DROP TABLE students;--"),
        "schema",
        "not a valid schema name");
    assertField(() -> SchemaName.of("1abc"), "schema", "not a valid schema name");
    assertField(() -> SchemaName.of("pg_catalog"), "schema", "reserved");
    assertField(
        () -> Millrace.builder(db.dataSource()).schema("a-b"), "schema", "not a valid schema name");
  }

  @Test
  void badCronExpression() {
    assertField(() -> Schedule.cron("61 * * * *"), "cron", "not a valid cron expression");
    assertField(() -> Schedule.cron("every minute"), "cron", "not a valid cron expression");
    assertField(() -> Schedule.cron(""), "cron", "must not be empty");
    assertField(
        () -> Schedule.every(java.time.Duration.ofMillis(10)), "schedule", "at least 1 second");
  }

  @Test
  void badConfiguration() {
    assertField(
        () -> Millrace.builder(db.dataSource()).queue("default", 0), "concurrency", "between 1");
    assertField(
        () ->
            Millrace.builder(db.dataSource())
                .lease(java.time.Duration.ofSeconds(1))
                .heartbeat(java.time.Duration.ofSeconds(2))
                .build(),
        "heartbeat",
        "shorter than the lease");
  }
}
