package io.millrace.bench.harness;

import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Millrace as {@code DrainBenchmark} runs it: default settings, one queue whose concurrency is the
 * worker count; enqueue through {@code enqueueAll} in batches of 1,000 (one statement each).
 */
final class MillracePeer implements Peer {
  static final int ENQUEUE_BATCH = 1_000;

  @Override
  public String name() {
    return "Millrace";
  }

  @Override
  public Result run(DataSource ds, String schema, Settings s, Completions done) throws Exception {
    double enqueue;
    try (Millrace client = Millrace.builder(ds).schema(schema).build()) {
      client.migrate();
      long t0 = System.nanoTime();
      for (int i = 0; i < s.jobs(); i += ENQUEUE_BATCH) {
        List<JobRequest> requests = new ArrayList<>(ENQUEUE_BATCH);
        for (int j = i; j < Math.min(s.jobs(), i + ENQUEUE_BATCH); j++) {
          requests.add(JobRequest.of("harness", Map.of("i", j)));
        }
        client.enqueueAll(requests);
      }
      enqueue = s.jobs() / ((System.nanoTime() - t0) / 1e9);
    }
    Millrace node = Millrace.builder(ds)
        .schema(schema)
        .queue("default", s.workers())
        .handler("harness", Map.class, job -> {
          s.work();
          done.record(((Number) job.args().get("i")).intValue());
          return null;
        })
        .build();
    long t1 = System.nanoTime();
    node.start();
    try {
      return new Result(enqueue, s.jobs() / done.await(t1, Duration.ofSeconds(60)));
    } finally {
      node.close();
    }
  }
}
