package io.millrace.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.QueueLimits;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Flow control on several nodes, each with more handler threads than the limit, against a backlog:
 * whether the limit held (the running jobs sampled from the database as fast as it answers; the
 * starts in every window of the rate's period, from the claim times history keeps) and the
 * throughput at the limit, against the ideal (max running × 1000 / work ms; starts per period).
 *
 * <p>Run: {@code java -cp millrace-bench/target/millrace-bench.jar
 * io.millrace.bench.FlowControlBenchmark [nodes=3] [handlers=16] [maxRunning=8] [workMs=20]
 * [jobs=4000] [rate=500] [ratePeriodMs=1000]}
 */
public final class FlowControlBenchmark {
  /** The nodes' pools, closed after their nodes. */
  private static final List<HikariDataSource> POOLS = new ArrayList<>();

  private FlowControlBenchmark() {}

  public static void main(String[] argv) throws Exception {
    int nodes = arg(argv, 0, 3);
    int handlers = arg(argv, 1, 16);
    int maxRunning = arg(argv, 2, 8);
    int workMs = arg(argv, 3, 20);
    int jobs = arg(argv, 4, 4000);
    int rate = arg(argv, 5, 500);
    int ratePeriodMs = arg(argv, 6, 1000);
    try (BenchDatabase db = BenchDatabase.open(8)) {
      HikariDataSource ds = db.dataSource();
      String schema = "flow_" + System.currentTimeMillis();
      Millrace client = Millrace.builder(ds).schema(schema).build();
      client.migrate();
      client.admin().setLimits("capped", QueueLimits.maxRunning(maxRunning));
      client.admin().setLimits("metered", QueueLimits.rate(rate, Duration.ofMillis(ratePeriodMs)));
      System.out.printf(
          "millrace flow control benchmark: %d nodes × %d handlers, %s%n",
          nodes, handlers, db.description());

      // Concurrency limit.
      enqueue(client, "capped", jobs);
      List<Millrace> running = startNodes(ds, schema, nodes, handlers, "capped", workMs);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong samples = new AtomicLong();
      AtomicLong sampledSum = new AtomicLong();
      AtomicLong sampledMax = new AtomicLong();
      AtomicLong atLimit = new AtomicLong();
      Thread sampler =
          new Thread(
              () -> sample(ds, schema, maxRunning, stop, samples, sampledSum, sampledMax, atLimit));
      long t0 = System.nanoTime();
      sampler.start();
      while (!DrainBenchmark.drained(ds, schema)) {
        Thread.sleep(50);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      stop.set(true);
      sampler.join();
      running.forEach(Millrace::close);
      POOLS.forEach(HikariDataSource::close);
      POOLS.clear();
      double ideal = maxRunning * 1000.0 / workMs;
      double heldMs = meanClaimToFinishMs(ds, schema);
      System.out.printf(
          "  max running %d, %d jobs of %d ms: %.0f jobs/s (ideal %.0f, %.0f%%); running sampled"
              + " %d times: max %d, mean %.2f, at the limit in %.0f%% of samples; claim to finish %.1f ms a job, so %.0f jobs/s"
              + " at the limit%n",
          maxRunning,
          jobs,
          workMs,
          jobs / seconds,
          ideal,
          100 * jobs / seconds / ideal,
          samples.get(),
          sampledMax.get(),
          (double) sampledSum.get() / Math.max(1, samples.get()),
          100.0 * atLimit.get() / Math.max(1, samples.get()),
          heldMs,
          maxRunning * 1000.0 / heldMs);

      // Rate limit: five periods' worth of no-work jobs.
      int rated = rate * 5;
      enqueue(client, "metered", rated);
      running = startNodes(ds, schema, nodes, handlers, "metered", 0);
      long t1 = System.nanoTime();
      while (!DrainBenchmark.drained(ds, schema)) {
        Thread.sleep(20);
      }
      double rateSeconds = (System.nanoTime() - t1) / 1e9;
      running.forEach(Millrace::close);
      POOLS.forEach(HikariDataSource::close);
      POOLS.clear();
      long busiest = busiestWindow(ds, schema, ratePeriodMs);
      double span = startSpanSeconds(ds, schema);
      System.out.printf(
          "  rate %d per %d ms, %d jobs: most starts in any %d ms window %d; first to last start"
              + " %.2f s (the limit allows no less than %.2f s); drained in %.2f s%n",
          rate,
          ratePeriodMs,
          rated,
          ratePeriodMs,
          busiest,
          span,
          (rated / rate - 1) * ratePeriodMs / 1000.0,
          rateSeconds);
      client.close();
    }
  }

  private static int arg(String[] argv, int i, int fallback) {
    return argv.length > i ? Integer.parseInt(argv[i]) : fallback;
  }

  private static void enqueue(Millrace client, String queue, int jobs) {
    for (int i = 0; i < jobs; i += 1_000) {
      List<JobRequest> batch = new ArrayList<>();
      for (int j = i; j < Math.min(jobs, i + 1_000); j++) {
        batch.add(JobRequest.of("work", Map.of("i", j)).queue(queue));
      }
      client.enqueueAll(batch);
    }
  }

  private static List<Millrace> startNodes(
      HikariDataSource ds, String schema, int nodes, int handlers, String queue, int workMs) {
    List<Millrace> started = new ArrayList<>();
    for (int n = 0; n < nodes; n++) {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(ds.getJdbcUrl());
      config.setUsername(ds.getUsername());
      config.setPassword(ds.getPassword());
      config.setMaximumPoolSize(handlers + 4);
      HikariDataSource pool = new HikariDataSource(config);
      Millrace node =
          Millrace.builder(pool)
              .schema(schema)
              .nodeId(queue + "-node-" + n)
              .queue(queue, handlers)
              .handler(
                  "work",
                  Map.class,
                  job -> {
                    if (workMs > 0) {
                      Thread.sleep(workMs);
                    }
                    return null;
                  })
              .build();
      node.start();
      started.add(node);
      POOLS.add(pool);
    }
    return started;
  }

  private static void sample(
      HikariDataSource ds,
      String schema,
      int limit,
      AtomicBoolean stop,
      AtomicLong samples,
      AtomicLong sum,
      AtomicLong max,
      AtomicLong atLimit) {
    String sql =
        "SELECT count(*) FROM \"" + schema + "\".jobs WHERE queue = 'capped' AND state = 'running'";
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      while (!stop.get()) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          long n = rs.getLong(1);
          samples.incrementAndGet();
          sum.addAndGet(n);
          max.accumulateAndGet(n, Math::max);
          if (n == limit) {
            atLimit.incrementAndGet();
          }
        }
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long busiestWindow(HikariDataSource ds, String schema, int periodMs)
      throws java.sql.SQLException {
    String h = "\"" + schema + "\".job_history";
    String sql =
        "SELECT max(n) FROM (SELECT count(*) OVER (ORDER BY attempted_at RANGE BETWEEN interval '"
            + (periodMs * 1000L - 1)
            + " microseconds' PRECEDING AND CURRENT ROW) AS n FROM "
            + h
            + " WHERE queue = 'metered') w";
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** How long a job counted against the limit: from its claim to its finish being written. */
  private static double meanClaimToFinishMs(HikariDataSource ds, String schema)
      throws java.sql.SQLException {
    String sql =
        "SELECT avg(extract(epoch FROM finished_at - attempted_at)) * 1000 FROM \""
            + schema
            + "\".job_history WHERE queue = 'capped'";
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getDouble(1);
    }
  }

  private static double startSpanSeconds(HikariDataSource ds, String schema)
      throws java.sql.SQLException {
    String sql =
        "SELECT extract(epoch FROM max(attempted_at) - min(attempted_at)) FROM \""
            + schema
            + "\".job_history WHERE queue = 'metered'";
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getDouble(1);
    }
  }
}
