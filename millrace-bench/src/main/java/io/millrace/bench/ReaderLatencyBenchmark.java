package io.millrace.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.backfills.Backfill;
import io.millrace.backfills.BackfillState;
import io.millrace.backfills.BackfillStatus;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * What a data migration costs the application's readers: 4 reader threads query throughout (a
 * transmission by id and the count and latest timestamp of its observations, 1 ms think time) while
 * {@code last_seen = max(observations.timestamp) where last_seen = 0} is applied to 200,000
 * transmissions with 2,000,000 observations (20% of transmissions without any), three ways: nothing
 * (idle baseline), the one-shot UPDATE, and the Millrace backfill (defaults: 100 ms target batch
 * time, 20 ms yield). Reports reader p50/p95/max per phase and target, the migration's duration,
 * checks that the backfill's result equals the one-shot's, and measures the backfill's ETA against
 * the time it actually took (the mirrored ETA polled every 100 ms, timed by the heartbeat that
 * wrote it; error = |ETA − actual remaining| / actual remaining, at 25/50/75% progress and the
 * worst sample with at least 1 s remaining). With {@code -Deta.trace=true} it also prints every ETA
 * sample (progress, actual remaining, ETA, batch size, windowed rate).
 *
 * <p>Targets: a SQLite file in WAL mode ({@code sqlite}), the same in rollback-journal mode ({@code
 * sqlite-rollback}, SQLite's default, where readers wait for a writer's commit), and PostgreSQL
 * ({@code postgres}: {@code DATABASE_URL} or an embedded PostgreSQL 17 with fsync on).
 *
 * <p>Run: {@code ./mvnw -B -q -DskipTests package -pl millrace-bench -am && java -cp
 * millrace-bench/target/millrace-bench.jar io.millrace.bench.ReaderLatencyBenchmark
 * [targets=sqlite,sqlite-rollback,postgres] [transmissions=200000] [observations=2000000]
 * [idleSeconds=10] [yieldMillis=default]}
 */
public final class ReaderLatencyBenchmark {
  static final int READERS = 4;
  static final String FILTER = "last_seen = 0";
  static final String BODY =
      "UPDATE transmissions SET last_seen = (SELECT max(o.timestamp) FROM observations o"
          + " WHERE o.transmission_id = transmissions.id) WHERE {range}"
          + " AND EXISTS (SELECT 1 FROM observations o WHERE o.transmission_id = transmissions.id)";
  static final String ONE_SHOT =
      "UPDATE transmissions SET last_seen = (SELECT max(o.timestamp) FROM observations o"
          + " WHERE o.transmission_id = transmissions.id) WHERE last_seen = 0"
          + " AND EXISTS (SELECT 1 FROM observations o WHERE o.transmission_id = transmissions.id)";

  /** The backfill's yield between batches; -1 keeps the definition's default. */
  static long yieldMillis = -1;

  private ReaderLatencyBenchmark() {}

  public static void main(String[] argv) throws Exception {
    List<String> targets =
        List.of((argv.length > 0 ? argv[0] : "sqlite,sqlite-rollback,postgres").split(","));
    int transmissions = argv.length > 1 ? Integer.parseInt(argv[1]) : 200_000;
    int observations = argv.length > 2 ? Integer.parseInt(argv[2]) : 2_000_000;
    int idleSeconds = argv.length > 3 ? Integer.parseInt(argv[3]) : 10;
    yieldMillis = argv.length > 4 ? Long.parseLong(argv[4]) : -1;
    List<String> lines = new ArrayList<>();
    try (BenchDatabase db = BenchDatabase.open(8)) {
      System.out.println("Millrace registry: " + db.description());
      for (String target : targets) {
        lines.addAll(new Run(db, target, transmissions, observations, idleSeconds).run());
      }
    }
    System.out.println();
    System.out.printf(
        "%-16s %-10s %9s %9s %9s %10s %8s%n",
        "target", "phase", "p50 ms", "p95 ms", "max ms", "took s", "reads");
    lines.forEach(System.out::println);
  }

  /** One target: data, three phases, result check, ETA accuracy. */
  static final class Run {
    final BenchDatabase db;
    final String target;
    final int transmissions;
    final int observations;
    final int idleSeconds;
    final boolean postgres;
    final String appSchema = "reader_bench_app_" + System.currentTimeMillis();

    @SuppressWarnings("NullAway.Init") // set at the top of run(), before anything reads it
    DataSource app;

    @SuppressWarnings("NullAway.Init") // set at the top of run() for SQLite, the only reader
    String sqliteUrl;

    Run(BenchDatabase db, String target, int transmissions, int observations, int idleSeconds) {
      this.db = db;
      this.target = target;
      this.transmissions = transmissions;
      this.observations = observations;
      this.idleSeconds = idleSeconds;
      this.postgres = target.equals("postgres");
    }

    List<String> run() throws Exception {
      List<String> out = new ArrayList<>();
      HikariDataSource pool = null;
      if (postgres) {
        try (Connection c = db.dataSource().getConnection();
            Statement s = c.createStatement()) {
          s.execute("CREATE SCHEMA " + appSchema);
        }
        HikariConfig config = new HikariConfig();
        String url = db.dataSource().getJdbcUrl();
        config.setJdbcUrl(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + appSchema);
        config.setUsername(db.dataSource().getUsername());
        config.setPassword(db.dataSource().getPassword());
        config.setMaximumPoolSize(READERS + 4);
        pool = new HikariDataSource(config);
        app = pool;
      } else {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("millrace-reader-bench");
        sqliteUrl = "jdbc:sqlite:" + dir.resolve("app.db");
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(
            target.equals("sqlite")
                ? SQLiteConfig.JournalMode.WAL
                : SQLiteConfig.JournalMode.DELETE);
        config.setBusyTimeout(60_000);
        SQLiteDataSource ds = new SQLiteDataSource(config);
        ds.setUrl(sqliteUrl);
        app = ds;
      }
      try {
        long t0 = System.nanoTime();
        generate();
        System.out.printf(
            "%s: generated %,d transmissions and %,d observations in %.1f s%n",
            target, transmissions, observations, (System.nanoTime() - t0) / 1e9);

        out.add(phase("idle", () -> sleep(Duration.ofSeconds(idleSeconds))));
        out.add(phase("one-shot", () -> execute(ONE_SHOT)));
        execute("CREATE TABLE expected AS SELECT id, last_seen FROM transmissions");
        reset();
        List<double[]> etaSamples = new ArrayList<>();
        out.add(phase("backfill", () -> backfill(etaSamples)));
        long differ =
            scalar(
                "SELECT count(*) FROM transmissions t JOIN expected e ON e.id = t.id WHERE e.last_seen <> t.last_seen");
        out.add(
            String.format(
                "%-16s result equals the one-shot UPDATE's: %s (%d rows differ)",
                target, differ == 0 ? "yes" : "NO", differ));
        out.add(String.format("%-16s %s", target, etaAccuracy(etaSamples)));
      } finally {
        if (pool != null) {
          pool.close();
        }
      }
      return out;
    }

    private void generate() throws SQLException {
      String tx = "SELECT 7 * i, CASE WHEN i % 10 = 3 THEN 42 ELSE 0 END, 'tx-' || i FROM ";
      int with = transmissions / 5 * 4;
      String ob =
          "SELECT n, 7 * (((n % "
              + with
              + ") / 4) * 5 + ((n % "
              + with
              + ") % 4) + 1), (n * 31) % 1000003 + 1 FROM ";
      try (Connection c = app.getConnection();
          Statement s = c.createStatement()) {
        s.execute(
            "CREATE TABLE transmissions (id bigint PRIMARY KEY, last_seen bigint NOT NULL, name text NOT NULL)");
        s.execute(
            "CREATE TABLE observations (id bigint PRIMARY KEY, transmission_id bigint NOT NULL, timestamp bigint NOT NULL)");
        if (postgres) {
          s.execute(
              "INSERT INTO transmissions " + tx + "generate_series(1, " + transmissions + ") i");
          s.execute(
              "INSERT INTO observations " + ob + "generate_series(1, " + observations + ") n");
          s.execute("CREATE INDEX observations_tx_ts ON observations (transmission_id, timestamp)");
          s.execute("VACUUM ANALYZE transmissions");
          s.execute("VACUUM ANALYZE observations");
        } else {
          s.execute("BEGIN");
          s.execute(
              "INSERT INTO transmissions WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < "
                  + transmissions
                  + ") "
                  + tx
                  + "g");
          s.execute(
              "INSERT INTO observations WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < "
                  + observations
                  + ") "
                  + ob
                  + "g");
          s.execute("CREATE INDEX observations_tx_ts ON observations (transmission_id, timestamp)");
          s.execute("COMMIT");
          s.execute("ANALYZE");
        }
      }
    }

    /** Back to the initial values, then let the database settle (vacuum or checkpoint). */
    private void reset() throws SQLException {
      execute(
          "UPDATE transmissions SET last_seen = CASE WHEN (id / 7) % 10 = 3 THEN 42 ELSE 0 END");
      try (Connection c = app.getConnection();
          Statement s = c.createStatement()) {
        if (postgres) {
          s.execute("VACUUM ANALYZE transmissions");
        } else {
          s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
      }
    }

    private void backfill(List<double[]> etaSamples) throws Exception {
      String schema = "reader_bench_" + System.currentTimeMillis();
      Backfill.Builder b =
          Backfill.builder("last-seen")
              .target(app)
              .table("transmissions")
              .key("id")
              .filter(FILTER)
              .sql(BODY);
      if (yieldMillis >= 0) {
        b.yieldBetweenBatches(Duration.ofMillis(yieldMillis));
      }
      Backfill def = b.build();
      try (Millrace node =
          Millrace.builder(db.dataSource())
              .schema(schema)
              .pollInterval(Duration.ofMillis(100))
              .backfill(def)
              .build()) {
        long t0 = System.nanoTime();
        node.migrate();
        node.start();
        System.out.printf(
            "%s: Millrace schema migrated and node started in %.1f s%n",
            target, (System.nanoTime() - t0) / 1e9);
        java.time.Instant finished;
        while (true) {
          BackfillStatus s = node.backfills().get("last-seen").orElseThrow();
          if (s.state() == BackfillState.SUCCEEDED) {
            // A succeeded backfill always has its finish time.
            finished = Objects.requireNonNull(s.finishedAt(), "finishedAt");
            break;
          }
          if (s.state() == BackfillState.FAILED) {
            throw new IllegalStateException("backfill failed: " + s.lastError());
          }
          // The ETA as of the heartbeat that wrote it (progressAt), against the database's own
          // finishedAt: both from PostgreSQL's clock, so polling delay does not count as error.
          java.time.Instant progressAt = s.progressAt();
          Double eta = s.etaSeconds();
          Double percent = s.percent();
          if (s.state() == BackfillState.RUNNING
              && progressAt != null
              && eta != null
              && percent != null
              && (etaSamples.isEmpty()
                  || etaSamples.get(etaSamples.size() - 1)[3] != progressAt.toEpochMilli())) {
            etaSamples.add(
                new double[] {
                  progressAt.toEpochMilli() / 1e3,
                  eta,
                  percent,
                  progressAt.toEpochMilli(),
                  s.batchSize() == null ? 0 : s.batchSize(),
                  s.rowsPerSecond() == null ? 0 : s.rowsPerSecond()
                });
          }
          Thread.sleep(100);
        }
        BackfillStatus done = node.backfills().get("last-seen").orElseThrow();
        System.out.printf(
            "%s: backfill ran %.1f s (started to finished), %d batches, last batch size %d%n",
            target,
            java.time.Duration.between(done.startedAt(), done.finishedAt()).toMillis() / 1e3,
            done.batches(),
            done.batchSize());
        double end = finished.toEpochMilli() / 1e3;
        etaSamples.forEach(sample -> sample[0] = end - sample[0]); // now: actual remaining seconds
        if (Boolean.getBoolean("eta.trace")) {
          for (double[] x : etaSamples) {
            System.out.printf(
                Locale.ROOT,
                "eta-trace %s %5.1f%% left %6.2f s eta %6.2f s size %6.0f rate %8.0f%n",
                target,
                x[2],
                x[0],
                x[1],
                x[4],
                x[5]);
          }
        }
      }
    }

    private String etaAccuracy(List<double[]> samples) {
      StringBuilder sb = new StringBuilder("ETA error vs actual remaining time:");
      for (double at : new double[] {25, 50, 75}) {
        double[] s = samples.stream().filter(x -> x[2] >= at).findFirst().orElse(null);
        if (s != null) {
          sb.append(
              String.format(
                  Locale.ROOT,
                  " at %.0f%%: %.0f%% (ETA %.1f s, took %.1f s);",
                  at,
                  100 * Math.abs(s[1] - s[0]) / s[0],
                  s[1],
                  s[0]));
        }
      }
      double worst =
          samples.stream()
              .filter(x -> x[0] >= 1.0 && x[2] >= 10)
              .mapToDouble(x -> Math.abs(x[1] - x[0]) / x[0])
              .max()
              .orElse(Double.NaN);
      sb.append(
          String.format(
              Locale.ROOT,
              " worst from 10%% progress with >= 1 s left: %.0f%% (%d samples)",
              100 * worst,
              samples.size()));
      return sb.toString();
    }

    interface Work {
      void run() throws Exception;
    }

    /** Runs {@code work} while 4 readers query; returns the phase's line. */
    private String phase(String name, Work work) throws Exception {
      Recorder recorder = new Recorder(3);
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> readers = new ArrayList<>();
      List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
      for (int i = 0; i < READERS; i++) {
        Thread t =
            new Thread(
                () -> {
                  try (Connection c = readerConnection();
                      PreparedStatement one =
                          c.prepareStatement(
                              "SELECT last_seen, name FROM transmissions WHERE id = ?");
                      PreparedStatement obs =
                          c.prepareStatement(
                              "SELECT count(*), max(timestamp) FROM observations WHERE transmission_id = ?")) {
                    while (!stop.get()) {
                      long id = 7L * ThreadLocalRandom.current().nextInt(1, transmissions + 1);
                      long begin = System.nanoTime();
                      one.setLong(1, id);
                      try (ResultSet rs = one.executeQuery()) {
                        rs.next();
                      }
                      obs.setLong(1, id);
                      try (ResultSet rs = obs.executeQuery()) {
                        rs.next();
                      }
                      recorder.recordValue((System.nanoTime() - begin) / 1000);
                      Thread.sleep(1);
                    }
                  } catch (Exception e) {
                    errors.add(e);
                  }
                },
                "reader-" + i);
        readers.add(t);
        t.start();
      }
      Thread.sleep(300); // readers warm up; their first queries are not in the phase's histogram
      recorder.getIntervalHistogram();
      long start = System.nanoTime();
      work.run();
      double took = (System.nanoTime() - start) / 1e9;
      Histogram h = recorder.getIntervalHistogram();
      stop.set(true);
      for (Thread t : readers) {
        t.join();
      }
      if (!errors.isEmpty()) {
        throw new IllegalStateException("a reader failed in phase " + name, errors.get(0));
      }
      String line =
          String.format(
              Locale.ROOT,
              "%-16s %-10s %9.2f %9.2f %9.2f %10.1f %8d",
              target,
              name,
              h.getValueAtPercentile(50) / 1000.0,
              h.getValueAtPercentile(95) / 1000.0,
              h.getMaxValue() / 1000.0,
              took,
              h.getTotalCount());
      System.out.println(line);
      return line;
    }

    private Connection readerConnection() throws SQLException {
      if (postgres) {
        return app.getConnection();
      }
      Connection c = DriverManager.getConnection(sqliteUrl);
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout = 60000");
      }
      return c;
    }

    private void execute(String sql) throws SQLException {
      try (Connection c = app.getConnection();
          Statement s = c.createStatement()) {
        s.execute(sql);
      }
    }

    private long scalar(String sql) throws SQLException {
      try (Connection c = app.getConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery(sql)) {
        rs.next();
        return rs.getLong(1);
      }
    }

    private static void sleep(Duration d) throws InterruptedException {
      Thread.sleep(d.toMillis());
    }
  }
}
