package io.millrace.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.ReplicaReads;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobAdmin;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.QueueLimits;
import io.millrace.testing.PgBouncer;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The examples of docs/jobs.md (flow control) and docs/operations.md (read replicas, PgBouncer),
 * run as written; DocsTest checks their text is here. Each uses a database of its own, so the
 * builder runs with the default schema as in the docs. The replica and PgBouncer behaviour itself
 * is tested against the real parts in ReplicaReadsTest and PgBouncerTest.
 */
class OperationsExamplesTest {

  @Test
  void flowControlExample() {
    try (HikariDataSource dataSource =
        TestDatabase.pool(TestDatabase.otherDatabaseUrl("limits_example"), 3)) {
      try (Millrace millrace = Millrace.builder(dataSource).build()) {
        millrace.migrate();
        JobAdmin admin = millrace.admin();
        admin.setLimits("emails", QueueLimits.maxRunning(5)); // 5 at once, cluster-wide
        admin.setLimits("partner-api", QueueLimits.rate(100, Duration.ofMinutes(1)));
        admin.setLimits("reports", QueueLimits.maxRunning(2).withRate(10, Duration.ofSeconds(1)));
        admin.limits("emails");
        assertThat(admin.limits("emails")).isEqualTo(QueueLimits.maxRunning(5));
        assertThat(admin.limits("partner-api").ratePeriodMs()).isEqualTo(60_000L);
        admin.setLimits("emails", QueueLimits.NONE); // no limit again
        assertThat(admin.limits("emails").limited()).isFalse();
        assertThat(admin.limits("reports"))
            .isEqualTo(new QueueLimits(2, 10, Duration.ofSeconds(1)));
      }
    }
  }

  @Test
  void readReplicaExample() {
    String url = TestDatabase.otherDatabaseUrl("replica_example");
    try (HikariDataSource primaryDataSource = TestDatabase.pool(url, 3);
        // Not a standby: the example runs as written and every read falls back to the primary,
        // saying why. ReplicaReadsTest runs the same against a real streaming replica.
        HikariDataSource replicaDataSource = TestDatabase.pool(url, 2)) {
      Millrace node =
          Millrace.builder(primaryDataSource)
              .readDataSource(replicaDataSource) // a pool on the hot standby
              .maxReplicaLag(Duration.ofSeconds(5)) // default 5 s
              .build();
      try {
        node.migrate();
        long id = node.enqueue(JobRequest.of("report.build", Map.of("day", "2026-12-05"))).id();
        ReplicaReads.Answer<Optional<Job>> page = node.reads().read(v -> v.jobs().get(id));
        page.freshness();
        assertThat(page.value()).map(Job::kind).contains("report.build");
        assertThat(page.freshness().source()).isEqualTo(ReplicaReads.Source.PRIMARY);
        assertThat(page.freshness().fallback()).isNotNull();
      } finally {
        node.close();
      }
    }
  }

  @Test
  void pgBouncerExample() {
    String database = "bouncer_example";
    String postgresUrl = TestDatabase.otherDatabaseUrl(database);
    try (PgBouncer bouncer = PgBouncer.start(3)) {
      String pgbouncerUrl = bouncer.jdbcUrl(database) + "?prepareThreshold=0";
      HikariDataSource pooled = new HikariDataSource();
      pooled.setJdbcUrl(pgbouncerUrl); // jdbc:postgresql://pgbouncer:6432/app?prepareThreshold=0
      pooled.setUsername("postgres");
      pooled.setPassword("postgres");
      PGSimpleDataSource direct = new PGSimpleDataSource();
      direct.setUrl(postgresUrl); // jdbc:postgresql://postgres:5432/app
      direct.setUser("postgres");
      direct.setPassword("postgres");
      direct.setApplicationName("millrace-direct");

      try (pooled) {
        Millrace millrace =
            Millrace.builder(pooled)
                .directDataSource(direct) // a few long-lived sessions; see the connection budget
                .queue("default", 8)
                .build();
        try {
          millrace.migrate();
          millrace.start();
          assertThat(millrace.connectionBudget().direct()).isGreaterThanOrEqualTo(1);
        } finally {
          millrace.close();
        }
      }
    }
  }
}
