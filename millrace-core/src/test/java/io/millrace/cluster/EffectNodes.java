package io.millrace.cluster;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.jobs.Backoff;
import io.millrace.jobs.JobRequest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A small cluster for fault-injection tests: nodes with their own pools, each running kind {@code
 * effect} by inserting its job id into {@code <schema>.effects} (no unique constraint, so a second
 * run shows up as a second row), after an optional pause that keeps jobs in flight. Failed attempts
 * retry quickly, so faults cost seconds, not the default backoff's minutes.
 */
final class EffectNodes implements AutoCloseable {
  static final Backoff FAST_RETRY = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), 0.2);

  private final String schema;
  private final Supplier<HikariDataSource> pools;
  private final List<HikariDataSource> opened = new ArrayList<>();
  private final List<Millrace> nodes = new ArrayList<>();

  EffectNodes(String schema, Supplier<HikariDataSource> pools) {
    this.schema = schema;
    this.pools = pools;
  }

  /** Migrates the schema and creates the effects table, through a pool of its own. */
  Millrace migrate() {
    HikariDataSource pool = pool();
    Millrace client = Millrace.builder(pool).schema(schema).build();
    client.migrate();
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE \"" + schema + "\".effects (job_id bigint NOT NULL)");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return client;
  }

  Millrace start(String nodeId, Duration pause) {
    HikariDataSource pool = pool();
    String insert = "INSERT INTO \"" + schema + "\".effects (job_id) VALUES (?)";
    Millrace node =
        Millrace.builder(pool)
            .schema(schema)
            .nodeId(nodeId)
            .lease(Duration.ofSeconds(3))
            .heartbeat(Duration.ofMillis(500))
            .pollInterval(Duration.ofMillis(200))
            .maintenanceInterval(Duration.ofMillis(200))
            .shutdownTimeout(Duration.ofSeconds(5))
            .backoff(FAST_RETRY)
            .queue("default", 6)
            .queue("other", 3)
            .handler(
                "effect",
                Map.class,
                job -> {
                  if (!pause.isZero()) {
                    Thread.sleep(pause.toMillis());
                  }
                  try (Connection c = pool.getConnection();
                      PreparedStatement ps = c.prepareStatement(insert)) {
                    ps.setLong(1, job.id());
                    ps.executeUpdate();
                  }
                  return null;
                })
            .build();
    nodes.add(node);
    node.start();
    return node;
  }

  List<Millrace> nodes() {
    return nodes;
  }

  static List<JobRequest> jobs(int from, int count) {
    List<JobRequest> jobs = new ArrayList<>(count);
    for (int i = from; i < from + count; i++) {
      jobs.add(JobRequest.of("effect", Map.of("n", i)).queue(i % 3 == 0 ? "other" : "default"));
    }
    return jobs;
  }

  private HikariDataSource pool() {
    HikariDataSource pool = pools.get();
    opened.add(pool);
    return pool;
  }

  @Override
  public void close() {
    nodes.forEach(Millrace::close);
    opened.forEach(HikariDataSource::close);
  }
}
