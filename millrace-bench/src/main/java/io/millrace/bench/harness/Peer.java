package io.millrace.bench.harness;

import javax.sql.DataSource;

/** One system under measurement: enqueue a backlog with its batch API, then drain it. */
interface Peer {
  /** The name in the results table. */
  String name();

  /**
   * Runs both measurements in {@code schema} (created empty by the harness, dropped afterwards) on
   * {@code dataSource} (a pool of the harness's connection budget): first bulk enqueue of N jobs,
   * then the drain of that backlog, each job calling {@code done.record(index)} after its work.
   */
  Result run(DataSource dataSource, String schema, Settings settings, Completions done) throws Exception;

  /** The run's settings, the same for every system. */
  record Settings(int jobs, int workers, int workMs) {
    void work() throws InterruptedException {
      if (workMs > 0) {
        Thread.sleep(workMs);
      }
    }
  }

  /** jobs/s for each measurement. */
  record Result(double enqueuePerSecond, double drainPerSecond) {}
}
