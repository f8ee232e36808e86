package io.millrace.bench;

import io.millrace.Millrace;
import io.millrace.internal.sql.SqlFile;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobRequest;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import javax.sql.DataSource;

/**
 * What finishing a job costs PostgreSQL, written inline or in two steps: the shipped completion
 * ({@code complete_batch}, which moves each job to the indexed, partitioned history as it finishes)
 * against the design that marks finished jobs in a narrow unindexed table and moves them to history
 * in large background batches, as River's cleaner does. The second arm runs the shipped statement
 * with its history insert pointed at an unindexed copy of the history's columns, then an archiving
 * statement that moves that table to history 5,000 rows at a time.
 *
 * <p>Each arm takes the same jobs through enqueue, claim and finish on a fresh schema, one session,
 * and reads per phase the WAL the server wrote ({@code pg_current_wal_insert_lsn()} before and
 * after) and the time the phase took. The session commits with {@code synchronous_commit = off}, so
 * the times are the server's work and the round trips, not the disk's flushes (every arm flushes
 * the same commits). The arms alternate over the rounds; the figures are medians with the spread.
 *
 * <pre>
 * java -cp millrace-bench/target/millrace-bench.jar io.millrace.bench.FinishPathCost [jobs] [rounds]
 * </pre>
 */
public final class FinishPathCost {
  private static final int COMPLETION_BATCH = 100;
  private static final int CLAIM_BATCH = 100;
  private static final int ARCHIVE_BATCH = 5_000;

  private FinishPathCost() {}

  /** One measured phase of one arm's run. */
  record Phase(String name, long walBytes, long nanos) {}

  public static void main(String[] args) throws Exception {
    int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    List<List<Phase>> inline = new ArrayList<>();
    List<List<Phase>> twoStep = new ArrayList<>();
    Map<String, List<List<Phase>>> runs = new LinkedHashMap<>();
    runs.put("inline", inline);
    runs.put("two-step", twoStep);
    try (BenchDatabase db = BenchDatabase.open(4)) {
      for (int round = 1; round <= rounds; round++) {
        List<String> order =
            round % 2 == 1 ? List.of("inline", "two-step") : List.of("two-step", "inline");
        for (String arm : order) {
          List<Phase> phases = run(db.dataSource(), arm, round, jobs);
          (arm.equals("inline") ? inline : twoStep).add(phases);
          System.out.printf(Locale.ROOT, "round %d %s: %s%n", round, arm, phases);
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%nFinishPathCost: %d jobs per run, %d runs per arm, alternating; %s;"
              + " WAL bytes and µs per job, median (min–max)%n%n",
          jobs,
          rounds,
          db.description());
      System.out.println("| arm | phase | WAL B/job | µs/job |");
      System.out.println("|---|---|---:|---:|");
      for (Map.Entry<String, List<List<Phase>>> arm : runs.entrySet()) {
        List<List<Phase>> byRun = arm.getValue();
        for (int p = 0; p < byRun.get(0).size(); p++) {
          int phase = p;
          List<Double> wal =
              byRun.stream().map(r -> (double) r.get(phase).walBytes() / jobs).toList();
          List<Double> micros =
              byRun.stream().map(r -> r.get(phase).nanos() / 1_000.0 / jobs).toList();
          System.out.printf(
              Locale.ROOT,
              "| %s | %s | %s | %s |%n",
              arm.getKey(),
              byRun.get(0).get(phase).name(),
              Stats.spread(wal, 0),
              Stats.spread(micros, 1));
        }
      }
    }
  }

  private static List<Phase> run(DataSource ds, String arm, int round, int jobs)
      throws SQLException {
    String schemaName = "finish_cost_" + arm.replace('-', '_') + "_" + round;
    SchemaName schema = SchemaName.of(schemaName);
    try (Millrace node = Millrace.builder(ds).schema(schemaName).build()) {
      node.migrate();
    }
    SqlFile sql = SqlFile.load(Job.class, "jobs.sql", schema);
    String complete = sql.get("complete_batch");
    boolean twoStep = arm.equals("two-step");
    String finished = schema.quoted() + ".job_finished";
    if (twoStep) {
      String history = "INSERT INTO " + schema.quoted() + ".job_history ";
      if (!complete.contains(history)) {
        throw new IllegalStateException("complete_batch no longer inserts into job_history");
      }
      complete = complete.replace(history, "INSERT INTO " + finished + " ");
    }
    List<Phase> phases = new ArrayList<>();
    try (Millrace node = Millrace.builder(ds).schema(schemaName).build();
        Connection c = ds.getConnection()) {
      try (Statement s = c.createStatement()) {
        s.execute("SET synchronous_commit = off");
        if (twoStep) {
          s.execute("CREATE TABLE " + finished + " (LIKE " + schema.quoted() + ".job_history)");
        }
        s.execute("CHECKPOINT");
      }
      List<JobRequest> requests =
          IntStream.range(0, jobs)
              .mapToObj(i -> JobRequest.of("probe", Map.of("i", i)).queue("probe"))
              .toList();
      phases.add(
          measure(
              c,
              "enqueue",
              () -> {
                for (int from = 0; from < jobs; from += 1_000) {
                  node.enqueueAll(c, requests.subList(from, Math.min(jobs, from + 1_000)));
                }
              }));
      List<long[]> claimed = new ArrayList<>();
      phases.add(measure(c, "claim", () -> claimAll(c, sql.get("claim"), claimed)));
      String completeSql = complete;
      phases.add(measure(c, "finish", () -> completeAll(c, completeSql, claimed)));
      if (twoStep) {
        String archive =
            "WITH gone AS (DELETE FROM "
                + finished
                + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM "
                + finished
                + " LIMIT "
                + ARCHIVE_BATCH
                + ")) RETURNING *) INSERT INTO "
                + schema.quoted()
                + ".job_history SELECT * FROM gone";
        phases.add(
            measure(
                c,
                "archive",
                () -> {
                  try (Statement s = c.createStatement()) {
                    while (s.executeUpdate(archive) > 0) {
                      // one batch per statement, each its own transaction
                    }
                  }
                }));
      }
      long left = count(c, "SELECT count(*) FROM " + schema.quoted() + ".job_history");
      if (left != jobs) {
        throw new IllegalStateException(arm + ": " + left + " jobs in history, not " + jobs);
      }
      try (Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA " + schema.quoted() + " CASCADE");
      }
    }
    return phases;
  }

  private static void claimAll(Connection c, String claim, List<long[]> claimed)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(claim)) {
      while (true) {
        ps.setString(1, "probe-node");
        ps.setLong(2, 3_600_000);
        ps.setString(3, "probe");
        ps.setString(4, "probe");
        ps.setInt(5, CLAIM_BATCH);
        int n = 0;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            claimed.add(new long[] {rs.getLong(1), rs.getInt(2)});
            n++;
          }
        }
        if (n == 0) {
          return;
        }
      }
    }
  }

  private static void completeAll(Connection c, String complete, List<long[]> claimed)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(complete)) {
      for (int from = 0; from < claimed.size(); from += COMPLETION_BATCH) {
        List<long[]> batch =
            claimed.subList(from, Math.min(claimed.size(), from + COMPLETION_BATCH));
        Long[] ids = batch.stream().map(j -> j[0]).toArray(Long[]::new);
        Integer[] attempts = batch.stream().map(j -> (int) j[1]).toArray(Integer[]::new);
        String[] nulls = new String[batch.size()];
        ps.setArray(1, c.createArrayOf("int8", ids));
        ps.setArray(2, c.createArrayOf("int4", attempts));
        ps.setArray(3, c.createArrayOf("text", nulls));
        ps.setArray(4, c.createArrayOf("text", nulls));
        int moved = 0;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            moved++;
          }
        }
        if (moved != batch.size()) {
          throw new IllegalStateException(
              "a completion batch moved " + moved + " of " + batch.size());
        }
      }
    }
  }

  /** A phase's body; it may throw what JDBC throws. */
  interface Body {
    void run() throws SQLException;
  }

  private static Phase measure(Connection c, String name, Body body) throws SQLException {
    long walBefore = walLsn(c);
    long start = System.nanoTime();
    body.run();
    long nanos = System.nanoTime() - start;
    return new Phase(name, walLsn(c) - walBefore, nanos);
  }

  private static long walLsn(Connection c) throws SQLException {
    return count(c, "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint");
  }

  private static long count(Connection c, String query) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
