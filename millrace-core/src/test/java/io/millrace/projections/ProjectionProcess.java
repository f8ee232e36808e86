package io.millrace.projections;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.testing.TestDatabase;
import java.time.Duration;

/**
 * A node in a child JVM running the {@link Tally} projection {@code sig} slowly (5 ms per event,
 * pages of 20), so a test can stop it in the middle of a rebuild. A shutdown hook closes the node,
 * as an application would: SIGTERM then ends the page in flight and releases the lease.
 *
 * <p>Arguments: JDBC URL, schema (migrated, with the Tally tables), node id.
 */
public final class ProjectionProcess {
  private ProjectionProcess() {}

  public static void main(String[] args) throws Exception {
    HikariDataSource dataSource = TestDatabase.pool(args[0], 5);
    String schema = args[1];
    Tally tally = new Tally("sig", schema);
    Millrace node =
        Millrace.builder(dataSource)
            .schema(schema)
            .nodeId(args[2])
            .lease(Duration.ofSeconds(3))
            .pollInterval(Duration.ofMillis(200))
            .maintenanceInterval(Duration.ofMillis(200))
            .projection(
                Projection.named("sig")
                    .version("1")
                    .pageSize(20)
                    .handler(
                        (e, ctx) -> {
                          Thread.sleep(5);
                          tally.apply(e, ctx);
                        })
                    .build())
            .build();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  node.close();
                  dataSource.close();
                  System.out.println("node " + args[2] + " closed");
                }));
    node.start();
    System.out.println("node " + args[2] + " started");
    Thread.currentThread().join();
  }
}
