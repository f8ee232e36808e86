package io.millrace.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.jobs.Backoff;
import io.millrace.jobs.JobRequest;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL is down for twice the lease while handlers keep finishing jobs. When it comes back,
 * every lease has expired; the nodes must renew what they still hold and write their completions
 * before the leader's rescue could run any of it again. Effects are counted in memory (the handlers
 * do not need the database), so a re-run shows up as a count of two.
 *
 * <p>Uses a dedicated server, not the shared one, so stopping it disturbs no other test.
 */
@Tag("slow")
class OutageLongerThanLeaseTest {
  static final int JOBS = 1_500;
  static final String SCHEMA = "outage";
  static final Duration LEASE = Duration.ofSeconds(3);
  static final Duration OUTAGE = LEASE.multipliedBy(2);

  final Map<Long, AtomicInteger> effects = new ConcurrentHashMap<>();
  final List<HikariDataSource> pools = new ArrayList<>();
  final List<Millrace> nodes = new ArrayList<>();
  Path dataDirectory;
  int port;
  EmbeddedPostgres server;

  @AfterEach
  void tearDown() throws IOException {
    nodes.forEach(Millrace::close);
    pools.forEach(HikariDataSource::close);
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
  void noFinishedJobRunsAgainAfterAnOutageLongerThanTheLease() throws Exception {
    dataDirectory = Files.createTempDirectory("millrace-outage");
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    server = startServer();
    String url = server.getJdbcUrl("postgres", "postgres");
    Millrace client = Millrace.builder(pool(url)).schema(SCHEMA).build();
    client.migrate();
    for (String name : new String[] {"o1", "o2", "o3"}) {
      nodes.add(startNode(name, url));
    }
    for (int from = 0; from < JOBS; from += 500) {
      List<JobRequest> batch = new ArrayList<>();
      for (int i = from; i < from + 500; i++) {
        batch.add(JobRequest.of("effect", Map.of("n", i)));
      }
      client.enqueueAll(batch);
    }
    Await.until("work under way", () -> effects.size() >= 200);

    int effectsAtStop = effects.size();
    server.close();
    server = null;
    // The fault itself: the database stays away for twice the lease (not a synchronisation).
    Thread.sleep(OUTAGE.toMillis());
    int effectsDuringOutage = effects.size() - effectsAtStop;
    server = startServer();
    assertThat(effectsDuringOutage).as("handlers finished jobs during the outage").isPositive();

    DataSource db = server.getPostgresDatabase();
    Await.until(
        "every job finished",
        Duration.ofMinutes(3),
        () -> DatabaseRestartTest.count(db, "SELECT count(*) FROM outage.job_history") >= JOBS);
    assertThat(DatabaseRestartTest.count(db, "SELECT count(*) FROM outage.job_history"))
        .isEqualTo(JOBS);
    assertThat(
            DatabaseRestartTest.count(
                db, "SELECT count(*) FROM outage.job_history WHERE state = 'completed'"))
        .isEqualTo(JOBS);
    List<Long> reRun =
        effects.entrySet().stream()
            .filter(e -> e.getValue().get() > 1)
            .map(Map.Entry::getKey)
            .toList();
    System.out.printf(
        "outage of %s with a %s lease: %d effects before, %d during the outage; %d jobs ran"
            + " more than once%n",
        OUTAGE, LEASE, effectsAtStop, effectsDuringOutage, reRun.size());
    assertThat(reRun).as("jobs whose effect ran more than once").isEmpty();
    assertThat(effects).hasSize(JOBS);
  }

  private Millrace startNode(String nodeId, String url) {
    Millrace node =
        Millrace.builder(pool(url))
            .schema(SCHEMA)
            .nodeId(nodeId)
            .lease(LEASE)
            .heartbeat(Duration.ofMillis(500))
            .pollInterval(Duration.ofMillis(200))
            .maintenanceInterval(Duration.ofMillis(200))
            .shutdownTimeout(Duration.ofSeconds(5))
            .backoff(new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.2))
            .queue("default", 8)
            .handler(
                "effect",
                Map.class,
                job -> {
                  Thread.sleep(50);
                  effects.computeIfAbsent(job.id(), k -> new AtomicInteger()).incrementAndGet();
                  return null;
                })
            .build();
    node.start();
    return node;
  }

  private HikariDataSource pool(String url) {
    HikariDataSource pool = TestDatabase.pool(url, 16);
    pools.add(pool);
    return pool;
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
}
