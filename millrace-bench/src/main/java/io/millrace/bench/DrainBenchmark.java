package io.millrace.bench;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Bulk enqueue and backlog drain on one node: jobs/s for each, with the settings printed beside the
 * numbers. Uses {@code DATABASE_URL} (plus {@code DATABASE_USER}/{@code DATABASE_PASSWORD}) when
 * set, else an embedded PostgreSQL 17 with fsync and synchronous_commit on.
 *
 * <p>Run: {@code ./mvnw -B -q -DskipTests package -pl millrace-bench -am && java -jar
 * millrace-bench/target/millrace-bench.jar [jobs=100000] [workers=16] [workMs=1]
 * [prefetch=max(workers,100)]}
 */
public final class DrainBenchmark {
  private DrainBenchmark() {}

  public static void main(String[] argv) throws Exception {
    int jobs = argv.length > 0 ? Integer.parseInt(argv[0]) : 100_000;
    int workers = argv.length > 1 ? Integer.parseInt(argv[1]) : 16;
    int workMs = argv.length > 2 ? Integer.parseInt(argv[2]) : 1;
    int prefetch = argv.length > 3 ? Integer.parseInt(argv[3]) : Math.max(workers, 100);
    try (BenchDatabase db = BenchDatabase.open(workers + 8)) {
      HikariDataSource ds = db.dataSource();
      String schema = "bench_" + System.currentTimeMillis();
      Millrace client = Millrace.builder(ds).schema(schema).build();
      client.migrate();

      long t0 = System.nanoTime();
      int batch = 1_000;
      for (int i = 0; i < jobs; i += batch) {
        List<JobRequest> requests = new ArrayList<>(batch);
        for (int j = i; j < Math.min(jobs, i + batch); j++) {
          requests.add(JobRequest.of("bench", Map.of("i", j, "pad", "x".repeat(200))));
        }
        client.enqueueAll(requests);
      }
      double enqueueSeconds = (System.nanoTime() - t0) / 1e9;

      Millrace node =
          Millrace.builder(ds)
              .schema(schema)
              .queue("default", workers)
              .prefetch(prefetch)
              .handler(
                  "bench",
                  Map.class,
                  job -> {
                    if (workMs > 0) {
                      Thread.sleep(workMs);
                    }
                    return null;
                  })
              .build();
      long t1 = System.nanoTime();
      node.start();
      while (!drained(ds, schema)) {
        Thread.sleep(100);
      }
      double drainSeconds = (System.nanoTime() - t1) / 1e9;
      node.close();
      client.close();

      System.out.printf(
          "millrace drain benchmark: %d jobs, %d workers, %d ms work/job, prefetch %d, %s%n",
          jobs, workers, workMs, prefetch, db.description());
      System.out.printf(
          "  bulk enqueue (batches of %d): %.0f jobs/s%n", batch, jobs / enqueueSeconds);
      System.out.printf(
          "  drain (claim %d, complete batched): %.0f jobs/s%n", 100, jobs / drainSeconds);
    }
  }

  /**
   * Whether the backlog is gone (no job fails here, so none is scheduled or retryable). Probes the
   * claim and running indexes; counting the hot table here instead would load the database being
   * measured (it roughly halved the figure).
   */
  static boolean drained(HikariDataSource ds, String schema) throws java.sql.SQLException {
    try (java.sql.Connection c = ds.getConnection();
        java.sql.Statement s = c.createStatement();
        java.sql.ResultSet rs =
            s.executeQuery(
                "SELECT NOT EXISTS (SELECT 1 FROM \""
                    + schema
                    + "\".jobs WHERE state IN ('available', 'running'))")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }
}
