package io.millrace.bench;

import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Where pickup latency goes: one node works a fixed offered rate (the harness's workload (b): every
 * 10 ms the producer enqueues what the clock says it owes, in batches of at most 128), and each
 * job's latency is split into the parts that tell causes apart:
 *
 * <ul>
 *   <li><b>insert</b>: the enqueue call, from just before it to its return (after the commit);
 *   <li><b>created → claim start</b>: the job's {@code created_at} to the {@code now()} of the
 *       claim that took it, both from PostgreSQL's clock (a row trigger on the profiled schema's
 *       {@code jobs} records the claim; it adds a little load of its own);
 *   <li><b>claim start → handler</b>: the rest, the claim's round trip and the wait in the buffer;
 *   <li><b>NOTIFY delivery</b>: an independent {@code LISTEN} connection on the new-job channel,
 *       the i-th notification against the i-th enqueue's return;
 * </ul>
 *
 * plus what {@link ClaimSampler} saw of the claims that ran long (wait events; time on a CPU
 * against time ready but waiting for one), and, when the server has {@code pg_stat_statements}
 * loaded (as {@link EmbeddedServer} does; point {@code DATABASE_URL} at it), the statements' calls,
 * execution times and buffer hits over the measured phase. A warm-up drain of 100,000 jobs runs
 * first, as in the harness, so the JIT is not part of the figures. Without {@code DATABASE_URL} it
 * starts an embedded server in this process, as the harness does.
 *
 * <pre>
 * java -cp millrace-bench/target/millrace-bench.jar io.millrace.bench.EmbeddedServer &amp;   # prints DATABASE_URL
 * DATABASE_URL=... java -cp millrace-bench/target/millrace-bench.jar io.millrace.bench.PickupProfile [rate] [seconds] [workers]
 * </pre>
 */
public final class PickupProfile {
  private static final String SCHEMA = "pickup_profile";

  private PickupProfile() {}

  public static void main(String[] args) throws Exception {
    double rate = args.length > 0 ? Double.parseDouble(args[0]) : 6_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    int workers = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    int jobs = (int) Math.round(rate * seconds);
    long[] stamp = new long[jobs];
    long[] inserted = new long[jobs];
    long[] started = new long[jobs];
    AtomicLong done = new AtomicLong();
    try (BenchDatabase db = BenchDatabase.open(workers + 4)) {
      DataSource ds = db.dataSource();
      dropSchema(ds);
      Millrace node =
          Millrace.builder(ds)
              .schema(SCHEMA)
              .queue("default", workers)
              .handler(
                  "profile",
                  Map.class,
                  job -> {
                    int i =
                        ((Number) Objects.requireNonNull(job.args().get("i"), "args.i")).intValue();
                    if (i >= 0) {
                      started[i] = System.nanoTime();
                    }
                    Thread.sleep(1);
                    if (i >= 0) {
                      done.incrementAndGet();
                    }
                    return null;
                  })
              .build();
      try {
        node.migrate();
        installClaimTrigger(ds);
        node.start();
        warmUp(node, ds);

        List<Long> notified = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread listener = listen(ds, SchemaName.of(SCHEMA).jobsChannel(), notified);
        boolean statements = resetStatements(ds);
        ClaimSampler sampler = new ClaimSampler(ds);
        List<Long> enqueued = new ArrayList<>();

        long start = System.nanoTime();
        long next = start;
        int produced = 0;
        while (produced < jobs) {
          int owed;
          while ((owed =
                  (int) Math.min(jobs, (long) Math.floor(rate * (System.nanoTime() - start) / 1e9))
                      - produced)
              > 0) {
            int n = Math.min(owed, 128);
            long now = System.nanoTime();
            List<JobRequest> batch = new ArrayList<>(n);
            for (int i = produced; i < produced + n; i++) {
              stamp[i] = now;
              batch.add(JobRequest.of("profile", Map.of("i", i)));
            }
            node.enqueueAll(batch);
            long after = System.nanoTime();
            enqueued.add(after);
            for (int i = produced; i < produced + n; i++) {
              inserted[i] = after;
            }
            produced += n;
          }
          next += TimeUnit.MILLISECONDS.toNanos(10);
          long now = System.nanoTime();
          if (next > now) {
            TimeUnit.NANOSECONDS.sleep(next - now);
          } else {
            next = now;
          }
        }
        double offered = jobs / ((System.nanoTime() - start) / 1e9);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (done.get() < jobs && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        listener.interrupt();
        sampler.close();
        if (done.get() < jobs) {
          throw new IllegalStateException(
              (jobs - done.get()) + " jobs did not run within 60 s of the offer");
        }

        Map<Integer, Double> claimDelay = claimDelays(ds);
        int warm = jobs / 10;
        int n = jobs - warm;
        double[] insert = new double[n];
        double[] toClaim = new double[n];
        double[] claimToHandler = new double[n];
        double[] total = new double[n];
        for (int i = warm; i < jobs; i++) {
          int k = i - warm;
          insert[k] = (inserted[i] - stamp[i]) / 1e6;
          total[k] = (started[i] - stamp[i]) / 1e6;
          toClaim[k] = claimDelay.getOrDefault(i, Double.NaN);
          claimToHandler[k] = total[k] - toClaim[k];
        }
        System.out.printf(
            Locale.ROOT,
            "pickup profile: %.0f jobs/s offered for %d s, %d workers, %s%n",
            offered,
            seconds,
            workers,
            db.description());
        System.out.println(
            "part (ms, the first 10% of jobs left out)     p50      p95      p99      max");
        print("insert (enqueue call)", insert);
        print("created -> claim start", toClaim);
        print("claim start -> handler", claimToHandler);
        print("total pickup", total);
        long[] delays = notifyDelays(enqueued, notified);
        if (delays.length > 0) {
          double[] ms = Arrays.stream(delays).mapToDouble(d -> d / 1e6).toArray();
          print("NOTIFY delivery", ms);
        }
        if (statements) {
          printStatements(ds);
        }
        sampler.print();
      } finally {
        node.close();
        dropSchema(ds);
      }
    }
  }

  private static void warmUp(Millrace node, DataSource ds) throws Exception {
    List<JobRequest> batch = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      batch.add(JobRequest.of("profile", Map.of("i", -1)));
    }
    for (int k = 0; k < 100; k++) {
      node.enqueueAll(batch);
    }
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() < deadline) {
      try (Connection c = ds.getConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*) FROM " + SCHEMA + ".jobs")) {
        rs.next();
        if (rs.getLong(1) == 0) {
          try (Statement t = c.createStatement()) {
            t.execute("TRUNCATE " + SCHEMA + ".claim_log");
          }
          return;
        }
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the warm-up drain did not finish within 5 minutes");
  }

  /** Records each claim's transaction start for each job it took, in the profiled schema. */
  private static void installClaimTrigger(DataSource ds) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE "
              + SCHEMA
              + ".claim_log (i int, created timestamptz, claimed timestamptz)");
      s.execute(
          "CREATE FUNCTION "
              + SCHEMA
              + ".log_claim() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
              + " INSERT INTO "
              + SCHEMA
              + ".claim_log VALUES ((NEW.args->>'i')::int, NEW.created_at, now());"
              + " RETURN NEW; END $$");
      s.execute(
          "CREATE TRIGGER log_claim AFTER UPDATE OF state ON "
              + SCHEMA
              + ".jobs FOR EACH ROW"
              + " WHEN (NEW.state = 'running' AND (NEW.args->>'i')::int >= 0) EXECUTE FUNCTION "
              + SCHEMA
              + ".log_claim()");
    }
  }

  private static Map<Integer, Double> claimDelays(DataSource ds) throws SQLException {
    Map<Integer, Double> delays = new HashMap<>();
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT i, extract(epoch FROM claimed - created) * 1000 FROM "
                    + SCHEMA
                    + ".claim_log")) {
      while (rs.next()) {
        delays.put(rs.getInt(1), rs.getDouble(2));
      }
    }
    return delays;
  }

  /** A LISTEN connection of its own, recording each notification's arrival. */
  private static Thread listen(DataSource ds, String channel, List<Long> arrivals)
      throws InterruptedException {
    Thread t =
        new Thread(
            () -> {
              try (Connection c = ds.getConnection();
                  Statement s = c.createStatement()) {
                s.execute("LISTEN \"" + channel + "\"");
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!Thread.currentThread().isInterrupted()) {
                  PGNotification[] notes = pg.getNotifications(100);
                  long now = System.nanoTime();
                  if (notes != null) {
                    for (int i = 0; i < notes.length; i++) {
                      arrivals.add(now);
                    }
                  }
                }
                s.execute("UNLISTEN *");
              } catch (SQLException e) {
                System.err.println("listener stopped: " + e.getMessage());
              }
            },
            "pickup-profile-listener");
    t.setDaemon(true);
    t.start();
    Thread.sleep(200);
    return t;
  }

  /** The i-th notification against the i-th enqueue's return (one NOTIFY per insert statement). */
  private static long[] notifyDelays(List<Long> enqueued, List<Long> notified) {
    List<Long> arrivals;
    synchronized (notified) {
      arrivals = new ArrayList<>(notified);
    }
    int n = Math.min(enqueued.size(), arrivals.size());
    long[] delays = new long[n];
    for (int i = 0; i < n; i++) {
      delays[i] = arrivals.get(i) - enqueued.get(i);
    }
    return delays;
  }

  private static boolean resetStatements(DataSource ds) {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      s.execute("SELECT pg_stat_statements_reset()");
      return true;
    } catch (SQLException e) {
      System.err.println(
          "pg_stat_statements is not loaded on this server (run against EmbeddedServer for it): "
              + e.getMessage());
      return false;
    }
  }

  private static void printStatements(DataSource ds) throws SQLException {
    System.out.println("statements (pg_stat_statements over the measured phase)");
    System.out.println("     calls  total ms  mean ms   max ms  blocks/call  rows/call  statement");
    String sql =
        "SELECT calls, total_exec_time, mean_exec_time, max_exec_time,"
            + " (shared_blks_hit + shared_blks_read) / greatest(calls, 1), rows / greatest(calls, 1),"
            + " left(regexp_replace(query, '\\s+', ' ', 'g'), 60)"
            + " FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'"
            + " ORDER BY total_exec_time DESC LIMIT 8";
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        System.out.printf(
            Locale.ROOT,
            "%10d %9.0f %8.2f %8.1f %12d %10d  %s%n",
            rs.getLong(1),
            rs.getDouble(2),
            rs.getDouble(3),
            rs.getDouble(4),
            rs.getLong(5),
            rs.getLong(6),
            rs.getString(7));
      }
    }
  }

  private static void print(String name, double[] values) {
    double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
    if (v.length == 0) {
      return;
    }
    System.out.printf(
        Locale.ROOT,
        "%-40s %8.2f %8.2f %8.2f %8.2f%n",
        name,
        v[v.length / 2],
        v[(int) (v.length * 0.95)],
        v[(int) (v.length * 0.99)],
        v[v.length - 1]);
  }

  private static void dropSchema(DataSource ds) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
    }
  }
}
