package io.millrace.bench.soak;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.bench.BenchDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * A session idle in transaction during a fixed-rate run: one Millrace node works a queue at a fixed
 * offered rate for {@code clean} seconds, then another session runs {@code BEGIN; SELECT
 * txid_current()} and sits idle in that transaction for {@code hold} seconds (its xid holds back
 * the xmin horizon, so vacuum can remove no dead tuple newer than it: the classic way a queue on
 * PostgreSQL slows to a crawl), then commits, and the run goes on for {@code after} seconds.
 *
 * <p>Prints the completion rate per {@value #WINDOW_S} s window, the clean rate, the lowest and
 * mean rate while held (as a share of clean), the seconds after the commit until the node has
 * caught up (backlog back under one second of offered load and a window at ≥ 90% of clean), and
 * {@code n_dead_tup} of Millrace's tables before the hold, at its end and {@code after} seconds
 * later.
 *
 * <p>Run: {@code ./mvnw -B -q -pl millrace-bench -am package -DskipTests && java -cp
 * millrace-bench/target/millrace-bench.jar io.millrace.bench.soak.IdleInTransactionBenchmark
 * [rate=2000] [workers=16] [clean-s=60] [hold-s=60] [after-s=60]}
 */
public final class IdleInTransactionBenchmark {
  static final int WINDOW_S = 5;

  private IdleInTransactionBenchmark() {}

  public static void main(String[] argv) throws Exception {
    double rate = argv.length > 0 ? Double.parseDouble(argv[0]) : 2000;
    int workers = argv.length > 1 ? Integer.parseInt(argv[1]) : 16;
    int cleanS = argv.length > 2 ? Integer.parseInt(argv[2]) : 60;
    int holdS = argv.length > 3 ? Integer.parseInt(argv[3]) : 60;
    int afterS = argv.length > 4 ? Integer.parseInt(argv[4]) : 60;
    try (BenchDatabase db = BenchDatabase.open(workers + 8)) {
      HikariDataSource ds = db.dataSource();
      String schema = "soak_idle_" + System.currentTimeMillis();
      LongAdder completed = new LongAdder();
      Millrace node =
          Millrace.builder(ds)
              .schema(schema)
              .queue("default", workers)
              .handler(
                  FixedRateLoad.KIND,
                  Map.class,
                  job -> {
                    Thread.sleep(1);
                    completed.increment();
                    return null;
                  })
              .build();
      node.migrate();
      node.start();
      System.out.printf(
          Locale.ROOT,
          "idle in transaction: %.0f jobs/s offered, %d workers, clean %d s, held %d s,"
              + " after %d s; %s%n",
          rate,
          workers,
          cleanS,
          holdS,
          afterS,
          db.description());
      List<String> deadBefore;
      List<String> deadDuring;
      List<Double> clean = new ArrayList<>();
      List<Double> held = new ArrayList<>();
      double recoveredAfterS = -1;
      try (FixedRateLoad load = new FixedRateLoad(node, rate)) {
        Windows windows = new Windows(completed, load);
        windows.run(cleanS, "clean", clean);
        deadBefore = deadTuples(ds, schema);
        try (Connection idle = ds.getConnection()) {
          idle.setAutoCommit(false);
          try (Statement st = idle.createStatement()) {
            st.execute("SELECT txid_current()");
          }
          windows.run(holdS, "held", held);
          deadDuring = deadTuples(ds, schema);
          idle.commit();
        }
        double cleanRate = mean(clean);
        for (int t = 0; t < afterS; t += WINDOW_S) {
          double r = windows.next("after");
          if (recoveredAfterS < 0 && r >= 0.9 * cleanRate && windows.backlog() <= rate) {
            recoveredAfterS = t + WINDOW_S;
          }
        }
      } finally {
        node.close();
      }
      List<String> deadAfter = deadTuples(ds, schema);
      double cleanRate = mean(clean);
      System.out.printf(Locale.ROOT, "clean: %.0f jobs/s completed%n", cleanRate);
      System.out.printf(
          Locale.ROOT,
          "held: lowest window %.0f jobs/s (%.0f%% of clean), mean %.0f jobs/s (%.0f%%)%n",
          min(held),
          100 * min(held) / cleanRate,
          mean(held),
          100 * mean(held) / cleanRate);
      System.out.println(
          recoveredAfterS < 0
              ? "after: not caught up within " + afterS + " s"
              : String.format(
                  Locale.ROOT, "after: caught up within %.0f s of the commit", recoveredAfterS));
      System.out.println("n_dead_tup (table: before hold / end of hold / " + afterS + " s after):");
      for (int i = 0; i < deadBefore.size(); i++) {
        System.out.printf(
            "  %s / %s / %s%n",
            deadBefore.get(i),
            deadDuring.get(i).replaceAll("^.*: ", ""),
            deadAfter.get(i).replaceAll("^.*: ", ""));
      }
    }
  }

  /** Completion rate per window, printed as it goes. */
  private static final class Windows {
    private final LongAdder completed;
    private final FixedRateLoad load;
    private long lastCompleted;
    private long t;

    Windows(LongAdder completed, FixedRateLoad load) {
      this.completed = completed;
      this.load = load;
    }

    void run(int seconds, String phase, List<Double> into) throws InterruptedException {
      for (int s = 0; s < seconds; s += WINDOW_S) {
        into.add(next(phase));
      }
    }

    double next(String phase) throws InterruptedException {
      Thread.sleep(WINDOW_S * 1000L);
      long now = completed.sum();
      double rate = (now - lastCompleted) / (double) WINDOW_S;
      lastCompleted = now;
      t += WINDOW_S;
      System.out.printf(
          Locale.ROOT,
          "  t=%3d s  %-5s  %6.0f jobs/s completed, backlog %d%n",
          t,
          phase,
          rate,
          backlog());
      return rate;
    }

    long backlog() {
      return load.enqueued() - completed.sum();
    }
  }

  /** {@code table: n_dead_tup} for each of Millrace's tables with any rows touched, by name. */
  private static List<String> deadTuples(HikariDataSource ds, String schema) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT relname, n_dead_tup FROM pg_stat_user_tables"
                    + " WHERE schemaname = ? AND relname IN ('jobs', 'job_counts', 'nodes', 'queues', 'control')"
                    + " ORDER BY relname")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1) + ": " + rs.getLong(2));
        }
      }
    }
    return out;
  }

  private static double mean(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).average().orElse(0);
  }

  private static double min(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).min().orElse(0);
  }
}
