package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("compat")
class JobLifecycleTest {
  record Greeting(String name) {}

  static TestDatabase db;
  static Millrace node;
  static final Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() {
    db = TestDatabase.create("lifecycle");
    node =
        db.builder()
            .queue("default", 4)
            .handler(
                "greet",
                Greeting.class,
                job -> {
                  runs.computeIfAbsent(job.id(), k -> new AtomicInteger()).incrementAndGet();
                  return Map.of("greeting", "hello " + job.args().name());
                })
            .build();
    node.migrate();
    node.start();
  }

  @AfterAll
  static void stop() {
    node.close();
    db.close();
  }

  @Test
  void committedJobRunsAndKeepsItsResult() {
    long id = node.enqueue(JobRequest.of("greet", new Greeting("ada"))).id();
    Await.until(
        "job completed",
        () -> node.admin().get(id).map(j -> j.state() == JobState.COMPLETED).orElse(false));
    Job job = node.admin().get(id).orElseThrow();
    assertThat(job.result().get("greeting").asText()).isEqualTo("hello ada");
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(runs.get(id).get()).isEqualTo(1);
    assertThat(db.count("FROM {schema}.jobs WHERE id = " + id)).isZero();
  }

  @Test
  void rolledBackTransactionLeavesNoJob() throws Exception {
    long id;
    try (Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(false);
      id = node.enqueue(c, JobRequest.of("greet", new Greeting("nobody"))).id();
      c.rollback();
    }
    assertThat(node.admin().get(id)).isEmpty();
    long committed;
    try (Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(false);
      committed = node.enqueue(c, JobRequest.of("greet", new Greeting("grace"))).id();
      c.commit();
    }
    Await.until(
        "committed job completed",
        () -> node.admin().get(committed).map(j -> j.state() == JobState.COMPLETED).orElse(false));
    assertThat(node.admin().get(id)).isEmpty();
    assertThat(runs).doesNotContainKey(id);
  }

  @Test
  void jsonArgsRoundTrip() {
    long id = node.enqueue(JobRequest.ofJson("greet", "{\"name\":\"json\"}")).id();
    Await.until(
        "job completed",
        () -> node.admin().get(id).map(j -> j.state() == JobState.COMPLETED).orElse(false));
    JsonNode args = node.admin().get(id).orElseThrow().args();
    assertThat(args.get("name").asText()).isEqualTo("json");
  }
}
