package io.millrace.testing;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Map;

/**
 * A Millrace node in a child JVM, for tests that kill a node with SIGKILL. It works the {@code
 * default} queue with a handler for kind {@code block} that records the attempt in {@code
 * <schema>.started (job_id, attempt, node)} and then blocks until the process dies, so a test knows
 * exactly when a job is running on this node and can kill it mid-job.
 *
 * <p>Arguments: JDBC URL, schema (already migrated, with the {@code started} table), node id,
 * maintenance interval in milliseconds. Timings otherwise match {@link TestDatabase#builder()}.
 */
public final class WorkerProcess {
  private WorkerProcess() {}

  public static void main(String[] args) throws Exception {
    String jdbcUrl = args[0];
    String schema = args[1];
    String nodeId = args[2];
    Duration maintenance = Duration.ofMillis(Long.parseLong(args[3]));
    HikariDataSource dataSource = TestDatabase.pool(jdbcUrl, 10);
    String record =
        "INSERT INTO \"" + schema + "\".started (job_id, attempt, node) VALUES (?, ?, ?)";
    Millrace node =
        Millrace.builder(dataSource)
            .schema(schema)
            .nodeId(nodeId)
            .lease(Duration.ofSeconds(3))
            .heartbeat(Duration.ofMillis(500))
            .pollInterval(Duration.ofMillis(200))
            .maintenanceInterval(maintenance)
            .queue("default", 2)
            .handler(
                "block",
                Map.class,
                job -> {
                  try (Connection c = dataSource.getConnection();
                      PreparedStatement ps = c.prepareStatement(record)) {
                    ps.setLong(1, job.id());
                    ps.setInt(2, job.attempt());
                    ps.setString(3, nodeId);
                    ps.executeUpdate();
                  }
                  Thread.sleep(Long.MAX_VALUE);
                  return null;
                })
            .build();
    node.start();
    System.out.println("node " + nodeId + " started");
    Thread.currentThread().join(); // runs until killed
  }
}
