package io.millrace.backfills;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * A node running the {@link Ledgered} backfill in a child JVM, slowly (50 ms per batch), so a test
 * can kill it with SIGKILL mid-backfill. Arguments: Millrace JDBC URL, schema, node id, target
 * ({@code postgres} or {@code sqlite:<file>}).
 */
public final class BackfillNodeProcess {
  private BackfillNodeProcess() {}

  public static void main(String[] args) throws Exception {
    String jdbcUrl = args[0];
    String schema = args[1];
    String nodeId = args[2];
    HikariDataSource millraceDb = TestDatabase.pool(jdbcUrl, 4);
    DataSource target =
        args[3].equals("postgres")
            ? TestDatabase.pool(jdbcUrl + "&currentSchema=" + schema, 2, "backfill-target")
            : Targets.sqliteAt(args[3].substring("sqlite:".length()));
    Millrace node =
        Millrace.builder(millraceDb)
            .schema(schema)
            .nodeId(nodeId)
            .lease(Duration.ofSeconds(3))
            .heartbeat(Duration.ofMillis(500))
            .pollInterval(Duration.ofMillis(200))
            .maintenanceInterval(Duration.ofMillis(200))
            .backfill(Ledgered.definition("ledgered", target, nodeId, 50).build())
            .build();
    node.start();
    System.out.println("node " + nodeId + " started");
    Thread.currentThread().join(); // runs until killed
  }
}
