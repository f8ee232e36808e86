package io.millrace.bench.harness;

import java.time.Duration;
import javax.sql.DataSource;

/**
 * A Java system in this JVM: it opens an {@link Engine} (tables created, client built, workers not
 * yet started), and the harness drives every workload through the same three calls, so each system
 * is measured by exactly the same code.
 */
abstract class EnginePeer implements Peer {
  /** Jobs per call in the bulk enqueue: each system's batch API takes 1,000 at once. */
  static final int ENQUEUE_BATCH = 1_000;

  /** A drain that completes nothing for this long fails the run. */
  static final Duration STALL = Duration.ofSeconds(60);

  /** What each job does when its handler runs; called with the job's index. */
  interface Handler {
    void handle(int index) throws Exception;
  }

  /** One system set up in a schema, its workers not started. */
  interface Engine extends AutoCloseable {
    /** Enqueues the jobs with indexes {@code from} (inclusive) to {@code to}, in one batch call. */
    void enqueue(int from, int to) throws Exception;

    /** Starts the workers (W at once), which call the handler for each job. */
    void start() throws Exception;

    /** Stops the workers and releases the system's resources (not the harness's pool). */
    @Override
    void close() throws Exception;
  }

  /**
   * Creates the system's tables in {@code schema} and builds it, running {@code handler} per job.
   */
  abstract Engine open(DataSource ds, String schema, Settings s, Handler handler) throws Exception;

  @Override
  public Result throughput(DataSource ds, String schema, Settings s, Completions done)
      throws Exception {
    int jobs = jobs(s);
    try (Engine engine =
        open(
            ds,
            schema,
            s,
            index -> {
              s.work();
              done.record(index);
            })) {
      long t0 = System.nanoTime();
      for (int i = 0; i < jobs; i += ENQUEUE_BATCH) {
        engine.enqueue(i, Math.min(jobs, i + ENQUEUE_BATCH));
      }
      double enqueue = jobs / ((System.nanoTime() - t0) / 1e9);
      long t1 = System.nanoTime();
      engine.start();
      return new Result(jobs, enqueue, jobs / done.await(t1, STALL));
    }
  }

  @Override
  public Latency latency(DataSource ds, String schema, Settings s, double rate, int seconds)
      throws Exception {
    FixedRate run = new FixedRate(rate, seconds);
    try (Engine engine =
        open(
            ds,
            schema,
            s,
            index -> {
              run.started(index);
              s.work();
              run.completed(index);
            })) {
      engine.start();
      return run.offer(engine::enqueue);
    }
  }
}
