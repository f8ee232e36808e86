package io.millrace.counts;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.schema.SchemaMigrator;
import io.millrace.schema.SchemaName;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("compat")
class CountsTest {
  private static QueueCounts queue(CountsReport report, String name) {
    return report.queues().stream().filter(q -> q.queue().equals(name)).findFirst().orElseThrow();
  }

  private static double gauge(Millrace node, String queue, String state) {
    var g = node.meters().find("millrace.queue.jobs").tags("queue", queue, "state", state).gauge();
    return g == null ? -1 : g.value();
  }

  private static void insertHistory(TestDatabase db, long id, String queue, String state) {
    db.execute(
        "INSERT INTO {schema}.job_history (id, queue, kind, args, state, priority, attempt, max_attempts,"
            + " tags, errors, created_at, finished_at) VALUES ("
            + id
            + ", '"
            + queue
            + "', 'k', '{}', '"
            + state
            + "', 0, 1, 1, '{}', '[]', now(), now())");
  }

  @Test
  void aFreshSchemaIsTrustedAndCountsEveryState() {
    try (TestDatabase db = TestDatabase.create("counts_fresh")) {
      Millrace node =
          db.builder()
              .queue("q", 2)
              .handler("ok", Map.class, job -> null)
              .handler(
                  "bad",
                  Map.class,
                  job -> {
                    throw new IllegalStateException("no");
                  })
              .build();
      node.migrate();
      assertThat(node.counts().trusted()).isTrue();
      node.start();
      try {
        List<JobRequest> jobs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          jobs.add(JobRequest.of("ok", Map.of()).queue("q"));
        }
        jobs.add(JobRequest.of("bad", Map.of()).queue("q").maxAttempts(1));
        node.enqueueAll(jobs);
        long waiting =
            node.enqueue(
                    JobRequest.of("ok", Map.of()).queue("q").delay(java.time.Duration.ofHours(1)))
                .id();
        long toCancel =
            node.enqueue(
                    JobRequest.of("ok", Map.of()).queue("q").delay(java.time.Duration.ofHours(1)))
                .id();
        node.admin().cancel(toCancel);
        Await.until(
            "all due jobs finished",
            () -> queue(node.counts().exact(List.of("q")), "q").terminal() == 32);
        QueueCounts q = queue(node.counts().exact(List.of("q")), "q");
        assertThat(q.completed()).isEqualTo(30);
        assertThat(q.failed()).isEqualTo(1);
        assertThat(q.cancelled()).isEqualTo(1);
        assertThat(q.scheduled()).isEqualTo(1);
        assertThat(q.available() + q.running() + q.retryable()).isZero();
        // Trusted counters: the fast read never scans history and agrees with the exact one.
        assertThat(node.counts().fast(List.of("q")).queues())
            .isEqualTo(node.counts().exact(List.of("q")).queues());
        assertThat(node.counts().verify(false)).isEmpty();
        assertThat(waiting).isPositive();
        // The same numbers as Prometheus gauges, refreshed on the node's timer.
        Await.until("gauges refreshed", () -> gauge(node, "q", "terminal") == 32);
        assertThat(gauge(node, "q", "completed")).isEqualTo(30);
        assertThat(gauge(node, "q", "scheduled")).isEqualTo(1);
        assertThat(node.meters().get("millrace.counters.trusted").gauge().value()).isEqualTo(1);
      } finally {
        node.close();
      }
    }
  }

  @Test
  void driftFallsBackToTheScanUntilRebuilt() {
    try (TestDatabase db = TestDatabase.create("counts_drift")) {
      Millrace client = db.migratedClient();
      Counts counts = client.counts();
      long id = client.enqueue(JobRequest.of("k", Map.of()).queue("d")).id();
      client.admin().cancel(id);
      assertThat(queue(counts.exact(List.of("d")), "d").cancelled()).isEqualTo(1);

      // An orphan history row written behind Millrace's back (a restore, a manual insert).
      insertHistory(db, 999_999, "d", "completed");
      assertThat(counts.verify(false)).containsExactly(new Drift("d", "completed", 0, 1));
      assertThat(counts.trusted()).isTrue();
      assertThat(queue(counts.exact(List.of("d")), "d").completed())
          .isZero(); // trusted counters lie

      assertThat(counts.verify(true)).hasSize(1);
      assertThat(counts.trusted()).isFalse();
      CountsReport scanned = counts.exact(List.of("d"));
      assertThat(scanned.fromCounters()).isFalse();
      assertThat(queue(scanned, "d").completed()).isEqualTo(1);
      assertThat(queue(scanned, "d").cancelled()).isEqualTo(1);
      // fast: the untrusted counters, here below the truth (see HistoryGuardTest for above)
      assertThat(queue(counts.fast(List.of("d")), "d").completed()).isZero();

      counts.rebuild();
      assertThat(counts.trusted()).isTrue();
      CountsReport rebuilt = counts.exact(List.of("d"));
      assertThat(rebuilt.fromCounters()).isTrue();
      assertThat(queue(rebuilt, "d").completed()).isEqualTo(1);
      assertThat(queue(rebuilt, "d").cancelled()).isEqualTo(1);
      assertThat(counts.verify(false)).isEmpty();
    }
  }

  @Test
  void anUpgradedSchemaWithHistoryStaysUntrustedUntilRebuilt() {
    try (TestDatabase db = TestDatabase.create("counts_upgrade")) {
      SchemaMigrator migrator = new SchemaMigrator(db.dataSource(), SchemaName.of(db.schema()));
      migrator.migrateTo(1); // as an older release leaves it
      insertHistory(db, 1, "u", "completed");
      insertHistory(db, 2, "u", "failed");
      assertThat(migrator.migrate()).isEqualTo(SchemaMigrator.CURRENT_VERSION);

      Counts counts = new Counts(db.dataSource(), SchemaName.of(db.schema()));
      assertThat(counts.trusted()).isFalse();
      CountsReport scanned = counts.exact(List.of("u"));
      assertThat(scanned.fromCounters()).isFalse();
      assertThat(queue(scanned, "u").terminal()).isEqualTo(2);
      counts.rebuild();
      assertThat(counts.trusted()).isTrue();
      assertThat(queue(counts.exact(List.of("u")), "u").terminal()).isEqualTo(2);
    }
  }

  @Test
  void aPreExistingEmptySchemaIsNotAutoTrusted() {
    try (TestDatabase db = TestDatabase.create("counts_empty")) {
      SchemaMigrator migrator = new SchemaMigrator(db.dataSource(), SchemaName.of(db.schema()));
      migrator.migrateTo(1);
      migrator.migrate();
      assertThat(new Counts(db.dataSource(), SchemaName.of(db.schema())).trusted()).isFalse();
    }
  }

  @Test
  void retentionKeepsCountsExact() throws Exception {
    try (TestDatabase db = TestDatabase.create("counts_retention")) {
      Millrace client = db.migratedClient();
      for (int i = 0; i < 5; i++) {
        client.admin().cancel(client.enqueue(JobRequest.of("k", Map.of()).queue("r")).id());
      }
      io.millrace.jobs.JobsTestAccess.Retention retention =
          new io.millrace.jobs.JobsTestAccess.Retention(
              db.dataSource(),
              client.schema(),
              Map.of(
                  JobState.COMPLETED, java.time.Duration.ZERO,
                  JobState.FAILED, java.time.Duration.ZERO,
                  JobState.CANCELLED, java.time.Duration.ZERO));
      // Rows went to the default partition (no day partitions yet); now create them and add more.
      retention.ensurePartitions(java.time.Instant.now());
      for (int i = 0; i < 3; i++) {
        client.admin().cancel(client.enqueue(JobRequest.of("k", Map.of()).queue("r")).id());
      }
      retention.enforce(java.time.Instant.now().plus(java.time.Duration.ofDays(2)));
      assertThat(db.count("FROM {schema}.job_history")).isZero();
      Counts counts = client.counts();
      assertThat(queue(counts.exact(List.of("r")), "r").cancelled()).isEqualTo(8);
      assertThat(counts.verify(true)).isEmpty();
      db.execute("UPDATE {schema}.control SET counters_trusted = false");
      assertThat(queue(counts.exact(List.of("r")), "r").cancelled()).isEqualTo(8);
    }
  }
}
