package io.millrace.bench;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.workflows.JoinPolicy;
import io.millrace.workflows.SubmittedWorkflow;
import io.millrace.workflows.WorkflowRequest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.HdrHistogram.Histogram;

/**
 * Workflows per second and per-hop latency for a 10-node DAG, on one node with 16 handlers:
 *
 * <pre>
 *   s0 -> s1, s2, s3 -> s4 (all-of) -> s5, s6 -> s7 (any-of) -> s8 -> s9 (all-of s8, s4)
 * </pre>
 *
 * <p>A hop's latency is from the moment the handler of the parent that met the child's join
 * returned (the last parent for all-of, the first for any-of) to the moment the child's handler
 * started: the parent's batched completion and its commit, the completion event's NOTIFY, the hop
 * transaction that releases the child, the workers' wake-up and the claim. Handlers do no work.
 *
 * <p>Phase 1 submits workflows one at a time and waits for each (an idle system: latency only).
 * Phase 2 submits a burst of workflows at once and measures how many finish per second, and the hop
 * latency under that load.
 *
 * <p>Run: {@code ./mvnw -B -q -DskipTests package -pl millrace-bench -am && java -cp
 * millrace-bench/target/millrace-bench.jar io.millrace.bench.WorkflowBenchmark [burst=500]
 * [sequential=50]} ({@code DATABASE_URL} for an external PostgreSQL, else embedded PostgreSQL 17
 * with fsync and synchronous_commit on).
 */
public final class WorkflowBenchmark {
  private static final Map<Long, long[]> spans =
      new ConcurrentHashMap<>(); // job id -> {start, end} in ns

  private WorkflowBenchmark() {}

  public static void main(String[] argv) throws Exception {
    int burst = argv.length > 0 ? Integer.parseInt(argv[0]) : 500;
    int sequential = argv.length > 1 ? Integer.parseInt(argv[1]) : 50;
    try (BenchDatabase db = BenchDatabase.open(24)) {
      HikariDataSource ds = db.dataSource();
      String schema = "workflow_bench_" + System.currentTimeMillis();
      Millrace node =
          Millrace.builder(ds)
              .schema(schema)
              .queue("default", 16)
              .handler(
                  "bench.step",
                  Map.class,
                  job -> {
                    long start = System.nanoTime();
                    spans.put(job.id(), new long[] {start, System.nanoTime()});
                    return null;
                  })
              .build();
      node.migrate();
      node.start();
      try {
        System.out.printf("10-node DAG workflows, one node, 16 handlers (%s)%n", db.description());
        run(node, ds, schema, 20, true); // warm-up, discarded
        dispatchDelay(ds, schema);
        spans.clear();
        Result idle = run(node, ds, schema, sequential, true);
        String idleDispatch = dispatchDelay(ds, schema);
        spans.clear();
        Result loaded = run(node, ds, schema, burst, false);
        String loadedDispatch = dispatchDelay(ds, schema);
        System.out.printf(
            "  %-34s %10s %12s %12s%n", "", "workflows/s", "hop p50 ms", "hop p99 ms");
        System.out.printf(
            "  %-34s %10s %12.2f %12.2f%n",
            "one at a time (" + sequential + ")",
            "-",
            idle.hops.getValueAtPercentile(50) / 1e3,
            idle.hops.getValueAtPercentile(99) / 1e3);
        System.out.printf(
            "  %-34s %10.0f %12.2f %12.2f%n",
            "burst of " + burst,
            loaded.perSecond,
            loaded.hops.getValueAtPercentile(50) / 1e3,
            loaded.hops.getValueAtPercentile(99) / 1e3);
        System.out.printf(
            "  completion event -> hop committed, p50/p99 ms: one at a time %s, burst %s%n",
            idleDispatch, loadedDispatch);
      } finally {
        node.close();
      }
    }
  }

  record Result(double perSecond, Histogram hops) {}

  private static Result run(
      Millrace node, HikariDataSource ds, String schema, int count, boolean oneAtATime)
      throws Exception {
    List<SubmittedWorkflow> submitted = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      submitted.add(node.workflows().submit(dag(i)));
      if (oneAtATime) {
        awaitAllFinished(ds, schema);
      }
    }
    awaitAllFinished(ds, schema);
    double seconds = (System.nanoTime() - start) / 1e9;
    Histogram hops = new Histogram(3_600_000_000L, 3); // microseconds
    for (SubmittedWorkflow wf : submitted) {
      for (String[] join : JOINS) {
        long child = span(wf.jobId(join[0]))[0];
        long released = join[1].equals("any") ? Long.MAX_VALUE : Long.MIN_VALUE;
        for (int p = 2; p < join.length; p++) {
          long end = span(wf.jobId(join[p]))[1];
          released = join[1].equals("any") ? Math.min(released, end) : Math.max(released, end);
        }
        hops.recordValue(Math.max(0, (child - released) / 1_000));
      }
    }
    return new Result(count / seconds, hops);
  }

  /** child, join, parents... */
  private static final String[][] JOINS = {
    {"s1", "all", "s0"},
    {"s2", "all", "s0"},
    {"s3", "all", "s0"},
    {"s4", "all", "s1", "s2", "s3"},
    {"s5", "all", "s4"},
    {"s6", "all", "s4"},
    {"s7", "any", "s5", "s6"},
    {"s8", "all", "s7"},
    {"s9", "all", "s8", "s4"}
  };

  private static WorkflowRequest dag(int i) {
    WorkflowRequest wf = WorkflowRequest.named("bench-" + i).step("s0", step());
    for (String[] join : JOINS) {
      String[] parents = java.util.Arrays.copyOfRange(join, 2, join.length);
      wf.step(
          join[0],
          step(),
          join[1].equals("any") ? JoinPolicy.anyOf() : JoinPolicy.allOf(),
          parents);
    }
    return wf;
  }

  private static JobRequest step() {
    return JobRequest.of("bench.step", Map.of());
  }

  /**
   * From an event's insert to its hop's claim, p50/p99 in ms, for the events of the last run; then
   * forgets them.
   */
  private static String dispatchDelay(HikariDataSource ds, String schema) throws Exception {
    String table = "\"" + schema + "\".workflow_events";
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d), percentile_cont(0.99)"
                    + " WITHIN GROUP (ORDER BY d) FROM (SELECT extract(epoch FROM dispatched_at - created_at) * 1000 AS d FROM "
                    + table
                    + ") s")) {
      rs.next();
      String out = String.format("%.1f/%.1f", rs.getDouble(1), rs.getDouble(2));
      st.execute("TRUNCATE " + table);
      return out;
    }
  }

  private static void awaitAllFinished(HikariDataSource ds, String schema) throws Exception {
    String sql =
        "SELECT count(*) FROM \"" + schema + "\".workflow_members WHERE finished_state IS NULL";
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      while (System.nanoTime() < deadline) {
        try (ResultSet rs = st.executeQuery(sql)) {
          rs.next();
          if (rs.getLong(1) == 0) {
            return;
          }
        }
        Thread.sleep(2);
      }
    }
    throw new IllegalStateException("workflows did not finish within 10 minutes");
  }

  /** The (start, end) nanos of a job whose handler ran; every member of a finished workflow did. */
  private static long[] span(long jobId) {
    long[] span = spans.get(jobId);
    if (span == null) {
      throw new IllegalStateException("job " + jobId + " finished without its handler's span");
    }
    return span;
  }
}
