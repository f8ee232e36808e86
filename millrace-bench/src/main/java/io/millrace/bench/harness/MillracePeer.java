package io.millrace.bench.harness;

import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Millrace as {@code DrainBenchmark} runs it: default settings, one queue whose concurrency is the
 * worker count; enqueue through {@code enqueueAll} (one statement per call). One node both enqueues
 * and runs the jobs; its workers start with {@link Engine#start()}.
 */
final class MillracePeer extends EnginePeer {
  @Override
  public String name() {
    return "Millrace";
  }

  @Override
  Engine open(DataSource ds, String schema, Settings s, Handler handler) {
    Millrace node =
        Millrace.builder(ds)
            .schema(schema)
            .queue("default", s.workers())
            .handler(
                "harness",
                Map.class,
                job -> {
                  handler.handle(
                      ((Number) Objects.requireNonNull(job.args().get("i"), "args.i")).intValue());
                  return null;
                })
            .build();
    node.migrate();
    return new Engine() {
      @Override
      public void enqueue(int from, int to) {
        List<JobRequest> requests = new ArrayList<>(to - from);
        for (int j = from; j < to; j++) {
          requests.add(JobRequest.of("harness", Map.of("i", j)));
        }
        node.enqueueAll(requests);
      }

      @Override
      public void start() {
        node.start();
      }

      @Override
      public void close() {
        node.close();
      }
    };
  }
}
