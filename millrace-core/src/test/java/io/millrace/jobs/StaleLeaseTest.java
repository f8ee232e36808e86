package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node whose heartbeats cannot get through for longer than the lease does not start a buffered
 * job on the strength of that lease: the leader may already have rescued it for another node. It
 * waits for a heartbeat, which here reports the lease lost, and the job runs once, later, under a
 * new attempt.
 */
class StaleLeaseTest {
  static final Duration LEASE = Duration.ofSeconds(3);
  static TestDatabase db;
  static Millrace node;
  static final CountDownLatch releaseFirst = new CountDownLatch(1);
  static final CountDownLatch firstStarted = new CountDownLatch(1);
  static final AtomicInteger firstReturned = new AtomicInteger();
  static final Map<Long, AtomicInteger> effects = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() {
    db = TestDatabase.create("stalelease");
    node =
        db.builder()
            .lease(LEASE)
            .queue("q", 1)
            .prefetch(5)
            .handler(
                "first",
                Map.class,
                job -> {
                  firstStarted.countDown();
                  releaseFirst.await();
                  firstReturned.incrementAndGet();
                  return null;
                })
            .handler(
                "effect",
                Map.class,
                job -> {
                  effects.computeIfAbsent(job.id(), k -> new AtomicInteger()).incrementAndGet();
                  return null;
                })
            .build();
    node.migrate();
    node.start();
  }

  @AfterAll
  static void stop() {
    releaseFirst.countDown();
    node.close();
    db.close();
  }

  @Test
  void aBufferedJobWhoseLeaseCannotBeConfirmedDoesNotStart() throws Exception {
    long first = node.enqueue(JobRequest.of("first", Map.of()).queue("q")).id();
    firstStarted.await();
    long buffered = node.enqueue(JobRequest.of("effect", Map.of()).queue("q")).id();
    Await.until(
        "the second job claimed into the buffer",
        () ->
            db.count("FROM {schema}.jobs WHERE id = " + buffered + " AND state = 'running'") == 1);

    try (Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        // Holding the buffered job's row stalls every heartbeat of this node (it locks the rows it
        // renews): for the node, the database is unreachable.
        s.execute(sql("SELECT id FROM {schema}.jobs WHERE id = " + buffered + " FOR UPDATE"));
        // The fault lasts longer than the lease.
        Thread.sleep(LEASE.plusMillis(500).toMillis());
        releaseFirst.countDown();
        Await.until("the first handler returned", () -> firstReturned.get() == 1);
        Await.until(
            "the handler thread waits for the lease, or ran the job",
            () -> effects.containsKey(buffered) || handlerThreadAwaitsLease());
        // Meanwhile the leader rescued the job (as it would, its lease having expired).
        s.executeUpdate(
            sql(
                "UPDATE {schema}.jobs SET state = 'retryable', attempted_by = NULL,"
                    + " lease_expires_at = NULL, run_at = now() + interval '1 hour'"
                    + " WHERE id = "
                    + buffered));
      }
      c.commit();
    }
    Await.until(
        "the first job completed",
        () -> node.admin().get(first).map(j -> j.state() == JobState.COMPLETED).orElse(false));
    assertThat(effects).as("the stale attempt never started").doesNotContainKey(buffered);

    db.execute("UPDATE {schema}.jobs SET run_at = now() WHERE id = " + buffered);
    Await.until(
        "the job ran under its next attempt",
        () -> node.admin().get(buffered).map(j -> j.state() == JobState.COMPLETED).orElse(false));
    assertThat(effects.get(buffered).get()).isEqualTo(1);
    assertThat(node.admin().get(buffered).orElseThrow().attempt()).isEqualTo(2);
  }

  private static boolean handlerThreadAwaitsLease() {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(e -> e.getKey().getName().startsWith("millrace-q-"))
        .anyMatch(
            e -> Arrays.stream(e.getValue()).anyMatch(f -> f.getMethodName().equals("awaitLease")));
  }

  private static String sql(String text) {
    return text.replace("{schema}", '"' + db.schema() + '"');
  }
}
