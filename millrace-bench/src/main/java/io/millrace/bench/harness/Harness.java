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
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Millrace side by side with its peers on one PostgreSQL, from one command: for each system, (c)
 * bulk enqueue of N jobs with its fastest documented batch API, then (a) the drain of that backlog
 * with W workers and {@code work-ms} of sleep per job, from worker start to the last completion;
 * then, once every system has drained, (b) a fixed offered rate (by default half of Millrace's
 * drain rate in this run) → pickup latency p50/p95/p99 from insert to handler start ({@link
 * FixedRate}). Every job must complete exactly once ({@link Completions}, or the Node.js script's
 * own ledger) or the run fails. One table comes out, with each figure's ratio to Millrace and its
 * share of the raw-SQL ceiling.
 *
 * <p>The systems: the raw-SQL ceiling, Millrace, db-scheduler, Quartz and JobRunr in this JVM, and
 * graphile-worker and pg-boss through {@code millrace-bench/peers/node/bench.mjs} ({@link
 * NodePeer}, which runs {@code npm ci} there first when needed).
 *
 * <p>Fairness: one database for the whole run ({@link BenchDatabase}: {@code DATABASE_URL}, else an
 * embedded PostgreSQL 17 with fsync and synchronous_commit on); each system in a schema of its own,
 * created empty before and dropped after (then a {@code CHECKPOINT}, so one system's dirty pages
 * are not flushed on the next one's time); the same W for every system, and the same connection
 * budget: a pool of W + 4 connections per system. How each peer is tuned, and why, is in each
 * peer's class comment and in {@code millrace-bench/HARNESS.md}.
 *
 * <p>Run: {@code ./mvnw -B -q -pl millrace-bench -am -DskipTests package && java -cp
 * millrace-bench/target/millrace-bench.jar io.millrace.bench.harness.Harness [--jobs 100000]
 * [--workers 16[,64...]] [--work-ms 1] [--latency-s 20] [--rate R] [--only NAME,...] [--node-peers
 * DIR] [--out target/harness-results.md] [--rounds 1] [--pause-s 5]}
 *
 * <p>Order matters on a shared machine (whichever system runs first in a sitting tends to do better
 * or worse than it would later), so {@code --rounds N} measures each table N times, reversing the
 * systems' order every other round, and reports each figure's median and spread, with each ratio
 * taken within a round (paired) before its median.
 */
public final class Harness {
  /** Extra connections beyond W: room for each system's pollers, heartbeats and housekeeping. */
  static final int SPARE_CONNECTIONS = 4;

  private Harness() {}

  /**
   * Every system, in table order; the Node.js peers run from {@code nodePeers}, or when null from
   * the directory {@link NodePeer#locate()} finds when they first run.
   */
  static List<Peer> peers(@Nullable Path nodePeers) {
    return List.of(
        new RawSqlPeer(),
        new MillracePeer(),
        new DbSchedulerPeer(),
        new QuartzPeer(),
        new JobRunrPeer(),
        new NodePeer("graphile-worker", "graphile-worker 0.17.3", nodePeers),
        new NodePeer("pg-boss", "pg-boss 10.4.2", nodePeers));
  }

  /**
   * The command line's settings.
   *
   * @param workers the worker count of this run: the first of {@code workerCounts}, or the one
   *     {@link #withWorkers} chose
   * @param workerCounts every count {@code --workers} listed; {@link Harness#main} runs each in
   *     turn
   * @param rate offered jobs/s for the latency workload; 0 means half of Millrace's drain rate
   * @param only names (prefixes, case-insensitive) of the systems to run; empty runs all. Millrace
   *     and the raw-SQL ceiling always run, since every ratio refers to them.
   * @param rounds how many times each worker count's table is measured; from 2 on, the systems run
   *     in the listed order in odd rounds and reversed in even ones, and the table gives medians
   *     with their spread
   * @param pauseSeconds the pause after each step's {@code CHECKPOINT}, so the next system starts
   *     on a settled server (autovacuum and the checkpointer done with the last one's tables)
   */
  record Options(
      int jobs,
      int workers,
      List<Integer> workerCounts,
      int workMs,
      int latencySeconds,
      double rate,
      List<String> only,
      @Nullable Path nodePeers,
      Path out,
      int rounds,
      int pauseSeconds) {
    static Options parse(String... argv) {
      int jobs = 100_000;
      List<Integer> workerCounts = List.of(16);
      int workMs = 1;
      int latencySeconds = 20;
      double rate = 0;
      List<String> only = List.of();
      Path nodePeers = null;
      Path out = Path.of("target", "harness-results.md");
      int rounds = 1;
      int pauseSeconds = 5;
      for (int i = 0; i < argv.length; i += 2) {
        if (i + 1 >= argv.length) {
          throw new IllegalArgumentException("missing value for " + argv[i]);
        }
        String value = argv[i + 1];
        switch (argv[i]) {
          case "--jobs" -> jobs = positive("--jobs", value);
          case "--workers" -> workerCounts = counts("--workers", value);
          case "--work-ms" -> workMs = Integer.parseInt(value);
          case "--latency-s" -> latencySeconds = positive("--latency-s", value);
          case "--rate" -> rate = Double.parseDouble(value);
          case "--only" -> only = List.of(value.toLowerCase(Locale.ROOT).split(","));
          case "--node-peers" -> nodePeers = Path.of(value).toAbsolutePath();
          case "--out" -> out = Path.of(value);
          case "--rounds" -> rounds = positive("--rounds", value);
          case "--pause-s" -> pauseSeconds = notNegative("--pause-s", value);
          default ->
              throw new IllegalArgumentException(
                  "unknown option "
                      + argv[i]
                      + "; usage: [--jobs N] [--workers W,...] [--work-ms MS] [--latency-s S] [--rate JOBS_PER_S]"
                      + " [--only NAME,...] [--node-peers DIR] [--out FILE] [--rounds N]"
                      + " [--pause-s S]");
        }
      }
      return new Options(
          jobs,
          workerCounts.get(0),
          workerCounts,
          workMs,
          latencySeconds,
          rate,
          only,
          nodePeers,
          out,
          rounds,
          pauseSeconds);
    }

    /** These options for one of the worker counts. */
    Options withWorkers(int count) {
      return with(count, rate);
    }

    /** These options with the offered rate fixed (every round offers what the first one did). */
    Options withRate(double fixed) {
      return with(workers, fixed);
    }

    private Options with(int workerCount, double offered) {
      return new Options(
          jobs,
          workerCount,
          workerCounts,
          workMs,
          latencySeconds,
          offered,
          only,
          nodePeers,
          out,
          rounds,
          pauseSeconds);
    }

    /** A comma-separated list of positive integers, e.g. {@code 16,64}. */
    static List<Integer> counts(String name, String value) {
      List<Integer> counts = new ArrayList<>();
      for (String part : value.split(",")) {
        counts.add(positive(name, part.strip()));
      }
      return List.copyOf(counts);
    }

    private static int notNegative(String name, String value) {
      int n = Integer.parseInt(value);
      if (n < 0) {
        throw new IllegalArgumentException(name + " must not be negative, got " + value);
      }
      return n;
    }

    private static int positive(String name, String value) {
      int n = Integer.parseInt(value);
      if (n <= 0) {
        throw new IllegalArgumentException(name + " must be positive, got " + value);
      }
      return n;
    }

    boolean selected(Peer peer) {
      String name = peer.name().toLowerCase(Locale.ROOT);
      return only.isEmpty()
          || peer instanceof MillracePeer
          || peer instanceof RawSqlPeer
          || only.stream().anyMatch(name::startsWith);
    }
  }

  /** One system's figures; {@code latency} is null for the raw-SQL ceiling. */
  /** {@code latency} is null for a system that measures no pickup latency. */
  record Row(Peer peer, Peer.Result result, Peer.@Nullable Latency latency) {}

  public static void main(String[] argv) throws Exception {
    Options options = Options.parse(argv);
    try (BenchDatabase db = BenchDatabase.open(2)) {
      // One table per worker count, each from a complete run (its own drain rate, so its own
      // default offered rate); the file ends up holding all of them.
      StringBuilder all = new StringBuilder();
      for (int workers : options.workerCounts()) {
        String table =
            runAndReport(options.withWorkers(workers), db.dataSource(), db.description());
        if (options.workerCounts().size() > 1) {
          all.append("### ").append(workers).append(" workers\n\n");
        }
        all.append(table).append('\n');
        System.out.print(table);
      }
      Path out = options.out().toAbsolutePath();
      Files.writeString(out, all.toString(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Runs every system ({@code options.rounds()} times), writes the table to {@code options.out()}
   * and returns it.
   */
  static String runAndReport(Options options, HikariDataSource admin, String where)
      throws Exception {
    List<Peer> peers = peers(options.nodePeers()).stream().filter(options::selected).toList();
    List<List<Row>> rounds = new ArrayList<>();
    Options fixed = options;
    for (int round = 1; round <= options.rounds(); round++) {
      List<Peer> order = new ArrayList<>(peers);
      if (round % 2 == 0) {
        Collections.reverse(order);
      }
      if (options.rounds() > 1) {
        System.err.printf(
            Locale.ROOT, "harness: round %d of %d: %s%n", round, options.rounds(), names(order));
      }
      List<Row> rows = runRound(fixed, admin, peers, order);
      if (fixed.rate() <= 0) {
        // Half of Millrace's drain in the first round, then the same offer in every later one.
        fixed = fixed.withRate(millraceRow(rows).result().drainPerSecond() / 2);
      }
      rounds.add(rows);
    }
    String table =
        options.rounds() == 1
            ? table(options, where, fixed.rate(), rounds.get(0))
            : RoundsTable.render(options, where, fixed.rate(), rounds);
    Path out = options.out().toAbsolutePath();
    Files.createDirectories(out.getParent());
    Files.writeString(out, table, StandardCharsets.UTF_8);
    return table;
  }

  /**
   * One round: every system's throughput, then every system's latency, in {@code order}; the rows
   * come back in table order ({@code peers}).
   */
  private static List<Row> runRound(
      Options options, HikariDataSource admin, List<Peer> peers, List<Peer> order)
      throws Exception {
    Peer.Settings settings = new Peer.Settings(options.jobs(), options.workers(), options.workMs());
    Map<Peer, Peer.Result> results = new HashMap<>();
    for (Peer peer : order) {
      results.put(
          peer,
          inSchema(
              options,
              admin,
              peer,
              "throughput",
              (pool, schema) -> {
                Peer.Result r =
                    peer.throughput(pool, schema, settings, new Completions(peer.jobs(settings)));
                System.err.printf(
                    Locale.ROOT,
                    "harness: %s: enqueue %.0f jobs/s, drain %.0f jobs/s (%d jobs)%n",
                    peer.name(),
                    r.enqueuePerSecond(),
                    r.drainPerSecond(),
                    r.jobs());
                return r;
              }));
    }
    double rate =
        options.rate() > 0
            ? options.rate()
            : Objects.requireNonNull(results.get(peers.get(indexOf(peers, MillracePeer.class))))
                    .drainPerSecond()
                / 2;
    Map<Peer, Optional<Peer.Latency>> latencies = new HashMap<>();
    for (Peer peer : order) {
      latencies.put(
          peer,
          inSchema(
              options,
              admin,
              peer,
              "latency",
              (pool, schema) -> {
                Peer.Latency l =
                    peer.latency(pool, schema, settings, rate, options.latencySeconds());
                if (l != null) {
                  System.err.printf(
                      Locale.ROOT,
                      "harness: %s: %.0f jobs/s offered, pickup p50 %.1f ms, p95 %.1f ms, p99 %.1f ms%n",
                      peer.name(),
                      l.offeredPerSecond(),
                      l.p50Ms(),
                      l.p95Ms(),
                      l.p99Ms());
                }
                return Optional.ofNullable(l);
              }));
    }
    List<Row> rows = new ArrayList<>();
    for (Peer peer : peers) {
      rows.add(
          new Row(
              peer,
              Objects.requireNonNull(results.get(peer)),
              Objects.requireNonNull(latencies.get(peer)).orElse(null)));
    }
    return rows;
  }

  static Row millraceRow(List<Row> rows) {
    return rows.get(indexOf(rows.stream().map(Row::peer).toList(), MillracePeer.class));
  }

  static Row ceilingRow(List<Row> rows) {
    return rows.get(indexOf(rows.stream().map(Row::peer).toList(), RawSqlPeer.class));
  }

  private static String names(List<Peer> peers) {
    return String.join(", ", peers.stream().map(Peer::name).toList());
  }

  /** One step of one system, in a fresh schema on a fresh pool of the connection budget. */
  interface Step<T> {
    T run(HikariDataSource pool, String schema) throws Exception;
  }

  private static <T> T inSchema(
      Options options, HikariDataSource admin, Peer peer, String what, Step<T> step)
      throws Exception {
    String schema =
        "harness_"
            + peer.name()
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9]+", "_")
                .replaceAll("_+$", "");
    execute(admin, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    execute(admin, "CREATE SCHEMA " + schema);
    System.err.printf("harness: %s: %s ...%n", peer.name(), what);
    try (HikariDataSource pool = pool(admin, options.workers() + SPARE_CONNECTIONS, peer.name())) {
      return step.run(pool, schema);
    } finally {
      execute(admin, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      execute(admin, "CHECKPOINT");
      Thread.sleep(options.pauseSeconds() * 1_000L);
    }
  }

  /** The results as a Markdown table, with the settings above it. */
  static String table(Options o, String where, double rate, List<Row> rows) {
    Row millrace = millraceRow(rows);
    Peer.Result ceiling = ceilingRow(rows).result();
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "Harness: %d jobs, %d workers, %d ms of work per job, pool of %d connections"
                + " per system; pickup latency at %.0f jobs/s offered for %d s; %s%n%n",
            o.jobs(),
            o.workers(),
            o.workMs(),
            o.workers() + SPARE_CONNECTIONS,
            rate,
            o.latencySeconds(),
            where));
    s.append(
        "| system | drain jobs/s | drain ÷ Millrace | drain % of raw SQL | bulk enqueue jobs/s"
            + " | enqueue ÷ Millrace | enqueue % of raw SQL | pickup p50 ms | p95 ms | p99 ms | p99 ÷ Millrace |\n");
    s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    List<String> notes = new ArrayList<>();
    for (Row row : rows) {
      Peer.Result r = row.result();
      String name = row.peer().name() + (r.jobs() == o.jobs() ? "" : " ¹");
      if (r.jobs() != o.jobs()) {
        notes.add(
            String.format(
                Locale.ROOT,
                "¹ %s drained and enqueued %d jobs, not %d (its drain of %d would take"
                    + " most of an hour).",
                row.peer().name(),
                r.jobs(),
                o.jobs(),
                o.jobs()));
      }
      boolean footnote =
          row.latency() != null
              && (row.latency().unstarted() > 0 || row.latency().offeredPerSecond() < 0.95 * rate);
      name += footnote ? " ²" : "";
      s.append(
          String.format(
              Locale.ROOT,
              "| %s | %.0f | %.2f | %.0f%% | %.0f | %.2f | %.0f%% | %s |%n",
              name,
              r.drainPerSecond(),
              r.drainPerSecond() / millrace.result().drainPerSecond(),
              100 * r.drainPerSecond() / ceiling.drainPerSecond(),
              r.enqueuePerSecond(),
              r.enqueuePerSecond() / millrace.result().enqueuePerSecond(),
              100 * r.enqueuePerSecond() / ceiling.enqueuePerSecond(),
              latencyCells(row.latency(), millrace.latency())));
      if (row.latency() != null
          && (row.latency().unstarted() > 0 || row.latency().offeredPerSecond() < 0.95 * rate)) {
        Peer.Latency l = row.latency();
        notes.add(
            String.format(
                Locale.ROOT,
                "² %s: %.0f jobs/s actually offered%s%s",
                row.peer().name(),
                l.offeredPerSecond(),
                l.offeredPerSecond() < 0.95 * rate ? " (its inserts set the pace)" : "",
                l.unstarted() == 0
                    ? "."
                    : String.format(
                        Locale.ROOT,
                        "; %d jobs not started %d s after the offer ended,"
                            + " counted with their waits so far, so its percentiles are lower bounds.",
                        l.unstarted(),
                        FixedRate.CUTOFF_S)));
      }
    }
    if (!notes.isEmpty()) {
      s.append('\n');
      notes.forEach(n -> s.append(n).append('\n'));
    }
    return s.toString();
  }

  private static String latencyCells(Peer.@Nullable Latency l, Peer.@Nullable Latency millrace) {
    if (l == null) {
      return "— | — | — | —";
    }
    boolean bound = l.unstarted() > 0;
    String mark = bound ? "≥ " : "";
    return String.format(
        Locale.ROOT,
        "%s%.1f | %s%.1f | %s%.1f | %.2f%s",
        mark,
        l.p50Ms(),
        mark,
        l.p95Ms(),
        mark,
        l.p99Ms(),
        millrace == null ? Double.NaN : l.p99Ms() / millrace.p99Ms(),
        "");
  }

  static int indexOf(List<Peer> peers, Class<? extends Peer> type) {
    for (int i = 0; i < peers.size(); i++) {
      if (type.isInstance(peers.get(i))) {
        return i;
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
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
