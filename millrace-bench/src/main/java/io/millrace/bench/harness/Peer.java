package io.millrace.bench.harness;

import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * One row of the harness's table: a system measured on the harness's database, in a schema of its
 * own (created empty by the harness, dropped afterwards) and on a pool of the harness's connection
 * budget.
 */
interface Peer {
  /** The name in the results table. */
  String name();

  /**
   * Workloads (c) and (a): bulk enqueue of {@link #jobs(Settings)} jobs with the system's batch
   * API, then the drain of that backlog, each job calling {@code done.record(index)} after its
   * work.
   */
  Result throughput(DataSource dataSource, String schema, Settings settings, Completions done)
      throws Exception;

  /**
   * Workload (b): workers running on an empty queue while jobs are offered at {@code rate} jobs/s
   * for {@code seconds}; the time from each job's insert to its handler's start. Null when the row
   * has no latency figure (the raw-SQL ceiling, a throughput bound rather than a queue).
   */
  @Nullable Latency latency(
      DataSource dataSource, String schema, Settings settings, double rate, int seconds)
      throws Exception;

  /**
   * The backlog this peer drains: N, or fewer for a system whose drain of N would take most of an
   * hour (the table says so in its row).
   */
  default int jobs(Settings settings) {
    return settings.jobs();
  }

  /** The run's settings, the same for every system. */
  record Settings(int jobs, int workers, int workMs) {
    void work() throws InterruptedException {
      if (workMs > 0) {
        Thread.sleep(workMs);
      }
    }
  }

  /** jobs/s for each throughput measurement, over {@code jobs} jobs. */
  record Result(int jobs, double enqueuePerSecond, double drainPerSecond) {}

  /**
   * Pickup latency at a fixed offered rate.
   *
   * @param offeredPerSecond the rate the producer actually achieved (a system whose inserts are
   *     slower than the rate asked for falls short of it)
   * @param unstarted jobs whose handler had not started when the run was cut off; they enter the
   *     percentiles with the time they had waited by then, so the percentiles are lower bounds
   */
  record Latency(
      double offeredPerSecond, double p50Ms, double p95Ms, double p99Ms, long unstarted) {}
}
