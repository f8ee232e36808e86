package io.millrace.bench;

import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The ceiling a batched engine can approach on this database: Millrace's lifecycle as plain SQL on
 * tables of its own (schema {@code raw_ceiling}, dropped and recreated for every configuration so
 * churn from one does not slow the next). Insert N jobs in batches of 1,000 (one {@code unnest}
 * statement each), then W worker threads, each with its own connection in autocommit, loop:
 *
 * <ol>
 *   <li>claim up to B jobs: one {@code UPDATE … RETURNING} over a {@code FOR UPDATE SKIP LOCKED}
 *       select (1 statement, 1 transaction per batch);
 *   <li>"work": one sleep of B × work-ms per batch. A worker thread runs its batch's jobs one after
 *       another, so W threads form a W-slot pool at work-ms per job, as Millrace with queue
 *       concurrency W does; at 1 ms the ceiling is W × 1,000 jobs/s whatever B is;
 *   <li>complete the batch: one {@code DELETE … RETURNING} feeding {@code INSERT} into the archive
 *       (1 statement, 1 transaction per batch).
 * </ol>
 *
 * That is 2 statements and 2 commits per B jobs, plus 1 insert statement per 1,000. A worker stops
 * when a claim returns nothing: every job was inserted before the workers started, so an empty
 * claim means the backlog is drained (and any SQL error stops the run loudly). jobs/s = N / drain
 * time. Uses {@code DATABASE_URL} ({@code postgres://} or {@code jdbc:postgresql://}) when set,
 * else an embedded PostgreSQL 17 with default durability ({@code synchronous_commit=on}).
 *
 * <p>Run: {@code ./mvnw -B -o -pl millrace-bench -am package -DskipTests && java -cp
 * millrace-bench/target/millrace-bench.jar io.millrace.bench.RawSqlCeiling [jobs=20000]
 * [workers=16] [batches=1,100,500]} (batch 1 runs at about 1–2k jobs/s here, so give larger job
 * counts only with {@code batches=100,500}).
 */
public final class RawSqlCeiling {
  private static final SchemaName SCHEMA = SchemaName.of("raw_ceiling");
  private static final int INSERT_BATCH = 1_000;
  private static final int[] WORK_MS = {0, 1};

  private final SqlFile sql = SqlFile.load(RawSqlCeiling.class, "raw-sql-ceiling.sql", SCHEMA);
  private final String url;
  private final Properties credentials;

  /** The ceiling on the database at {@code url}; it creates and drops its own schema there. */
  public static RawSqlCeiling on(String url, Properties credentials) {
    return new RawSqlCeiling(url, credentials);
  }

  private RawSqlCeiling(String url, Properties credentials) {
    this.url = url;
    this.credentials = credentials;
  }

  public static void main(String[] argv) throws Exception {
    int jobs = argv.length > 0 ? Integer.parseInt(argv[0]) : 20_000;
    int workers = argv.length > 1 ? Integer.parseInt(argv[1]) : 16;
    int[] batchSizes =
        java.util.Arrays.stream((argv.length > 2 ? argv[2] : "1,100,500").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    EmbeddedPostgres embedded = null;
    Properties credentials = new Properties();
    String url;
    String where;
    if (System.getenv("DATABASE_URL") != null) {
      DatabaseUrl db = DatabaseUrl.parse("DATABASE_URL", System.getenv("DATABASE_URL"));
      url = db.jdbcUrl();
      if (db.user() != null) {
        credentials.setProperty("user", db.user());
      }
      if (db.password() != null) {
        credentials.setProperty("password", db.password());
      }
      where = url;
    } else {
      embedded = EmbeddedPostgres.builder().start();
      url = embedded.getJdbcUrl("postgres", "postgres");
      where = "embedded PostgreSQL 17, synchronous_commit=on";
    }
    try {
      RawSqlCeiling bench = new RawSqlCeiling(url, credentials);
      System.out.printf("raw-SQL ceiling: %d jobs, %d workers, %s%n", jobs, workers, where);
      System.out.printf(
          "  %5s  %7s  %12s  %12s%n", "batch", "work ms", "insert j/s", "lifecycle j/s");
      for (int workMs : WORK_MS) {
        for (int batch : batchSizes) {
          double[] rates = bench.run(jobs, workers, batch, workMs);
          System.out.printf("  %5d  %7d  %12.0f  %12.0f%n", batch, workMs, rates[0], rates[1]);
        }
      }
      bench.execute("drop_schema");
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  /** Returns {insert jobs/s, claim+complete jobs/s} for one configuration on fresh tables. */
  private double[] run(int jobs, int workers, int batch, int workMs) throws Exception {
    return run(jobs, workers, batch, workMs, id -> {});
  }

  /**
   * As {@link #run(int, int, int, int)}, telling {@code completed} the id of each job once its
   * batch's completion has committed. Ids run from 1 to {@code jobs}: the tables are new.
   */
  public double[] run(
      int jobs, int workers, int batch, int workMs, java.util.function.LongConsumer completed)
      throws Exception {
    for (String step :
        List.of(
            "drop_schema",
            "create_schema",
            "create_jobs",
            "create_claim_index",
            "create_archive")) {
      execute(step);
    }
    long t0 = System.nanoTime();
    String args = "{\"pad\":\"" + "x".repeat(200) + "\"}";
    try (Connection c = connect();
        PreparedStatement insert = c.prepareStatement(sql.get("insert"))) {
      for (int i = 0; i < jobs; i += INSERT_BATCH) {
        String[] docs = new String[Math.min(INSERT_BATCH, jobs - i)];
        java.util.Arrays.fill(docs, args);
        insert.setArray(1, c.createArrayOf("jsonb", docs));
        insert.executeUpdate();
      }
    }
    double insertRate = jobs / ((System.nanoTime() - t0) / 1e9);
    execute("analyze"); // fresh statistics, so every configuration plans the claim the same way

    ExecutorService pool = Executors.newFixedThreadPool(workers);
    long t1 = System.nanoTime();
    List<Future<Long>> done = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      done.add(pool.submit(() -> work(batch, workMs, completed)));
    }
    long finished = 0;
    for (Future<Long> f : done) {
      finished += f.get();
    }
    double lifecycleRate = jobs / ((System.nanoTime() - t1) / 1e9);
    pool.shutdown();
    if (finished != jobs) {
      throw new IllegalStateException("finished " + finished + " jobs of " + jobs);
    }
    return new double[] {insertRate, lifecycleRate};
  }

  /** One worker: claim, work, complete until a claim comes back empty. Returns jobs completed. */
  private long work(int batch, int workMs, java.util.function.LongConsumer completed)
      throws Exception {
    long done = 0;
    try (Connection c = connect();
        PreparedStatement claim = c.prepareStatement(sql.get("claim"));
        PreparedStatement complete = c.prepareStatement(sql.get("complete"))) {
      claim.setInt(1, batch);
      while (true) {
        List<Long> ids = new ArrayList<>(batch);
        try (ResultSet rs = claim.executeQuery()) {
          while (rs.next()) {
            ids.add(rs.getLong(1));
          }
        }
        if (ids.isEmpty()) {
          return done;
        }
        if (workMs > 0) {
          Thread.sleep((long) ids.size() * workMs);
        }
        Array array = c.createArrayOf("bigint", ids.toArray());
        complete.setArray(1, array);
        done += complete.executeUpdate();
        ids.forEach(completed::accept);
      }
    }
  }

  /** Drops the ceiling's schema and everything in it. */
  public void dropSchema() throws SQLException {
    execute("drop_schema");
  }

  private void execute(String name) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute(sql.get(name));
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(url, credentials);
  }
}
