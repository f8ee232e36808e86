package io.millrace.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL itself goes away in the middle of a run and comes back on the same data directory and
 * port. Nodes must ride it out on their own: pools reconnect, claim loops, heartbeats, completions,
 * the LISTEN connection and leader election retry, expired leases are rescued. A job may run twice
 * (its effect was written but its completion was lost with the server), but every job finishes, and
 * finishes exactly once.
 *
 * <p>Uses a dedicated server, not the shared one, so stopping it disturbs no other test.
 */
@Tag("slow")
class DatabaseRestartTest {
  static final int JOBS = 4_000;
  static final String SCHEMA = "restart";

  Path dataDirectory;
  int port;
  EmbeddedPostgres server;
  EffectNodes cluster;

  @AfterEach
  void tearDown() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
    if (server != null) {
      server.close();
    }
    if (dataDirectory != null) {
      try (var files = Files.walk(dataDirectory)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void nodesRideOutARestartAndFinishEveryJobOnce() throws Exception {
    dataDirectory = Files.createTempDirectory("millrace-restart");
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    server = startServer();
    String url = server.getJdbcUrl("postgres", "postgres");
    cluster = new EffectNodes(SCHEMA, () -> TestDatabase.pool(url, 16));
    Millrace client = cluster.migrate();
    for (String name : new String[] {"r1", "r2", "r3"}) {
      cluster.start(name, Duration.ofMillis(20));
    }
    for (int from = 0; from < JOBS; from += 500) {
      client.enqueueAll(EffectNodes.jobs(from, 500));
    }
    DataSource before = server.getPostgresDatabase();
    Await.until(
        "work under way", () -> count(before, "SELECT count(*) FROM restart.effects") >= 300);

    long finishedBeforeStop = count(before, "SELECT count(*) FROM restart.job_history");
    server.close();
    server = null;
    Thread.sleep(3_000); // nodes run into a dead server for a while: every loop sees errors
    server = startServer();
    assertThat(finishedBeforeStop).as("the server stopped mid-run").isLessThan(JOBS);

    DataSource db = server.getPostgresDatabase();
    Await.until(
        "every job finished",
        Duration.ofMinutes(4),
        () -> count(db, "SELECT count(*) FROM restart.job_history") >= JOBS);
    assertThat(count(db, "SELECT count(*) FROM restart.job_history")).isEqualTo(JOBS);
    assertThat(count(db, "SELECT count(*) FROM restart.job_history WHERE state = 'completed'"))
        .isEqualTo(JOBS);
    assertThat(
            count(
                db,
                "SELECT count(*) FROM (SELECT id FROM restart.job_history GROUP BY id HAVING count(*) = 1) h"))
        .as("every job finished exactly once")
        .isEqualTo(JOBS);
    assertThat(count(db, "SELECT count(DISTINCT job_id) FROM restart.effects"))
        .as("every effect at least once")
        .isEqualTo(JOBS);
    assertThat(count(db, "SELECT count(*) FROM restart.jobs")).isZero();
    Await.until(
        "a leader again",
        () ->
            cluster.nodes().stream().anyMatch(Millrace::isLeader)
                && count(
                        db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
                    == 1);
    // Each node holds one LISTEN session, its notifier's, for every channel it hears.
    Await.until(
        "every node listening again",
        () ->
            cluster.nodes().stream().allMatch(Millrace::isListening)
                && count(db, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'")
                    == 3);
  }

  private EmbeddedPostgres startServer() throws IOException {
    return EmbeddedPostgres.builder()
        .setDataDirectory(dataDirectory)
        .setCleanDataDirectory(false)
        .setPort(port)
        .setServerConfig("max_connections", "200")
        .setServerConfig("fsync", "off")
        .setServerConfig("synchronous_commit", "off")
        .start();
  }

  static long count(DataSource dataSource, String sql) {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
