package io.millrace.bench.phases;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.bench.BenchDatabase;
import io.millrace.bench.harness.NodePeer;
import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Runs adapters that speak the benchmark JSONL protocol (Millrace's {@code
 * io.millrace.bench.adapter.Adapter}, graphile-worker's {@code peers/node/adapter.mjs}, or any
 * other given with {@code --adapter NAME=COMMAND}) through timed phases, the way cross-system
 * benchmarks measure them:
 *
 * <ol>
 *   <li><b>warm-up</b>: load on, figures kept but not the point;
 *   <li><b>clean</b>: steady load;
 *   <li><b>idle-tx</b>: the driver opens its own connection to the run's database, {@code BEGIN},
 *       {@code SELECT txid_current()}, and leaves the transaction idle for the phase: no dead tuple
 *       newer than its snapshot can be vacuumed until it ends;
 *   <li><b>recovery</b>: the transaction committed, load still on.
 * </ol>
 *
 * <p>Each run gets a fresh database on the one server ({@code DATABASE_URL}, else the bench's
 * embedded PostgreSQL with fsync on), dropped after it, then a {@code CHECKPOINT} and a pause.
 * Systems run one after another, their order reversed every other round. Per phase it reports the
 * adapter's completion rate and pickup p50/p99 and the dead tuples of the tables its descriptor
 * names, read at the phase's start, middle and end; a Markdown table per worker count, medians and
 * spread over rounds, printed and written to {@code --out}.
 *
 * <p>Run from the repository root (after {@code ./mvnw -B -q -pl millrace-bench -am -DskipTests
 * package}):
 *
 * <pre>{@code
 * java -cp millrace-bench/target/millrace-bench.jar io.millrace.bench.phases.PhaseRun \
 *   [--workers 16,64] (--rate 5000 | --depth 20000) [--work-ms 1] [--rounds 3] \
 *   [--warm-up-s 10] [--clean-s 30] [--idle-s 60] [--recovery-s 30] [--sample-s 5] [--pause-s 10] \
 *   [--systems millrace,graphile-worker] [--adapter NAME=COMMAND ...] [--node-peers DIR] \
 *   [--out target/phases-results.md]
 * }</pre>
 *
 * <p>A phase of 0 seconds is skipped. Each adapter's stderr goes to {@code
 * target/phases-logs/<database>.log}. A run fails when its adapter exits early, sends no descriptor
 * within two minutes, or does not exit 0 within 10 s of SIGTERM.
 */
public final class PhaseRun {
  private static final SqlFile SQL =
      SqlFile.load(PhaseRun.class, "phases.sql", SchemaName.of("public"));
  private static final Duration DESCRIPTOR_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(10);

  /** A named phase and how long it lasts; 0 skips it. */
  record Phase(String name, int seconds) {}

  /**
   * The command line's settings.
   *
   * @param rate jobs/s offered in fixed mode; 0 when {@code depth} is set
   * @param depth unfinished jobs held in depth-target mode; 0 when {@code rate} is set
   * @param adapters system name → command line (split on whitespace), in run order
   */
  record Options(
      List<Integer> workerCounts,
      double rate,
      long depth,
      int workMs,
      int rounds,
      List<Phase> phases,
      int sampleSeconds,
      int pauseSeconds,
      Map<String, String> adapters,
      Path out) {

    static Options parse(String... argv) {
      List<Integer> workers = List.of(16, 64);
      double rate = 0;
      long depth = 0;
      int workMs = 1;
      int rounds = 3;
      int warmUp = 10;
      int clean = 30;
      int idle = 60;
      int recovery = 30;
      int sample = 5;
      int pause = 10;
      List<String> systems = List.of("millrace", "graphile-worker");
      Map<String, String> given = new LinkedHashMap<>();
      @Nullable Path nodePeers = null;
      Path out = Path.of("target", "phases-results.md");
      for (int i = 0; i < argv.length; i += 2) {
        if (i + 1 >= argv.length) {
          throw new IllegalArgumentException("missing value for " + argv[i]);
        }
        String value = argv[i + 1];
        switch (argv[i]) {
          case "--workers" -> workers = counts(value);
          case "--rate" -> rate = Double.parseDouble(value);
          case "--depth" -> depth = Long.parseLong(value);
          case "--work-ms" -> workMs = atLeast("--work-ms", value, 0);
          case "--rounds" -> rounds = atLeast("--rounds", value, 1);
          case "--warm-up-s" -> warmUp = atLeast("--warm-up-s", value, 0);
          case "--clean-s" -> clean = atLeast("--clean-s", value, 0);
          case "--idle-s" -> idle = atLeast("--idle-s", value, 0);
          case "--recovery-s" -> recovery = atLeast("--recovery-s", value, 0);
          case "--sample-s" -> sample = atLeast("--sample-s", value, 1);
          case "--pause-s" -> pause = atLeast("--pause-s", value, 0);
          case "--systems" -> systems = List.of(value.split(","));
          case "--adapter" -> {
            int eq = value.indexOf('=');
            if (eq <= 0) {
              throw new IllegalArgumentException("--adapter takes NAME=COMMAND, got " + value);
            }
            given.put(value.substring(0, eq), value.substring(eq + 1));
          }
          case "--node-peers" -> nodePeers = Path.of(value).toAbsolutePath();
          case "--out" -> out = Path.of(value);
          default ->
              throw new IllegalArgumentException(
                  "unknown option "
                      + argv[i]
                      + "; usage: [--workers 16,64] (--rate JOBS_PER_S | --depth JOBS) [--work-ms MS]"
                      + " [--rounds N] [--warm-up-s S] [--clean-s S] [--idle-s S] [--recovery-s S]"
                      + " [--sample-s S] [--pause-s S] [--systems NAME,...]"
                      + " [--adapter NAME=COMMAND ...] [--node-peers DIR] [--out FILE]");
        }
      }
      if ((rate > 0) == (depth > 0)) {
        throw new IllegalArgumentException("give exactly one of --rate (fixed) or --depth (held)");
      }
      Map<String, String> adapters = new LinkedHashMap<>();
      for (String system : systems) {
        String command = given.get(system);
        if (command == null) {
          command = builtIn(system, nodePeers);
        }
        adapters.put(system, command);
      }
      given.forEach(adapters::putIfAbsent);
      List<Phase> phases =
          List.of(
                  new Phase("warm-up", warmUp),
                  new Phase("clean", clean),
                  new Phase(IDLE, idle),
                  new Phase("recovery", recovery))
              .stream()
              .filter(p -> p.seconds() > 0)
              .toList();
      return new Options(
          workers, rate, depth, workMs, rounds, phases, sample, pause, adapters, out);
    }

    /** The systems' run order in a round: as given on even rounds, reversed on odd ones. */
    List<String> order(int round) {
      List<String> names = new ArrayList<>(adapters.keySet());
      if (round % 2 == 1) {
        java.util.Collections.reverse(names);
      }
      return names;
    }

    String settings() {
      String load =
          rate > 0
              ? String.format(Locale.ROOT, "fixed rate %.0f jobs/s", rate)
              : String.format(Locale.ROOT, "held depth %d jobs", depth);
      StringBuilder phaseList = new StringBuilder();
      for (Phase p : phases) {
        phaseList.append(phaseList.length() == 0 ? "" : ", ").append(p.name()).append(' ');
        phaseList.append(p.seconds()).append(" s");
      }
      return String.format(
          Locale.ROOT,
          "%s, %d ms of work per job; phases %s; samples every %d s; %d round(s)",
          load,
          workMs,
          phaseList,
          sampleSeconds,
          rounds);
    }

    private static String builtIn(String system, @Nullable Path nodePeers) {
      return switch (system) {
        case "millrace" ->
            Path.of(System.getProperty("java.home"), "bin", "java")
                + " -cp "
                + System.getProperty("java.class.path")
                + " io.millrace.bench.adapter.Adapter";
        case "graphile-worker" ->
            "node " + (nodePeers == null ? NodePeer.locate() : nodePeers).resolve("adapter.mjs");
        default ->
            throw new IllegalArgumentException(
                "no built-in adapter for '" + system + "'; give --adapter " + system + "=COMMAND");
      };
    }

    static List<Integer> counts(String value) {
      List<Integer> counts = new ArrayList<>();
      for (String part : value.split(",")) {
        counts.add(atLeast("--workers", part.strip(), 1));
      }
      return List.copyOf(counts);
    }

    private static int atLeast(String name, String value, int min) {
      int n = Integer.parseInt(value);
      if (n < min) {
        throw new IllegalArgumentException(name + " must be at least " + min + ", got " + value);
      }
      return n;
    }
  }

  static final String IDLE = "idle-tx";

  public static void main(String[] argv) throws Exception {
    Options options = Options.parse(argv);
    // A Node.js adapter needs its packages: npm ci beside its script unless already there.
    for (String command : options.adapters().values()) {
      String[] words = command.strip().split("\\s+");
      if (words.length > 1 && words[0].equals("node")) {
        Path dir = Path.of(words[1]).toAbsolutePath().getParent();
        if (dir != null) {
          NodePeer.ensureInstalled(dir);
        }
      }
    }
    StringBuilder all = new StringBuilder();
    try (BenchDatabase db = BenchDatabase.open(2)) {
      String where = db.description();
      for (int workers : options.workerCounts()) {
        List<PhaseReport.Run> runs = new ArrayList<>();
        for (int round = 0; round < options.rounds(); round++) {
          for (String system : options.order(round)) {
            runs.add(new PhaseRun(options, db.dataSource(), system, workers, round).run());
          }
        }
        String table = PhaseReport.table(workers, options.settings() + "; " + where, runs);
        System.out.println(table);
        all.append("### ").append(workers).append(" workers\n\n").append(table).append('\n');
        Path out = options.out().toAbsolutePath();
        Files.createDirectories(out.getParent());
        Files.writeString(out, all.toString(), StandardCharsets.UTF_8);
      }
    }
  }

  private final Options options;
  private final HikariDataSource admin;
  private final String system;
  private final int workers;
  private final int round;
  private final String database;
  private final List<AdapterLine.Sample> samples = new CopyOnWriteArrayList<>();
  private final CompletableFuture<AdapterLine.Descriptor> descriptor = new CompletableFuture<>();
  private final List<PhaseFigures.Span> spans = new ArrayList<>();
  // Reads the adapter's stdout; null until start().
  private @Nullable Thread reader;

  private PhaseRun(Options options, HikariDataSource admin, String system, int workers, int round) {
    this.options = options;
    this.admin = admin;
    this.system = system;
    this.workers = workers;
    this.round = round;
    this.database =
        ("phases_" + system + "_w" + workers + "_r" + round)
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9_]+", "_");
  }

  private PhaseReport.Run run() throws Exception {
    execute(admin, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    execute(admin, "CREATE DATABASE " + database);
    String url = NodePeer.postgresUrl(admin).replaceFirst("/[^/]*$", "/" + database);
    System.err.printf(
        Locale.ROOT, "phases: %s, %d workers, round %d: starting%n", system, workers, round + 1);
    Process process = start(url);
    List<PhaseFigures.Dead> dead = new ArrayList<>();
    try {
      AdapterLine.Descriptor d = awaitDescriptor(process);
      List<String> tables = d.eventTables();
      try (Connection stats = connect(url)) {
        for (Phase phase : options.phases()) {
          dead.add(phase(phase, stats, url, tables));
        }
        // The sample closing the last phase is written at the next multiple of the interval.
        Thread.sleep(options.sampleSeconds() * 1000L + 1500);
      }
      stop(process);
    } finally {
      if (process.isAlive()) {
        process.destroyForcibly();
      }
      execute(admin, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      execute(admin, "CHECKPOINT");
      Thread.sleep(options.pauseSeconds() * 1000L);
    }
    // Samples are assigned only now: the one closing each phase arrives after it ended.
    List<PhaseFigures> figures = new ArrayList<>();
    for (int i = 0; i < spans.size(); i++) {
      figures.add(PhaseFigures.summarise(spans.get(i), samples, dead.get(i)));
    }
    PhaseReport.Run run = new PhaseReport.Run(system, round, figures);
    for (PhaseFigures f : run.phases()) {
      System.err.printf(
          Locale.ROOT,
          "phases: %s, %d workers, round %d, %s: %.0f jobs/s, p50 %.1f ms, p99 %.1f ms,"
              + " dead tuples %d / %d / %d%n",
          system,
          workers,
          round + 1,
          f.phase(),
          f.completionRate(),
          f.p50Ms(),
          f.p99Ms(),
          f.deadAtStart(),
          f.deadMidway(),
          f.deadAtEnd());
    }
    return run;
  }

  /** Runs one phase: dead tuples read at its start, middle and end; the idle transaction if so. */
  private PhaseFigures.Dead phase(Phase phase, Connection stats, String url, List<String> tables)
      throws SQLException, InterruptedException {
    Instant start = Instant.now();
    long half = phase.seconds() * 500L;
    @Nullable Connection idle = null;
    try {
      if (phase.name().equals(IDLE)) {
        idle = connect(url);
        idle.setAutoCommit(false);
        try (Statement s = idle.createStatement();
            ResultSet rs = s.executeQuery(SQL.get("snapshot"))) {
          rs.next();
          System.err.printf(
              Locale.ROOT,
              "phases: transaction %d held idle for %d s%n",
              rs.getLong(1),
              phase.seconds());
        }
      }
      long atStart = dead(stats, tables);
      Thread.sleep(half);
      long midway = dead(stats, tables);
      Thread.sleep(phase.seconds() * 1000L - half);
      if (idle != null) {
        idle.commit();
      }
      long atEnd = dead(stats, tables);
      Instant end = Instant.now();
      spans.add(new PhaseFigures.Span(phase.name(), start, end));
      return new PhaseFigures.Dead(atStart, midway, atEnd);
    } finally {
      if (idle != null) {
        idle.close();
      }
    }
  }

  private static long dead(Connection c, List<String> tables) throws SQLException {
    // Statistics are per backend until flushed; a fresh transaction sees the latest flushed ones.
    try (PreparedStatement s = c.prepareStatement(SQL.get("dead_tuples"))) {
      s.setArray(1, c.createArrayOf("text", tables.toArray()));
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private Process start(String url) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(
            java.util.Objects.requireNonNull(options.adapters().get(system)).strip().split("\\s+"));
    Map<String, String> env = pb.environment();
    env.put("DATABASE_URL", url);
    env.put("SCENARIO", "long_horizon");
    if (options.rate() > 0) {
      env.put("PRODUCER_MODE", "fixed");
      env.put("PRODUCER_RATE", Double.toString(options.rate()));
    } else {
      env.put("PRODUCER_MODE", "depth-target");
      env.put("TARGET_DEPTH", Long.toString(options.depth()));
    }
    env.put("WORKER_COUNT", Integer.toString(workers));
    env.put("JOB_WORK_MS", Integer.toString(options.workMs()));
    env.put("SAMPLE_EVERY_S", Integer.toString(options.sampleSeconds()));
    env.put("BENCH_INSTANCE_ID", "0");
    Path logs = Path.of("target", "phases-logs").toAbsolutePath();
    Files.createDirectories(logs);
    pb.redirectError(ProcessBuilder.Redirect.to(new File(logs.toFile(), database + ".log")));
    Process process = pb.start();
    Thread reader = new Thread(() -> read(process), "phases-stdout-" + database);
    reader.setDaemon(true);
    reader.start();
    return process;
  }

  private void read(Process process) {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        Optional<AdapterLine> parsed;
        try {
          parsed = AdapterLine.parse(line);
        } catch (IllegalArgumentException e) {
          System.err.println("phases: " + system + ": " + e.getMessage());
          continue;
        }
        parsed.ifPresent(
            l -> {
              if (l instanceof AdapterLine.Descriptor d) {
                descriptor.complete(d);
              } else if (l instanceof AdapterLine.Sample s) {
                samples.add(s);
              }
            });
      }
    } catch (IOException e) {
      System.err.println("phases: " + system + ": stdout closed: " + e.getMessage());
    }
  }

  private AdapterLine.Descriptor awaitDescriptor(Process process) throws Exception {
    long deadline = System.nanoTime() + DESCRIPTOR_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        return descriptor.get(200, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              system
                  + " adapter exited with "
                  + process.exitValue()
                  + " before its descriptor;"
                  + " see target/phases-logs/"
                  + database
                  + ".log");
        }
      }
    }
    throw new IllegalStateException(
        system + " adapter sent no descriptor within " + DESCRIPTOR_TIMEOUT);
  }

  private void stop(Process process) throws InterruptedException {
    if (!process.isAlive()) {
      throw new IllegalStateException(
          system
              + " adapter exited early with "
              + process.exitValue()
              + "; see target/phases-logs/"
              + database
              + ".log");
    }
    // SIGTERM through the handle: Process.destroy() would also close our end of its stdout, losing
    // the final sample and failing the adapter's last write.
    process.toHandle().destroy();
    if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(
          system + " adapter did not exit within " + EXIT_TIMEOUT + " of SIGTERM");
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException(
          system + " adapter exited with " + process.exitValue() + " after SIGTERM");
    }
    Thread r = reader;
    if (r != null) {
      r.join(EXIT_TIMEOUT.toMillis()); // the final sample, written just before it exited
    }
  }

  private static Connection connect(String postgresUrl) throws SQLException {
    io.millrace.bench.DatabaseUrl u = io.millrace.bench.DatabaseUrl.parse("database", postgresUrl);
    return DriverManager.getConnection(u.jdbcUrl(), u.user(), u.password());
  }

  private static void execute(HikariDataSource ds, String sql) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
