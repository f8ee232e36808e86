package io.millrace.bench;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.counts.Counts;
import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What exact queue counts cost as history grows, with and without trusted counters, and what
 * maintaining the counters costs the completion path.
 *
 * <p>Part 1 grows one schema's history through 10^3, 10^5, 10^6 and 10^7 rows (10 queues, three
 * finished states), rebuilds the counters at each size and times {@code Counts.exact()} from the
 * counters (median of 25) and from the scan fallback (median of 3). Part 2 completes 200,000
 * running jobs in batches of 500 with Millrace's completion statement, then with the same statement
 * minus its counter update, in five alternating rounds after a warm-up, and reports the difference.
 * Part 3 drains 50,000 jobs through a node with the counters maintained and suppressed,
 * alternating.
 *
 * <p>Run: {@code ./mvnw -B -q -DskipTests package -pl millrace-bench -am && java -cp
 * millrace-bench/target/millrace-bench.jar io.millrace.bench.CountsBenchmark [maxRows=10000000]}
 * ({@code DATABASE_URL} for an external PostgreSQL, else embedded PostgreSQL 17.)
 */
public final class CountsBenchmark {
  private CountsBenchmark() {}

  public static void main(String[] argv) throws Exception {
    long maxRows = argv.length > 0 ? Long.parseLong(argv[0]) : 10_000_000L;
    try (BenchDatabase db = BenchDatabase.open(24)) {
      HikariDataSource ds = db.dataSource();
      String schema = "counts_bench_" + System.currentTimeMillis();
      Millrace client = Millrace.builder(ds).schema(schema).build();
      client.migrate();
      Counts counts = client.counts();
      median(counts, 200, true); // warm the JIT, the pool and the plan cache before measuring
      System.out.printf("exact queue counts vs history size (%s)%n", db.description());
      System.out.printf("  %12s  %16s  %16s%n", "history rows", "counters (ms)", "scan (ms)");
      long have = 0;
      for (long target = 1_000; target <= maxRows; target *= (target == 1_000 ? 100 : 10)) {
        insertHistory(ds, schema, have, target);
        have = target;
        counts.rebuild();
        double fromCounters = median(counts, 25, true);
        execute(ds, "UPDATE \"" + schema + "\".control SET counters_trusted = false");
        double scanned = median(counts, 3, false);
        counts.rebuild();
        System.out.printf("  %12d  %16.2f  %16.1f%n", target, fromCounters, scanned);
      }
      completionCost(ds, schema);
      drainCost(ds);
    }
  }

  /**
   * The counters' cost on a whole drain: the same node drains a backlog in two fresh schemas, one
   * as shipped and one where a BEFORE INSERT trigger suppresses every counter write (so its
   * completions do all the work except counting), alternating over three rounds each. The trigger
   * itself costs a little, so the figure slightly understates the counters' cost.
   */
  private static void drainCost(HikariDataSource ds) throws Exception {
    int jobs = 50_000;
    int rounds = 3;
    double[] with = new double[rounds];
    double[] without = new double[rounds];
    drain(ds, jobs / 5, false); // warm-up, discarded
    for (int round = 0; round < rounds; round++) {
      if (round % 2 == 0) {
        with[round] = drain(ds, jobs, false);
        without[round] = drain(ds, jobs, true);
      } else {
        without[round] = drain(ds, jobs, true);
        with[round] = drain(ds, jobs, false);
      }
    }
    Arrays.sort(with);
    Arrays.sort(without);
    System.out.printf(
        "drain of %d jobs, 16 handlers, no work (median of %d alternating rounds)%n", jobs, rounds);
    System.out.printf("  counters suppressed:  %.0f jobs/s%n", without[rounds / 2]);
    System.out.printf(
        "  counters maintained:  %.0f jobs/s (%.1f%% slower)%n",
        with[rounds / 2], 100 * (1 - with[rounds / 2] / without[rounds / 2]));
  }

  private static double drain(HikariDataSource ds, int jobs, boolean suppressCounters)
      throws Exception {
    String schema = "drain_bench_" + System.nanoTime();
    Millrace client = Millrace.builder(ds).schema(schema).build();
    client.migrate();
    if (suppressCounters) {
      String s = "\"" + schema + "\"";
      execute(
          ds,
          "CREATE FUNCTION "
              + s
              + ".skip_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$");
      execute(
          ds,
          "CREATE TRIGGER skip_counts BEFORE INSERT ON "
              + s
              + ".job_counts FOR EACH ROW EXECUTE FUNCTION "
              + s
              + ".skip_row()");
    }
    List<io.millrace.jobs.JobRequest> batch = new ArrayList<>();
    for (int i = 0; i < jobs; i++) {
      batch.add(io.millrace.jobs.JobRequest.of("noop", java.util.Map.of("i", i)));
      if (batch.size() == 1_000) {
        client.enqueueAll(batch);
        batch.clear();
      }
    }
    Millrace node =
        Millrace.builder(ds)
            .schema(schema)
            .queue("default", 16)
            .handler("noop", java.util.Map.class, job -> null)
            .build();
    long t = System.nanoTime();
    node.start();
    String probe = "SELECT count(*) FROM \"" + schema + "\".job_history";
    while (true) {
      try (Connection c = ds.getConnection();
          Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT NOT EXISTS (SELECT 1 FROM \""
                      + schema
                      + "\".jobs WHERE state IN ('available', 'running'))")) {
        rs.next();
        if (rs.getBoolean(1)) {
          break;
        }
      }
      Thread.sleep(100);
    }
    double rate = jobs / ((System.nanoTime() - t) / 1e9);
    node.close();
    client.close();
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(probe)) {
      rs.next();
      if (rs.getLong(1) != jobs) {
        throw new IllegalStateException(
            "drain finished " + rs.getLong(1) + " of " + jobs + " jobs");
      }
    }
    return rate;
  }

  private static void insertHistory(HikariDataSource ds, String schema, long from, long to)
      throws Exception {
    for (long start = from; start < to; start += 1_000_000) {
      long end = Math.min(to, start + 1_000_000);
      execute(
          ds,
          "INSERT INTO \""
              + schema
              + "\".job_history (id, queue, kind, args, state, priority, attempt,"
              + " max_attempts, tags, errors, created_at, finished_at)"
              + " SELECT g, 'queue-' || (g % 10), 'bench', '{}', (ARRAY['completed','failed','cancelled'])[1 + g % 3],"
              + " 0, 1, 1, '{}', '[]', now(), now() FROM generate_series("
              + (start + 1)
              + ", "
              + end
              + ") g");
    }
    execute(ds, "VACUUM ANALYZE \"" + schema + "\".job_history");
  }

  private static double median(Counts counts, int runs, boolean expectTrusted) {
    double[] ms = new double[runs];
    for (int i = 0; i < runs; i++) {
      long t = System.nanoTime();
      var report = counts.exact(List.of());
      ms[i] = (System.nanoTime() - t) / 1e6;
      if (report.fromCounters() != expectTrusted) {
        throw new IllegalStateException("read did not take the expected path");
      }
    }
    Arrays.sort(ms);
    return ms[runs / 2];
  }

  /** The completion statement with and without its counter update, alternating rounds. */
  private static void completionCost(HikariDataSource ds, String schema) throws Exception {
    String withCounters =
        SqlFile.load(io.millrace.jobs.JobRequest.class, "jobs.sql", SchemaName.of(schema))
            .get("complete_batch");
    int cut = withCounters.indexOf("counted AS (");
    String withoutCounters = withCounters.substring(0, cut).stripTrailing();
    withoutCounters =
        withoutCounters.substring(0, withoutCounters.length() - 1) + "\nSELECT id FROM moved";
    int jobs = 200_000;
    int batch = 500;
    completeAll(ds, schema, withoutCounters, jobs / 4, batch); // warm-up, discarded
    completeAll(ds, schema, withCounters, jobs / 4, batch);
    int rounds = 5;
    double[] with = new double[rounds];
    double[] without = new double[rounds];
    for (int round = 0; round < rounds; round++) {
      // Alternate which goes first so that drift in the machine's load favours neither.
      if (round % 2 == 0) {
        without[round] = completeAll(ds, schema, withoutCounters, jobs, batch);
        with[round] = completeAll(ds, schema, withCounters, jobs, batch);
      } else {
        with[round] = completeAll(ds, schema, withCounters, jobs, batch);
        without[round] = completeAll(ds, schema, withoutCounters, jobs, batch);
      }
    }
    Arrays.sort(with);
    Arrays.sort(without);
    System.out.printf(
        "completion statement, %d jobs in batches of %d (median of %d alternating rounds)%n",
        jobs, batch, rounds);
    System.out.printf("  without counter update: %.0f jobs/s%n", without[rounds / 2]);
    System.out.printf(
        "  with counter update:    %.0f jobs/s (%.1f%% slower)%n",
        with[rounds / 2], 100 * (1 - with[rounds / 2] / without[rounds / 2]));
  }

  private static double completeAll(
      HikariDataSource ds, String schema, String statement, int jobs, int batch) throws Exception {
    String s = "\"" + schema + "\"";
    execute(
        ds,
        "INSERT INTO "
            + s
            + ".jobs (queue, kind, args, state, max_attempts, attempt, attempted_by, lease_expires_at)"
            + " SELECT 'queue-' || (g % 10), 'bench', '{}', 'running', 1, 1, 'bench', now() + interval '1 hour'"
            + " FROM generate_series(1, "
            + jobs
            + ") g");
    List<Long> ids = new ArrayList<>(jobs);
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT id FROM " + s + ".jobs ORDER BY id")) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    }
    long t = System.nanoTime();
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(statement)) {
      for (int i = 0; i < ids.size(); i += batch) {
        List<Long> part = ids.subList(i, Math.min(ids.size(), i + batch));
        Integer[] attempts = new Integer[part.size()];
        Arrays.fill(attempts, 1);
        ps.setArray(1, c.createArrayOf("int8", part.toArray()));
        ps.setArray(2, c.createArrayOf("int4", attempts));
        ps.setArray(3, c.createArrayOf("text", new String[part.size()]));
        ps.executeQuery().close();
      }
    }
    return jobs / ((System.nanoTime() - t) / 1e9);
  }

  private static void execute(HikariDataSource ds, String sql) throws Exception {
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
