package io.millrace.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three nodes, each with its own pool and id and a different mix of queues and concurrency, drain
 * 20,000 jobs enqueued in batches while they run. Each handler writes its effect to a table with no
 * unique constraint, so a job run twice would show up as a duplicate row: exactly-once effects here
 * mean no claim ever handed the same attempt to two nodes and nothing was lost.
 */
@Tag("slow")
class ClusterDrainTest {
  static final int JOBS = 20_000;
  static final int BATCH = 1_000;
  static final List<String> QUEUES = List.of("alpha", "beta", "gamma");

  TestDatabase db;
  final List<Millrace> nodes = new ArrayList<>();
  final List<HikariDataSource> pools = new ArrayList<>();

  @AfterEach
  void tearDown() {
    nodes.forEach(Millrace::close);
    pools.forEach(HikariDataSource::close);
    db.close();
  }

  @Test
  void threeNodesRunEveryJobExactlyOnce() {
    db = TestDatabase.create("drain");
    Millrace client = db.migratedClient();
    db.execute("CREATE TABLE {schema}.effects (job_id bigint NOT NULL, node text NOT NULL)");
    nodes.add(node("node-a", Map.of("alpha", 8, "beta", 2, "gamma", 2)));
    nodes.add(node("node-b", Map.of("alpha", 2, "beta", 8, "gamma", 2)));
    nodes.add(node("node-c", Map.of("alpha", 4, "beta", 4, "gamma", 4)));
    nodes.forEach(Millrace::start);

    for (int from = 0; from < JOBS; from += BATCH) {
      List<JobRequest> batch = new ArrayList<>(BATCH);
      for (int i = from; i < from + BATCH; i++) {
        batch.add(JobRequest.of("effect", Map.of("n", i)).queue(QUEUES.get(i % QUEUES.size())));
      }
      assertThat(client.enqueueAll(batch)).noneMatch(r -> r.duplicate());
    }

    Await.until(
        "all jobs finished",
        Duration.ofMinutes(4),
        () -> db.count("FROM {schema}.job_history") == JOBS);
    assertThat(db.count("FROM {schema}.effects")).isEqualTo(JOBS);
    assertThat(db.count("FROM (SELECT DISTINCT job_id FROM {schema}.effects) e")).isEqualTo(JOBS);
    assertThat(db.count("FROM {schema}.job_history WHERE state = 'completed' AND attempt = 1"))
        .isEqualTo(JOBS);
    assertThat(db.count("FROM (SELECT DISTINCT id FROM {schema}.job_history) h")).isEqualTo(JOBS);
    assertThat(
            db.count(
                "FROM {schema}.job_history h WHERE NOT EXISTS"
                    + " (SELECT 1 FROM {schema}.effects e WHERE e.job_id = h.id)"))
        .isZero();
    assertThat(db.count("FROM {schema}.jobs")).isZero();
    // Every node took part: the claim path spreads work rather than one node starving the others.
    assertThat(db.column("SELECT DISTINCT node FROM {schema}.effects ORDER BY 1"))
        .containsExactly("node-a", "node-b", "node-c");
  }

  private Millrace node(String id, Map<String, Integer> queues) {
    HikariDataSource pool = TestDatabase.pool(TestDatabase.jdbcUrl(), 24);
    pools.add(pool);
    String insert = "INSERT INTO \"" + db.schema() + "\".effects (job_id, node) VALUES (?, ?)";
    var builder =
        Millrace.builder(pool)
            .schema(db.schema())
            .nodeId(id)
            .lease(Duration.ofSeconds(3))
            .heartbeat(Duration.ofMillis(500))
            .pollInterval(Duration.ofMillis(200))
            .maintenanceInterval(Duration.ofMillis(200))
            .handler(
                "effect",
                Map.class,
                job -> {
                  try (Connection c = pool.getConnection();
                      PreparedStatement ps = c.prepareStatement(insert)) {
                    ps.setLong(1, job.id());
                    ps.setString(2, id);
                    ps.executeUpdate();
                  }
                  return null;
                });
    queues.forEach(builder::queue);
    return builder.build();
  }
}
