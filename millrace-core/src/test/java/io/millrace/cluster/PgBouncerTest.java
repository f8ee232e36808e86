package io.millrace.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.Millrace;
import io.millrace.MillraceBuilder;
import io.millrace.backfills.Backfill;
import io.millrace.base.MillraceException;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.jobs.PeriodicJob;
import io.millrace.jobs.Schedule;
import io.millrace.projections.EventStore;
import io.millrace.projections.NewEvent;
import io.millrace.projections.Projection;
import io.millrace.projections.ProjectionStatus;
import io.millrace.testing.Await;
import io.millrace.testing.ForwardingDataSource;
import io.millrace.testing.PgBouncer;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.SubmittedWorkflow;
import io.millrace.workflows.WorkflowRequest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Millrace through a real PgBouncer in transaction mode: the pooled DataSource goes through
 * PgBouncer ({@code prepareThreshold=0}), the direct one straight to PostgreSQL. PgBouncer has
 * three server connections for many more clients, so transactions of different clients share server
 * sessions and any session state Millrace assumed on a pooled connection would show.
 */
class PgBouncerTest {
  static final int SERVER_CONNECTIONS = 3;
  static final int ROWS = 3000;

  static TestDatabase db;
  static PgBouncer bouncer;
  final List<Millrace> nodes = new ArrayList<>();

  @BeforeAll
  static void startBouncer() {
    db = TestDatabase.create("bouncer");
    bouncer = PgBouncer.start(SERVER_CONNECTIONS);
    // Migrations run through PgBouncer too.
    Millrace.builder(bouncer.pool(2, "bouncer-migrate")).schema(db.schema()).build().migrate();
    for (String t : List.of("a", "b")) {
      db.execute("CREATE TABLE {schema}.items_" + t + " (id bigint PRIMARY KEY, v int NOT NULL)");
      db.execute(
          "INSERT INTO {schema}.items_"
              + t
              + " SELECT g, 0 FROM generate_series(1, "
              + ROWS
              + ") g");
      db.execute(
          "CREATE TABLE {schema}.tally_" + t + " (stream text PRIMARY KEY, n bigint NOT NULL)");
    }
  }

  @AfterAll
  static void stopBouncer() {
    if (bouncer != null) {
      bouncer.close();
    }
    if (db != null) {
      db.close();
    }
  }

  @AfterEach
  void closeNodes() {
    nodes.forEach(Millrace::close);
    nodes.clear();
  }

  @Test
  void jobsWorkflowsBackfillsAndProjectionsRunThroughATransactionPooler() throws Exception {
    DataSource pooled = new Counting(bouncer.pool(30, "bouncer-lifecycle"));
    CountDownLatch blocked = new CountDownLatch(1);
    AtomicInteger ticks = new AtomicInteger();
    Millrace node =
        worker(builder(pooled, direct("bouncer-lifecycle-direct")), "lifecycle", "a")
            .handler(
                "block",
                Map.class,
                job -> {
                  blocked.countDown();
                  while (!job.isCancelled()) {
                    Thread.sleep(10);
                  }
                  return job.cancel("asked to stop");
                })
            // Leader maintenance through PgBouncer: the leader fires this every second.
            .handler("tick", Map.class, job -> ticks.incrementAndGet())
            .periodic(
                PeriodicJob.of(
                    "tick", Schedule.every(Duration.ofSeconds(1)), JobRequest.of("tick", Map.of())))
            .build();
    nodes.add(node);
    node.start();
    Await.until("the node leads", node::isLeader);

    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String kind = i % 10 == 0 ? "flaky" : i % 10 == 1 ? "nap" : "ok";
      ids.add(node.enqueue(JobRequest.of(kind, Map.of("value", i))).id());
    }
    SubmittedWorkflow wf =
        node.workflows()
            .submit(
                WorkflowRequest.named("diamond")
                    .step("a", JobRequest.of("ok", Map.of("value", 1)))
                    .step("b", JobRequest.of("ok", Map.of("value", 2)), "a")
                    .step("c", JobRequest.of("ok", Map.of("value", 3)), "a")
                    .step("d", JobRequest.of("ok", Map.of("value", 4)), "b", "c"));
    for (int i = 0; i < 300; i++) {
      node.events()
          .append("s-" + (i % 3), EventStore.ANY, List.of(NewEvent.of("counted", Map.of("i", i))));
    }
    long blocking = node.enqueue(JobRequest.of("block", Map.of())).id();

    Await.until(
        "every job completed",
        () ->
            ids.stream()
                .allMatch(
                    id ->
                        node.admin()
                            .get(id)
                            .map(j -> j.state() == JobState.COMPLETED)
                            .orElse(false)));
    Job flaky = node.admin().get(ids.get(0)).orElseThrow();
    assertThat(flaky.attempt()).isEqualTo(2);
    assertThat(flaky.errors()).singleElement().satisfies(e -> assertThat(e.attempt()).isEqualTo(1));

    Await.until(
        "the workflow finished",
        () -> node.workflows().get(wf.id()).orElseThrow().workflow().open() == 0);
    assertThat(node.workflows().get(wf.id()).orElseThrow().members())
        .allSatisfy(m -> assertThat(m.state()).isEqualTo(JobState.COMPLETED));

    // Cancelling a running job reaches its node by NOTIFY on the direct LISTEN connection.
    assertThat(blocked.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    node.admin().cancel(blocking);
    Await.until(
        "the running job is cancelled",
        () -> node.admin().get(blocking).map(j -> j.state() == JobState.CANCELLED).orElse(false));

    assertThat(node.backfills().awaitFinished("bump_a", Duration.ofMinutes(2))).isTrue();
    assertThat(db.count("FROM {schema}.items_a WHERE v = 1")).isEqualTo(ROWS);

    long events = node.events().head().events();
    assertThat(events).isGreaterThanOrEqualTo(300);
    Await.until(
        "the projection applied every event",
        () ->
            node.projections().get("tally_a").map(ProjectionStatus::eventsApplied).orElse(0L)
                == events);
    assertThat(db.column("SELECT sum(n)::text FROM {schema}.tally_a"))
        .containsExactly(Long.toString(events));

    Await.until("the leader fired the periodic job twice", () -> ticks.get() >= 2);
    assertThat(node.isListening()).isTrue();
    assertThat(node.maintenanceFailures()).isEmpty();
    assertThat(db.column("SELECT leader_node FROM {schema}.control"))
        .containsExactly(node.nodeId());
  }

  @Test
  void aTransactionPoolerWhereASessionIsNeededFailsAtStartNamingTheFix() {
    // A PgBouncer with one server connection: every client's transaction runs on the same server
    // session, so the start-up check sees a transaction pooler whatever PgBouncer's reuse order.
    try (PgBouncer one = PgBouncer.start(1)) {
      Millrace noDirect = builder(one.pool(4, "bouncer-misconfigured"), null).build();
      nodes.add(noDirect);
      assertThatThrownBy(noDirect::start)
          .isInstanceOf(MillraceException.class)
          .hasMessageContaining("transaction pooler")
          .hasMessageContaining("MillraceBuilder.directDataSource");
      assertThat(noDirect.isLeader()).isFalse();

      Millrace directThroughBouncer =
          builder(one.pool(4, "bouncer-misconfigured"), one.pool(4, "bouncer-misdirect")).build();
      nodes.add(directThroughBouncer);
      assertThatThrownBy(directThroughBouncer::start)
          .isInstanceOf(MillraceException.class)
          .hasMessageContaining("the direct DataSource reaches PostgreSQL through a transaction");

      Millrace prepared =
          builder(one.pool(4, "bouncer-prepared", false), direct("bouncer-prepared-direct"))
              .build();
      nodes.add(prepared);
      assertThatThrownBy(prepared::start)
          .isInstanceOf(MillraceException.class)
          .hasMessageContaining("prepareThreshold=0");

      // None of them joined the cluster.
      assertThat(db.count("FROM {schema}.nodes WHERE id LIKE 'misconfigured-%'")).isZero();
    }
  }

  /** The start-up check never takes a session pooler for a transaction pooler. */
  @Test
  void aSessionPoolerNeedsNoDirectDataSource() {
    try (PgBouncer sessions = PgBouncer.start(SERVER_CONNECTIONS, "session")) {
      Millrace node = builder(new Counting(sessions.pool(6, "bouncer-session-mode")), null).build();
      nodes.add(node);
      node.start();
      Await.until("the node leads through a session pooler", node::isLeader);
      node.close();
    }
    // Session features on pooled connections are right here (a session pooler keeps sessions): the
    // leader's lock and LISTEN went through it, as they should.
    assertThat(SESSION_USE).anyMatch(sql -> sql.contains("pg_try_advisory_lock"));
    SESSION_USE.clear();
  }

  /**
   * Three nodes with every capability on: each node's own threads never hold more pooled
   * connections at once than its budget says, PostgreSQL sees exactly its budget's direct
   * connections from each, and so the cluster's connections at PostgreSQL stay within three direct
   * budgets plus PgBouncer's server connections.
   */
  @Test
  void threeNodesStayWithinTheDocumentedConnectionBudget() throws Exception {
    String tag = db.schema() + "-budget";
    Millrace client =
        Millrace.builder(new Counting(bouncer.pool(4, tag + "-client")))
            .schema(db.schema())
            .build();
    List<Counting> pools = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Counting pooled = new Counting(bouncer.pool(60, tag + "-pooled"));
      pools.add(pooled);
      Millrace node =
          worker(builder(pooled, direct(tag + "-direct-" + i)), "budget-" + i, "b").build();
      nodes.add(node);
    }
    // The example in docs/operations.md: one queue of 8, dispatch on, listen on.
    try (Millrace example =
        Millrace.builder(db.dataSource())
            .queue("default", 8)
            .handler("ok", Map.class, job -> null)
            .build()) {
      assertThat(example.connectionBudget()).isEqualTo(new ConnectionBudget(18, 2));
      // With listen off: no notifier session, and no dispatch threads (the reconciler advances).
      assertThat(
              Millrace.builder(db.dataSource())
                  .queue("default", 8)
                  .handler("ok", Map.class, job -> null)
                  .listen(false)
                  .build()
                  .connectionBudget())
          .isEqualTo(new ConnectionBudget(14, 1));
    }
    ConnectionBudget budget = nodes.get(0).connectionBudget();
    // Maintenance and the leader's vacuum; one queue of 4, workflow dispatch, one backfill, one
    // projection; see ConnectionBudget. The
    // direct sessions: leadership and the one notifier.
    assertThat(budget).isEqualTo(new ConnectionBudget(1 + 1 + 4 + 1 + 3 + 4 + 1 + 2 + 1, 2));
    assertThat(
            nodes
                .get(0)
                .meters()
                .get("millrace.connections.budget")
                .tag("kind", "pooled")
                .gauge()
                .value())
        .isEqualTo(budget.pooled());
    assertThat(
            nodes
                .get(0)
                .meters()
                .get("millrace.connections.budget")
                .tag("kind", "direct")
                .gauge()
                .value())
        .isEqualTo(budget.direct());
    nodes.forEach(Millrace::start);
    String directSessions =
        "FROM pg_stat_activity WHERE application_name LIKE '" + tag + "-direct-%'";
    long directTotal = 3L * budget.direct();
    Await.until(
        "every node holds its direct sessions", () -> db.count(directSessions) == directTotal);

    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      ids.add(client.enqueue(JobRequest.of(i % 10 == 0 ? "flaky" : "ok", Map.of("value", i))).id());
    }
    List<SubmittedWorkflow> workflows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      workflows.add(
          client
              .workflows()
              .submit(
                  WorkflowRequest.named("fan-" + i)
                      .step("a", JobRequest.of("ok", Map.of("value", 1)))
                      .step("b", JobRequest.of("ok", Map.of("value", 2)), "a")
                      .step("c", JobRequest.of("ok", Map.of("value", 3)), "a")));
    }
    for (int i = 0; i < 200; i++) {
      client
          .events()
          .append("b-" + (i % 4), EventStore.ANY, List.of(NewEvent.of("counted", Map.of("i", i))));
    }

    AtomicInteger mostDirect = new AtomicInteger();
    Await.until(
        "jobs, workflows, the backfill and the projections are done",
        Duration.ofMinutes(2),
        () -> {
          mostDirect.accumulateAndGet((int) db.count(directSessions), Math::max);
          return ids.stream()
                  .allMatch(
                      id ->
                          client
                              .admin()
                              .get(id)
                              .map(j -> j.state() == JobState.COMPLETED)
                              .orElse(false))
              && workflows.stream()
                  .allMatch(
                      w -> client.workflows().get(w.id()).orElseThrow().workflow().open() == 0)
              && db.count("FROM {schema}.items_b WHERE v = 1") == ROWS
              && client.projections().get("tally_b").map(ProjectionStatus::eventsApplied).orElse(0L)
                  >= 200;
        });
    assertThat(db.count(directSessions)).isEqualTo(directTotal);
    assertThat(mostDirect.get()).isLessThanOrEqualTo((int) directTotal);
    for (Counting pooled : pools) {
      assertThat(pooled.most())
          .as("the most pooled connections a node's threads held at once")
          .isPositive()
          .isLessThanOrEqualTo(budget.pooled());
    }
    System.out.println(
        "pooled connections held at once, per node: "
            + pools.stream().map(Counting::most).toList()
            + " (budget "
            + budget.pooled()
            + "); direct sessions at most "
            + mostDirect.get()
            + " (budget 3 x "
            + budget.direct()
            + ")");
  }

  /**
   * A node working every capability: jobs (one failing once, one snoozing), a backfill, a
   * projection.
   */
  MillraceBuilder worker(MillraceBuilder builder, String nodeId, String suffix) {
    return builder
        .nodeId(nodeId)
        .queue("default", 4)
        .handler("ok", Map.class, job -> Map.of("value", job.args().get("value")))
        .handler(
            "flaky",
            Map.class,
            job -> {
              if (job.attempt() == 1) {
                throw new IllegalStateException("first attempt fails");
              }
              return null;
            })
        .handler(
            "nap", Map.class, job -> napped(job.id()) ? null : job.snooze(Duration.ofMillis(50)))
        .backfill(
            Backfill.builder("bump_" + suffix)
                .target(new Counting(bouncer.pool(4, nodeId + "-target")))
                .table(db.schema() + ".items_" + suffix)
                .stateTable(db.schema() + ".backfill_state_" + suffix)
                .key("id")
                .initialBatchSize(100)
                .maxBatchSize(200)
                .yieldBetweenBatches(Duration.ZERO)
                .sql(
                    "UPDATE \""
                        + db.schema()
                        + "\".items_"
                        + suffix
                        + " SET v = v + 1 WHERE {range}")
                .build())
        .projection(
            Projection.named("tally_" + suffix)
                .version("1")
                .handler(
                    (event, context) -> {
                      try (PreparedStatement ps =
                          context
                              .connection()
                              .prepareStatement(
                                  "INSERT INTO \""
                                      + db.schema()
                                      + "\".tally_"
                                      + suffix
                                      + " AS t VALUES (?, 1) ON CONFLICT (stream) DO UPDATE"
                                      + " SET n = t.n + 1")) {
                        ps.setString(1, event.stream());
                        ps.executeUpdate();
                      }
                    })
                .build());
  }

  static final java.util.Set<Long> NAPPED = java.util.concurrent.ConcurrentHashMap.newKeySet();

  static boolean napped(long id) {
    return !NAPPED.add(id);
  }

  MillraceBuilder builder(DataSource pooled, DataSource direct) {
    MillraceBuilder b =
        Millrace.builder(pooled)
            .schema(db.schema())
            .nodeId("misconfigured-" + nodes.size())
            .lease(Duration.ofSeconds(3))
            .heartbeat(Duration.ofMillis(500))
            .pollInterval(Duration.ofMillis(200))
            .maintenanceInterval(Duration.ofMillis(200))
            .countsRefreshInterval(Duration.ofMillis(200))
            .shutdownTimeout(Duration.ofSeconds(5));
    return direct == null ? b : b.directDataSource(direct);
  }

  /**
   * A direct DataSource without a pool of its own, so each connection Millrace holds is one
   * PostgreSQL session carrying {@code applicationName}.
   */
  static DataSource direct(String applicationName) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(TestDatabase.jdbcUrl());
    ds.setUser("postgres");
    ds.setPassword("postgres");
    ds.setApplicationName(applicationName);
    ds.setOptions("-c TimeZone=America/Los_Angeles");
    return ds;
  }

  /**
   * What would leave state on a server session for the pooler's next client, or expect to find its
   * own there in the next transaction: LISTEN, session advisory locks, plain SET (not LOCAL or
   * TRANSACTION), set_config(..., false), temporary tables, SQL-level PREPARE, cursors WITH HOLD.
   */
  static final java.util.regex.Pattern SESSION_SCOPED =
      java.util.regex.Pattern.compile(
          "(?is)\\b(UN)?LISTEN\\b|pg_(try_)?advisory_lock(_shared)?\\s*\\("
              + "|(^|;)\\s*SET\\s+(?!LOCAL\\b|TRANSACTION\\b)"
              + "|set_config\\s*\\([^;]*,\\s*false\\s*\\)"
              + "|\\bCREATE\\s+(TEMP|TEMPORARY)\\b|^\\s*PREPARE\\s|\\bWITH\\s+HOLD\\b");

  /** JDBC calls that pgjdbc turns into session settings. */
  static final java.util.Set<String> SESSION_SETTERS =
      java.util.Set.of("setTransactionIsolation", "setReadOnly", "setSchema", "setCatalog");

  /** Session-scoped statements and calls seen on pooled connections, for every test's end. */
  static final List<String> SESSION_USE = java.util.Collections.synchronizedList(new ArrayList<>());

  @AfterEach
  void nothingSessionScopedWentThroughThePooler() {
    List<String> seen = List.copyOf(SESSION_USE);
    SESSION_USE.clear();
    assertThat(seen).isEmpty();
  }

  /**
   * A DataSource that counts the connections borrowed from it and not yet closed (and the most at
   * once), and records in {@link #SESSION_USE} every session-scoped statement or call made on them.
   */
  static final class Counting extends ForwardingDataSource {
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger most = new AtomicInteger();

    static void audit(String sql) {
      if (sql != null && SESSION_SCOPED.matcher(sql).find()) {
        SESSION_USE.add(sql);
      }
    }

    static Object call(Object target, java.lang.reflect.Method method, Object[] args)
        throws Throwable {
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }

    static Statement audited(Statement statement) {
      return (Statement)
          Proxy.newProxyInstance(
              Statement.class.getClassLoader(),
              new Class<?>[] {Statement.class},
              (proxy, method, args) -> {
                if (args != null && args.length > 0 && args[0] instanceof String sql) {
                  audit(sql);
                }
                return call(statement, method, args);
              });
    }

    Counting(DataSource delegate) {
      super(delegate);
    }

    int most() {
      return most.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
      Connection c = super.getConnection();
      most.accumulateAndGet(open.incrementAndGet(), Math::max);
      AtomicInteger closed = new AtomicInteger();
      return (Connection)
          Proxy.newProxyInstance(
              Connection.class.getClassLoader(),
              new Class<?>[] {Connection.class},
              (proxy, method, args) -> {
                String name = method.getName();
                if (name.equals("close") && closed.getAndIncrement() == 0) {
                  open.decrementAndGet();
                }
                if (SESSION_SETTERS.contains(name)) {
                  SESSION_USE.add("Connection." + name + java.util.Arrays.toString(args));
                }
                if ((name.equals("prepareStatement") || name.equals("prepareCall"))
                    && args[0] instanceof String sql) {
                  audit(sql);
                }
                Object result = call(c, method, args);
                return name.equals("createStatement") ? audited((Statement) result) : result;
              });
    }
  }
}
