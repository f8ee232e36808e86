package io.millrace.bench.soak;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.counts.Drift;
import io.millrace.jobs.JobRequest;
import io.millrace.projections.EventStore;
import io.millrace.projections.NewEvent;
import io.millrace.workflows.WorkflowRequest;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Many nodes for minutes: an embedded PostgreSQL (fsync and synchronous_commit on), a PgBouncer in
 * transaction mode in front of it, and N {@link SoakNode} JVMs working mixed load (jobs of which a
 * tenth fail their first attempt and one in twenty takes two seconds, a periodic job every second,
 * a stream of workflows, a running backfill, a projection over a stream of events) while a node and
 * the leader are killed with SIGKILL in turn and restarted. At the end it waits for quiescence and
 * verifies every invariant, printing one table; it exits 1 when any fails.
 *
 * <pre>
 * java -cp millrace-bench/target/millrace-bench.jar io.millrace.bench.soak.ClusterSoak \
 *     [--nodes 8] [--duration 600] [--kill-every 60] [--rate 40] [--rows 300000]
 * </pre>
 */
public final class ClusterSoak {
  /** The run's settings. */
  public record Options(
      int nodes, Duration duration, Duration killEvery, int jobsPerSecond, int rows) {
    public static Options parse(String... args) {
      Map<String, String> m = new LinkedHashMap<>();
      for (int i = 0; i + 1 < args.length; i += 2) {
        m.put(args[i], args[i + 1]);
      }
      return new Options(
          Integer.parseInt(m.getOrDefault("--nodes", "8")),
          Duration.ofSeconds(Long.parseLong(m.getOrDefault("--duration", "600"))),
          Duration.ofSeconds(Long.parseLong(m.getOrDefault("--kill-every", "60"))),
          Integer.parseInt(m.getOrDefault("--rate", "40")),
          Integer.parseInt(m.getOrDefault("--rows", "300000")));
    }
  }

  /** What the run measured; {@link #failures()} empty when every invariant held. */
  public record Result(Map<String, String> figures, List<String> failures) {
    public String table() {
      StringBuilder b = new StringBuilder("| figure | value |\n|---|---|\n");
      figures.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" |\n"));
      b.append("\n").append(failures.isEmpty() ? "every invariant held" : "FAILED: " + failures);
      return b.toString();
    }
  }

  static final int BOUNCER_SERVER_CONNECTIONS = 20;
  static final int STREAMS = 8;

  private final Options options;
  private final int postgresPort;
  private final int bouncerPort;
  private final DataSource admin;
  private final Process[] nodes;
  private final String[] nodeIds;
  private final AtomicInteger generation = new AtomicInteger();
  private final Path logs;

  private ClusterSoak(
      Options options, int postgresPort, int bouncerPort, DataSource admin, Path logs) {
    this.options = options;
    this.postgresPort = postgresPort;
    this.bouncerPort = bouncerPort;
    this.admin = admin;
    this.logs = logs;
    this.nodes = new Process[options.nodes()];
    this.nodeIds = new String[options.nodes()];
  }

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    Result result = run(options, Path.of("target", "soak-nodes"));
    System.out.println(result.table());
    System.exit(result.failures().isEmpty() ? 0 : 1);
  }

  /** Starts PostgreSQL and PgBouncer, runs the soak, stops everything it started. */
  public static Result run(Options options, Path logs) throws Exception {
    Files.createDirectories(logs);
    try (EmbeddedPostgres pg =
            EmbeddedPostgres.builder()
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("max_wal_size", "4GB")
                .setServerConfig("max_connections", "400")
                .setServerConfig("timezone", "UTC")
                .start();
        Bouncer bouncer = Bouncer.start(pg.getPort(), BOUNCER_SERVER_CONNECTIONS)) {
      DataSource admin = SoakNode.direct(pg.getPort(), "soak-admin");
      return new ClusterSoak(options, pg.getPort(), bouncer.port(), admin, logs).soak();
    }
  }

  private Result soak() throws Exception {
    Map<String, String> figures = new LinkedHashMap<>();
    List<String> failures = new ArrayList<>();
    figures.put(
        "setup",
        options.nodes()
            + " node JVMs, PgBouncer transaction mode ("
            + BOUNCER_SERVER_CONNECTIONS
            + " server connections), embedded PostgreSQL 17 fsync=on");
    try (HikariDataSource clientPool = SoakNode.pool(bouncerPort, "soak-client", 6)) {
      Millrace client = Millrace.builder(clientPool).schema(SoakNode.SCHEMA).build();
      client.migrate();
      execute(
          "CREATE TABLE soak_ledger (job_id bigint NOT NULL, kind text NOT NULL,"
              + " attempt int NOT NULL, node text NOT NULL, ok boolean NOT NULL,"
              + " at timestamptz NOT NULL)",
          "CREATE TABLE soak_nodes (node text PRIMARY KEY, pooled_budget int NOT NULL,"
              + " direct_budget int NOT NULL, most_pooled int NOT NULL, seen_at timestamptz)",
          "CREATE TABLE soak_items (id bigint PRIMARY KEY, v int NOT NULL)",
          "INSERT INTO soak_items SELECT g, 0 FROM generate_series(1, " + options.rows() + ") g",
          "CREATE TABLE soak_tally (stream text PRIMARY KEY, n bigint NOT NULL)",
          "ANALYZE");
      for (int i = 0; i < options.nodes(); i++) {
        spawn(i);
      }
      awaitCondition(
          "every node published its budget",
          Duration.ofMinutes(3),
          () -> queryLong("SELECT count(*) FROM soak_nodes") >= options.nodes());

      List<Long> jobIds = new ArrayList<>();
      List<Long> workflowIds = new ArrayList<>();
      AtomicLong events = new AtomicLong();
      Map<String, Long> perStream = new ConcurrentHashMap<>();
      AtomicInteger mostDirect = new AtomicInteger();
      AtomicInteger mostServer = new AtomicInteger();
      List<String> kills = new ArrayList<>();
      Random random = new Random(42);
      long start = System.nanoTime();
      long end = start + options.duration().toNanos();
      long nextKill = start + options.killEvery().toNanos();
      long nextSample = start;
      boolean killLeader = false;
      long sent = 0;
      int workflowsDue = 0;
      while (System.nanoTime() < end) {
        long now = System.nanoTime();
        // Offered load from elapsed time, never from loop counts.
        long owed = (now - start) * options.jobsPerSecond() / 1_000_000_000L - sent;
        if (owed > 0) {
          List<JobRequest> batch = new ArrayList<>();
          for (long i = 0; i < owed; i++) {
            long n = sent + i;
            batch.add(
                JobRequest.of(n % 10 == 0 ? "flaky" : n % 20 == 5 ? "slow" : "ok", Map.of("n", n)));
          }
          client.enqueueAll(batch).forEach(r -> jobIds.add(r.id()));
          // Per job: a tenth of a workflow (four steps) and half an event.
          for (long i = sent; i < sent + owed; i++) {
            if (i % 10 == 0) {
              workflowsDue++;
            }
            if (i % 2 == 0) {
              String stream = "s-" + (i % STREAMS);
              client
                  .events()
                  .append(stream, EventStore.ANY, List.of(NewEvent.of("counted", Map.of("i", i))));
              events.incrementAndGet();
              perStream.merge(stream, 1L, Long::sum);
            }
          }
          sent += owed;
        }
        for (; workflowsDue > 0; workflowsDue--) {
          workflowIds.add(
              client
                  .workflows()
                  .submit(
                      WorkflowRequest.named("diamond")
                          .step("a", JobRequest.of("step", Map.of()))
                          .step("b", JobRequest.of("step", Map.of()), "a")
                          .step("c", JobRequest.of("step", Map.of()), "a")
                          .step("d", JobRequest.of("step", Map.of()), "b", "c"))
                  .id());
        }
        if (now >= nextSample) {
          sampleConnections(mostDirect, mostServer);
          nextSample = now + 500_000_000L;
        }
        if (now >= nextKill) {
          kills.add(kill(killLeader, random));
          killLeader = !killLeader;
          nextKill = now + options.killEvery().toNanos();
        }
        Thread.sleep(20);
      }
      figures.put("duration under load", options.duration().toSeconds() + " s");
      figures.put("kills (SIGKILL, restarted)", kills.size() + ": " + String.join(", ", kills));

      // Quiescence: every process alive, every piece of work done.
      for (int i = 0; i < options.nodes(); i++) {
        if (!nodes[i].isAlive()) {
          spawn(i);
        }
      }
      Long[] ids = jobIds.toArray(Long[]::new);
      long quiet = System.nanoTime();
      awaitCondition(
          "quiescence",
          Duration.ofMinutes(5),
          () -> {
            sampleConnections(mostDirect, mostServer);
            return queryLong(
                        "SELECT count(*) FROM soak.jobs WHERE kind IN ('ok', 'flaky', 'slow', 'step')")
                    == 0
                && queryLong(
                        "SELECT count(*) FROM soak.workflow_members WHERE finished_state IS NULL")
                    == 0
                && "succeeded"
                    .equals(
                        queryString("SELECT state FROM soak.backfills WHERE name = 'soak_bump'"))
                && queryLong(
                        "SELECT events_applied FROM soak.projections WHERE name = 'soak_tally'")
                    == events.get();
          });
      figures.put(
          "quiescence after load",
          TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - quiet) + " s");
      stopNodes();

      // Jobs: each enqueued one completed exactly once, each execution of an attempt recorded once.
      long completed =
          countWithIds("SELECT count(*) FROM soak.job_history WHERE state = 'completed'", ids);
      figures.put("jobs enqueued", Long.toString(ids.length));
      figures.put("jobs completed (history)", Long.toString(completed));
      check(failures, completed == ids.length, "jobs completed " + completed + " of " + ids.length);
      long lost =
          countWithIds(
              "SELECT count(*) FROM unnest(?::bigint[]) j(id) WHERE NOT EXISTS"
                  + " (SELECT 1 FROM soak_ledger l WHERE l.job_id = j.id AND l.ok)",
              ids);
      long duplicates =
          queryLong(
              "SELECT count(*) FROM (SELECT job_id, attempt FROM soak_ledger"
                  + " GROUP BY job_id, attempt HAVING count(*) > 1) d");
      long reruns =
          queryLong(
              "SELECT count(*) FROM (SELECT job_id FROM soak_ledger WHERE ok"
                  + " GROUP BY job_id HAVING count(*) > 1) d");
      long flakyRetried =
          queryLong(
              "SELECT count(DISTINCT job_id) FROM soak_ledger WHERE kind = 'flaky' AND NOT ok");
      long flakyJobs = (ids.length + 9) / 10;
      long rescued =
          queryLong(
              "SELECT count(*) FROM soak.job_history WHERE state = 'completed'"
                  + " AND kind IN ('ok', 'slow') AND attempt > 1");
      figures.put(
          "jobs rescued from a killed node (completed on a later attempt)", Long.toString(rescued));
      figures.put("lost (no successful execution)", Long.toString(lost));
      figures.put("duplicates (an attempt executed twice)", Long.toString(duplicates));
      figures.put(
          "jobs re-run after their node was killed mid-execution (new attempt, at-least-once)",
          Long.toString(reruns));
      figures.put("flaky jobs failed once then retried", flakyRetried + " of " + flakyJobs);
      check(failures, lost == 0, "lost jobs: " + lost);
      check(failures, flakyRetried == flakyJobs, "flaky jobs that failed once: " + flakyRetried);
      check(failures, duplicates == 0, "duplicate executions of an attempt: " + duplicates);
      check(
          failures,
          queryLong(
                  "SELECT count(*) FROM soak.job_history WHERE kind = 'flaky' AND state = 'completed'"
                      + " AND attempt < 2")
              == 0,
          "a flaky job completed on its first attempt");

      // Cron: one job per tick, however many nodes and leaders.
      long ticks = queryLong(tickSql("count(DISTINCT t)"));
      long tickDuplicates =
          queryLong(
              "SELECT count(*) FROM (SELECT t FROM ("
                  + tickRows()
                  + ") x GROUP BY t HAVING count(*) > 1) d");
      figures.put("cron ticks enqueued", Long.toString(ticks));
      figures.put("cron ticks enqueued twice", Long.toString(tickDuplicates));
      check(failures, ticks > 0, "no cron tick fired");
      check(failures, tickDuplicates == 0, "cron ticks enqueued twice: " + tickDuplicates);

      // Workflows.
      long workflowJobs = queryLong("SELECT count(*) FROM soak.workflow_members");
      long workflowDone =
          queryLong(
              "SELECT count(*) FROM soak.workflow_members WHERE finished_state = 'completed'");
      figures.put(
          "workflows (4 steps each)",
          workflowIds.size() + ", steps completed " + workflowDone + " of " + workflowJobs);
      check(
          failures,
          workflowJobs == 4L * workflowIds.size() && workflowDone == workflowJobs,
          "workflow steps completed " + workflowDone + " of " + 4L * workflowIds.size());

      // Backfill: every row exactly once.
      long bumpedOnce = queryLong("SELECT count(*) FROM soak_items WHERE v = 1");
      figures.put("backfill rows done exactly once", bumpedOnce + " of " + options.rows());
      check(failures, bumpedOnce == options.rows(), "backfill rows done once: " + bumpedOnce);

      // Projection: exactly the events, per stream.
      long tallied = queryLong("SELECT coalesce(sum(n), 0) FROM soak_tally");
      long streamsWrong = 0;
      for (Map.Entry<String, Long> e : perStream.entrySet()) {
        try (Connection c = admin.getConnection();
            PreparedStatement ps =
                c.prepareStatement("SELECT n FROM soak_tally WHERE stream = ?")) {
          ps.setString(1, e.getKey());
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next() || rs.getLong(1) != e.getValue()) {
              streamsWrong++;
            }
          }
        }
      }
      figures.put("projection events applied", tallied + " of " + events.get());
      check(
          failures,
          tallied == events.get() && streamsWrong == 0,
          "projection tallied "
              + tallied
              + " of "
              + events.get()
              + ", streams wrong "
              + streamsWrong);

      // Counts: the counters against a scan of history plus rollup.
      List<Drift> drift = client.counts().verify(false);
      figures.put("counts drift (counters vs scan)", Integer.toString(drift.size()));
      check(failures, drift.isEmpty(), "counts drift: " + drift);

      // Connections.
      long pooledBudget = queryLong("SELECT max(pooled_budget) FROM soak_nodes");
      long directBudget = queryLong("SELECT max(direct_budget) FROM soak_nodes");
      long mostPooled = queryLong("SELECT max(most_pooled) FROM soak_nodes");
      figures.put(
          "connection budget per node", "pooled " + pooledBudget + ", direct " + directBudget);
      figures.put(
          "most pooled connections one node's Millrace held at once",
          mostPooled + " (budget " + pooledBudget + ")");
      figures.put(
          "most direct sessions at PostgreSQL (all nodes)",
          mostDirect.get() + " (budget " + options.nodes() + " x " + directBudget + ")");
      figures.put(
          "most PgBouncer server connections at PostgreSQL",
          mostServer.get() + " (pool " + BOUNCER_SERVER_CONNECTIONS + ")");
      check(failures, mostPooled <= pooledBudget, "pooled beyond budget: " + mostPooled);
      check(
          failures,
          mostDirect.get() <= options.nodes() * directBudget,
          "direct sessions beyond budget: " + mostDirect.get());
      check(
          failures,
          mostServer.get() <= BOUNCER_SERVER_CONNECTIONS,
          "server connections beyond PgBouncer's pool: " + mostServer.get());
      client.close();
    } finally {
      for (Process p : nodes) {
        p.destroyForcibly().waitFor();
      }
    }
    return new Result(figures, failures);
  }

  private static void check(List<String> failures, boolean ok, String message) {
    if (!ok) {
      failures.add(message);
    }
  }

  private static String tickRows() {
    return "SELECT t FROM soak.jobs, unnest(tags) t WHERE kind = 'tick' AND t LIKE 'tick:%'"
        + " UNION ALL SELECT t FROM soak.job_history, unnest(tags) t"
        + " WHERE kind = 'tick' AND t LIKE 'tick:%'";
  }

  private static String tickSql(String aggregate) {
    return "SELECT " + aggregate + " FROM (" + tickRows() + ") x";
  }

  private void sampleConnections(AtomicInteger mostDirect, AtomicInteger mostServer)
      throws SQLException {
    try (Connection c = admin.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FILTER (WHERE application_name LIKE 'soak-direct-%'),"
                    + " count(*) FILTER (WHERE application_name NOT LIKE 'soak-direct-%'"
                    + " AND application_name <> 'soak-admin')"
                    + " FROM pg_stat_activity WHERE backend_type = 'client backend'"
                    + " AND pid <> pg_backend_pid()")) {
      rs.next();
      mostDirect.accumulateAndGet(rs.getInt(1), Math::max);
      mostServer.accumulateAndGet(rs.getInt(2), Math::max);
    }
  }

  /** SIGKILL the leader or a random other node, then start its slot again under a new id. */
  private String kill(boolean leader, Random random) throws Exception {
    @Nullable String leaderId = queryString("SELECT leader_node FROM soak.control");
    int slot = -1;
    if (leader && leaderId != null) {
      for (int i = 0; i < nodeIds.length; i++) {
        if (nodeIds[i].equals(leaderId)) {
          slot = i;
        }
      }
    }
    if (slot < 0) {
      do {
        slot = random.nextInt(options.nodes());
      } while (options.nodes() > 1 && nodeIds[slot].equals(leaderId));
    }
    String victim = nodeIds[slot];
    Process p = nodes[slot];
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
    spawn(slot);
    return victim + (victim.equals(leaderId) ? " (leader)" : "");
  }

  private void spawn(int slot) throws IOException {
    String nodeId = "n" + slot + "-g" + generation.incrementAndGet();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    File log = logs.resolve(nodeId + ".log").toFile();
    Process p =
        new ProcessBuilder(
                java,
                "-Xmx192m",
                "-XX:TieredStopAtLevel=1",
                "-Duser.timezone=UTC",
                "-cp",
                System.getProperty("java.class.path"),
                SoakNode.class.getName(),
                Integer.toString(postgresPort),
                Integer.toString(bouncerPort),
                nodeId)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
            .start();
    nodes[slot] = p;
    nodeIds[slot] = nodeId;
  }

  private void stopNodes() throws InterruptedException {
    for (Process p : nodes) {
      p.destroy();
    }
    for (Process p : nodes) {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  interface Check {
    boolean holds() throws Exception;
  }

  private void awaitCondition(String what, Duration timeout, Check check) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!check.holds()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(250);
    }
  }

  private void execute(String... sql) throws SQLException {
    try (Connection c = admin.getConnection();
        Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    }
  }

  private long queryLong(String sql) throws SQLException {
    try (Connection c = admin.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private @Nullable String queryString(String sql) throws SQLException {
    try (Connection c = admin.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private long countWithIds(String sql, Long[] ids) throws SQLException {
    String q = sql.contains("?") ? sql : sql + " AND id = ANY(?::bigint[])";
    try (Connection c = admin.getConnection();
        PreparedStatement ps = c.prepareStatement(q)) {
      Array array = c.createArrayOf("bigint", ids);
      ps.setArray(1, array);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
