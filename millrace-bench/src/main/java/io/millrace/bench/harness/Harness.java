package io.millrace.bench.harness;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.millrace.bench.BenchDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Millrace side by side with the Java peers on one PostgreSQL: for each system, (c) bulk enqueue of
 * N jobs with its fastest documented batch API, then (a) the drain of that backlog with W workers
 * and {@code work-ms} of sleep per job, from worker start to the last completion. Every job must
 * complete exactly once ({@link Completions}) or the run fails. One table of jobs/s comes out, with
 * each figure's ratio to Millrace and its share of the raw-SQL ceiling.
 *
 * <p>Fairness: one database for the whole run ({@link BenchDatabase}: {@code DATABASE_URL}, else an
 * embedded PostgreSQL 17 with fsync and synchronous_commit on); each system in a schema of its own,
 * created empty before and dropped after (then a {@code CHECKPOINT}, so one system's dirty pages are
 * not flushed on the next one's time); the same W for every system, and the same connection budget:
 * a pool of W + 4 connections per system. How each peer is tuned, and why, is in each peer's class
 * comment and in {@code millrace-bench/HARNESS.md}.
 *
 * <p>Run: {@code ./mvnw -B -o -pl millrace-bench -am -DskipTests package && java -cp
 * millrace-bench/target/millrace-bench.jar io.millrace.bench.harness.Harness [--jobs 100000]
 * [--workers 16] [--work-ms 1] [--out target/harness-results.md]}
 */
public final class Harness {
  /** Extra connections beyond W: room for each system's pollers, heartbeats and housekeeping. */
  static final int SPARE_CONNECTIONS = 4;

  static final List<Peer> PEERS = List.of(
      new RawSqlPeer(), new MillracePeer(), new DbSchedulerPeer(), new QuartzPeer(), new JobRunrPeer());

  private Harness() {}

  /** The command line's settings. */
  record Options(int jobs, int workers, int workMs, Path out) {
    static Options parse(String... argv) {
      int jobs = 100_000;
      int workers = 16;
      int workMs = 1;
      Path out = Path.of("target", "harness-results.md");
      for (int i = 0; i < argv.length; i += 2) {
        if (i + 1 >= argv.length) {
          throw new IllegalArgumentException("missing value for " + argv[i]);
        }
        String value = argv[i + 1];
        switch (argv[i]) {
          case "--jobs" -> jobs = Integer.parseInt(value);
          case "--workers" -> workers = Integer.parseInt(value);
          case "--work-ms" -> workMs = Integer.parseInt(value);
          case "--out" -> out = Path.of(value);
          default -> throw new IllegalArgumentException("unknown option " + argv[i]
              + "; usage: [--jobs N] [--workers W] [--work-ms MS] [--out FILE]");
        }
      }
      return new Options(jobs, workers, workMs, out);
    }
  }

  /** One system's figures. */
  record Row(String system, Peer.Result result) {}

  public static void main(String[] argv) throws Exception {
    Options options = Options.parse(argv);
    try (BenchDatabase db = BenchDatabase.open(2)) {
      String table = runAndReport(options, db.dataSource(), db.description());
      System.out.print(table);
    }
  }

  /** Runs every system, writes the table to {@code options.out()} and returns it. */
  static String runAndReport(Options options, HikariDataSource admin, String where) throws Exception {
    List<Row> rows = run(options, admin);
    String table = table(options, where, rows);
    Path out = options.out().toAbsolutePath();
    Files.createDirectories(out.getParent());
    Files.writeString(out, table, StandardCharsets.UTF_8);
    return table;
  }

  static List<Row> run(Options options, HikariDataSource admin) throws Exception {
    Peer.Settings settings = new Peer.Settings(options.jobs(), options.workers(), options.workMs());
    List<Row> rows = new ArrayList<>();
    for (Peer peer : PEERS) {
      String schema = "harness_" + peer.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_")
          .replaceAll("_+$", "");
      execute(admin, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      execute(admin, "CREATE SCHEMA " + schema);
      System.err.printf("harness: %s ...%n", peer.name());
      try (HikariDataSource pool = pool(admin, options.workers() + SPARE_CONNECTIONS, peer.name())) {
        Peer.Result result = peer.run(pool, schema, settings, new Completions(options.jobs()));
        System.err.printf("harness: %s: enqueue %.0f jobs/s, drain %.0f jobs/s%n",
            peer.name(), result.enqueuePerSecond(), result.drainPerSecond());
        rows.add(new Row(peer.name(), result));
      } finally {
        execute(admin, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        execute(admin, "CHECKPOINT");
      }
    }
    return rows;
  }

  /** The results as a Markdown table, with the settings above it. */
  static String table(Options o, String where, List<Row> rows) {
    Peer.Result millrace = find(rows, MillracePeer.class).result();
    Peer.Result ceiling = find(rows, RawSqlPeer.class).result();
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "Harness: %d jobs, %d workers, %d ms of work per job, pool of %d connections per system; %s%n%n",
        o.jobs(), o.workers(), o.workMs(), o.workers() + SPARE_CONNECTIONS, where));
    s.append("| system | drain jobs/s | drain ÷ Millrace | drain % of raw SQL | bulk enqueue jobs/s | enqueue ÷ Millrace | enqueue % of raw SQL |\n");
    s.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (Row row : rows) {
      Peer.Result r = row.result();
      s.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.0f%% | %.0f | %.2f | %.0f%% |%n", row.system(),
          r.drainPerSecond(), r.drainPerSecond() / millrace.drainPerSecond(),
          100 * r.drainPerSecond() / ceiling.drainPerSecond(),
          r.enqueuePerSecond(), r.enqueuePerSecond() / millrace.enqueuePerSecond(),
          100 * r.enqueuePerSecond() / ceiling.enqueuePerSecond()));
    }
    return s.toString();
  }

  private static Row find(List<Row> rows, Class<? extends Peer> type) {
    for (int i = 0; i < rows.size(); i++) {
      if (type.isInstance(PEERS.get(i))) {
        return rows.get(i);
      }
    }
    throw new IllegalStateException("no row for " + type.getSimpleName());
  }

  private static HikariDataSource pool(HikariDataSource admin, int size, String name) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(admin.getJdbcUrl());
    config.setUsername(admin.getUsername());
    config.setPassword(admin.getPassword());
    config.setMaximumPoolSize(size);
    config.setPoolName("harness-" + name.replaceAll("[^A-Za-z0-9]+", "-"));
    config.setConnectionTimeout(30_000);
    return new HikariDataSource(config);
  }

  private static void execute(HikariDataSource ds, String sql) throws Exception {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
