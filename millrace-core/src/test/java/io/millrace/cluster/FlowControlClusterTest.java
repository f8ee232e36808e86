package io.millrace.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.QueueLimits;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Flow control on three nodes, each with more handler threads than the limit: the limits hold at
 * every instant the database is sampled (and, for the rate, over every window of the starts it
 * recorded), the queue runs at the limit while more jobs wait, and the jobs held back stay
 * available with no attempt counted, then complete on their first attempt.
 */
class FlowControlClusterTest {
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
  void concurrencyLimitHoldsOnThreeNodesAndChangesAtRunTime() throws Exception {
    db = TestDatabase.create("flow");
    Millrace client = db.migratedClient();
    client.admin().setLimits("limited", QueueLimits.maxRunning(3));
    CountDownLatch gate = new CountDownLatch(1);
    AtomicInteger started = new AtomicInteger();
    for (String id : List.of("node-a", "node-b", "node-c")) {
      nodes.add(
          node(
              id,
              job -> {
                started.incrementAndGet();
                assertThat(gate.await(60, TimeUnit.SECONDS)).isTrue();
                return null;
              }));
    }
    int jobs = 40;
    List<JobRequest> requests = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      requests.add(JobRequest.of("work", Map.of("i", i)).queue("limited"));
    }
    client.enqueueAll(requests);
    nodes.forEach(Millrace::start);

    try (Sampler sampler = new Sampler(db.dataSource(), db.schema())) {
      // Demand (40 jobs, 12 handler threads) is above the limit: the queue runs at it.
      Await.until("3 running", () -> sampler.latest() == 3);
      Await.until("3 handlers started", () -> started.get() == 3);
      sampler.awaitMore(200); // claims keep being tried and held back meanwhile
      assertThat(sampler.max()).isEqualTo(3);
      assertThat(started.get()).isEqualTo(3);
      // The rest wait, available, with no attempt counted.
      assertThat(db.count("FROM {schema}.jobs WHERE state = 'available' AND attempt = 0"))
          .isEqualTo(jobs - 3);

      // Raised at run time, without a restart.
      client.admin().setLimits("limited", QueueLimits.maxRunning(5));
      Await.until("5 running", () -> sampler.latest() == 5);
      Await.until("5 handlers started", () -> started.get() == 5);
      sampler.awaitMore(200);
      assertThat(sampler.max()).isEqualTo(5);
      assertThat(started.get()).isEqualTo(5);

      gate.countDown();
      Await.until(
          "all jobs finished",
          Duration.ofMinutes(1),
          () -> db.count("FROM {schema}.job_history") == jobs);
      assertThat(sampler.max()).isEqualTo(5);
      assertThat(sampler.count()).isGreaterThan(400);
    }
    // Delayed, never failed: every job completed on its first attempt.
    assertThat(db.count("FROM {schema}.job_history WHERE state = 'completed' AND attempt = 1"))
        .isEqualTo(jobs);
    assertThat(started.get()).isEqualTo(jobs);
    // Which node wins a freed slot is a race, so not every node need have run a job; but five at
    // once, with four handler threads a node, took at least two of them.
    assertThat(db.column("SELECT DISTINCT attempted_by FROM {schema}.job_history ORDER BY 1"))
        .isSubsetOf("node-a", "node-b", "node-c")
        .hasSizeGreaterThanOrEqualTo(2);
    assertThat(client.admin().limits("limited")).isEqualTo(QueueLimits.maxRunning(5));
    // Metrics: the limit as a gauge (refreshed on each node's timer), and the claims held back.
    Await.until(
        "limit gauge",
        () -> {
          var g =
              nodes
                  .get(0)
                  .meters()
                  .find("millrace.queue.limit")
                  .tags("limit", "max_running")
                  .gauge();
          return g != null && g.value() == 5;
        });
    double heldBack =
        nodes.stream()
            .mapToDouble(
                n -> {
                  var c = n.meters().find("millrace.jobs.claims.held.back").counter();
                  return c == null ? 0 : c.count();
                })
            .sum();
    assertThat(heldBack).isPositive();
  }

  @Test
  void rateLimitHoldsOverEveryWindowOnThreeNodes() {
    db = TestDatabase.create("flow");
    Millrace client = db.migratedClient();
    int perWindow = 5;
    Duration period = Duration.ofMillis(400);
    client.admin().setLimits("limited", QueueLimits.rate(perWindow, period));
    for (String id : List.of("node-a", "node-b", "node-c")) {
      nodes.add(node(id, job -> null));
    }
    int jobs = 30;
    List<JobRequest> requests = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      requests.add(JobRequest.of("work", Map.of("i", i)).queue("limited"));
    }
    client.enqueueAll(requests);
    nodes.forEach(Millrace::start);
    Await.until(
        "all jobs finished",
        Duration.ofMinutes(1),
        () -> db.count("FROM {schema}.job_history") == jobs);

    // Every start is the end of a window of the period: count the starts within it. attempted_at
    // is the claim's time, the one the limit is kept against.
    String windows =
        "SELECT max(n) FROM (SELECT (SELECT count(*) FROM {schema}.job_history o"
            + " WHERE o.attempted_at > h.attempted_at - interval '"
            + period.toMillis()
            + " milliseconds' AND o.attempted_at <= h.attempted_at) AS n"
            + " FROM {schema}.job_history h) w";
    long busiest = Long.parseLong(db.column(windows).get(0));
    // Held, and reached: some window had exactly the limit's starts.
    assertThat(busiest).isEqualTo(perWindow);
    assertThat(db.count("FROM {schema}.job_history WHERE state = 'completed' AND attempt = 1"))
        .isEqualTo(jobs);

    // Removed at run time: the queue is claimed as any other again.
    client.admin().setLimits("limited", QueueLimits.NONE);
    assertThat(client.admin().queueLimits()).isEmpty();
    List<JobRequest> more = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      more.add(JobRequest.of("work", Map.of("i", i)).queue("limited"));
    }
    client.enqueueAll(more);
    Await.until(
        "the unlimited queue drained",
        Duration.ofMinutes(1),
        () -> db.count("FROM {schema}.job_history") == 2L * jobs);
  }

  private Millrace node(String id, io.millrace.jobs.JobHandler<Map> handler) {
    HikariDataSource pool = TestDatabase.pool(TestDatabase.jdbcUrl(), 8);
    pools.add(pool);
    return Millrace.builder(pool)
        .schema(db.schema())
        .nodeId(id)
        .pollInterval(Duration.ofMillis(200))
        .countsRefreshInterval(Duration.ofMillis(200))
        .queue("limited", 4)
        .handler("work", Map.class, handler)
        .build();
  }

  /** Samples the running jobs of the queue from the database, as fast as it answers. */
  static final class Sampler implements AutoCloseable {
    private final List<Integer> samples = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile int latest = -1;

    Sampler(javax.sql.DataSource ds, String schema) {
      String sql =
          "SELECT count(*) FROM \""
              + schema
              + "\".jobs WHERE queue = 'limited' AND state = 'running'";
      thread =
          new Thread(
              () -> {
                try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(sql)) {
                  while (!stop) {
                    try (ResultSet rs = ps.executeQuery()) {
                      rs.next();
                      latest = rs.getInt(1);
                      samples.add(latest);
                    }
                  }
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              },
              "running-sampler");
      thread.start();
    }

    int latest() {
      return latest;
    }

    int count() {
      return samples.size();
    }

    int max() {
      return samples.stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    /** Waits until {@code n} more samples were taken. */
    void awaitMore(int n) {
      int target = samples.size() + n;
      Await.until(n + " more samples", () -> samples.size() >= target);
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join();
    }
  }
}
