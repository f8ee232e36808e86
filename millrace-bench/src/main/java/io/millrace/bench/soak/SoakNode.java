package io.millrace.bench.soak;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.MillraceBuilder;
import io.millrace.backfills.Backfill;
import io.millrace.cluster.ConnectionBudget;
import io.millrace.jobs.JobContext;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.PeriodicJob;
import io.millrace.jobs.Schedule;
import io.millrace.projections.Projection;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One node of {@link ClusterSoak}, in its own JVM: its pooled DataSource goes through PgBouncer in
 * transaction mode ({@code prepareThreshold=0}), its direct one straight to PostgreSQL (each
 * connection one session named {@code soak-direct-<node>}). Every handler execution writes a row to
 * the ledger ({@code soak_ledger}: job id, attempt, node, whether it succeeded); {@code flaky} jobs
 * fail their first attempt. The node fires a periodic {@code tick} every second, runs the backfill
 * {@code soak_bump} over {@code soak_items} and the projection {@code soak_tally}, and publishes
 * its connection budget and the most pooled connections its Millrace held at once in {@code
 * soak_nodes}.
 *
 * <p>Arguments: {@code <postgres port> <pgbouncer port> <node id>}. Runs until killed or SIGTERM.
 */
public final class SoakNode {
  static final String SCHEMA = "soak";
  static final int CONCURRENCY = 8;

  private SoakNode() {}

  public static void main(String[] args) throws Exception {
    int postgresPort = Integer.parseInt(args[0]);
    int bouncerPort = Integer.parseInt(args[1]);
    String nodeId = args[2];
    HikariDataSource ledger = pool(bouncerPort, "soak-ledger-" + nodeId, CONCURRENCY + 2);
    DataSource direct = direct(postgresPort, "soak-direct-" + nodeId);
    // The budget depends only on the configuration: read it from a node that never starts.
    ConnectionBudget budget;
    try (Millrace probe = configure(Millrace.builder(direct), ledger, ledger, nodeId).build()) {
      budget = probe.connectionBudget();
    }
    // Headroom above the budget, so that going beyond it would show in the counter, not block.
    Counting pooled = new Counting(pool(bouncerPort, "soak-pooled-" + nodeId, budget.pooled() + 8));
    Millrace node =
        configure(Millrace.builder(pooled), ledger, pooled, nodeId)
            .directDataSource(direct)
            .build();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  node.close();
                  stopped.countDown();
                }));
    node.start();
    System.out.println("node " + nodeId + " started, budget " + budget);
    while (stopped.getCount() > 0) {
      try (Connection c = ledger.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO soak_nodes AS n VALUES (?, ?, ?, ?, now()) ON CONFLICT (node)"
                      + " DO UPDATE SET most_pooled = greatest(n.most_pooled, excluded.most_pooled),"
                      + " seen_at = now()")) {
        ps.setString(1, nodeId);
        ps.setInt(2, budget.pooled());
        ps.setInt(3, budget.direct());
        ps.setInt(4, pooled.most());
        ps.executeUpdate();
      } catch (SQLException e) {
        System.out.println("could not publish the node's figures: " + e);
      }
      Thread.sleep(500);
    }
  }

  static MillraceBuilder configure(
      MillraceBuilder builder, DataSource ledger, DataSource target, String nodeId) {
    return builder
        .schema(SCHEMA)
        .nodeId(nodeId)
        .queue("default", CONCURRENCY)
        .lease(Duration.ofSeconds(3))
        .heartbeat(Duration.ofMillis(500))
        .pollInterval(Duration.ofMillis(200))
        .maintenanceInterval(Duration.ofMillis(500))
        .countsRefreshInterval(Duration.ofMillis(500))
        .shutdownTimeout(Duration.ofSeconds(5))
        .handler("ok", Map.class, job -> record(ledger, job, nodeId, true))
        .handler("step", Map.class, job -> record(ledger, job, nodeId, true))
        .handler(
            "slow",
            Map.class,
            job -> {
              // Long enough that kills land while some of these run (rescued, a new attempt).
              Thread.sleep(2_000);
              return record(ledger, job, nodeId, true);
            })
        .handler("tick", Map.class, job -> record(ledger, job, nodeId, true))
        .handler(
            "flaky",
            Map.class,
            job -> {
              if (job.attempt() == 1) {
                record(ledger, job, nodeId, false);
                throw new IllegalStateException("the first attempt of a flaky job fails");
              }
              return record(ledger, job, nodeId, true);
            })
        .periodic(
            PeriodicJob.of(
                "tick", Schedule.every(Duration.ofSeconds(1)), JobRequest.of("tick", Map.of())))
        .backfill(
            Backfill.builder("soak_bump")
                .target(target)
                .table("public.soak_items")
                .stateTable("public.soak_backfill_state")
                .key("id")
                .initialBatchSize(200)
                .maxBatchSize(500)
                .yieldBetweenBatches(Duration.ofMillis(200))
                .sql("UPDATE public.soak_items SET v = v + 1 WHERE {range}")
                .build())
        .projection(
            Projection.named("soak_tally")
                .version("1")
                .handler(
                    (event, context) -> {
                      try (PreparedStatement ps =
                          context
                              .connection()
                              .prepareStatement(
                                  "INSERT INTO public.soak_tally AS t VALUES (?, 1)"
                                      + " ON CONFLICT (stream) DO UPDATE SET n = t.n + 1")) {
                        ps.setString(1, event.stream());
                        ps.executeUpdate();
                      }
                    })
                .build());
  }

  /** One row per execution; the handler's side effect that the soak counts. */
  static @org.jspecify.annotations.Nullable Object record(
      DataSource ledger, JobContext<?> job, String nodeId, boolean ok) throws SQLException {
    try (Connection c = ledger.getConnection();
        PreparedStatement ps =
            c.prepareStatement("INSERT INTO soak_ledger VALUES (?, ?, ?, ?, ?, now())")) {
      ps.setLong(1, job.id());
      ps.setString(2, job.kind());
      ps.setInt(3, job.attempt());
      ps.setString(4, nodeId);
      ps.setBoolean(5, ok);
      ps.executeUpdate();
    }
    return null;
  }

  static HikariDataSource pool(int bouncerPort, String applicationName, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(
        "jdbc:postgresql://127.0.0.1:" + bouncerPort + "/postgres?prepareThreshold=0");
    config.addDataSourceProperty("ApplicationName", applicationName);
    config.setUsername("postgres");
    config.setPassword("postgres");
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(10_000);
    return new HikariDataSource(config);
  }

  static DataSource direct(int postgresPort, String applicationName) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl("jdbc:postgresql://127.0.0.1:" + postgresPort + "/postgres");
    ds.setUser("postgres");
    ds.setPassword("postgres");
    ds.setApplicationName(applicationName);
    ds.setOptions("-c TimeZone=UTC");
    return ds;
  }

  /** Counts the connections borrowed and not yet closed, and the most at once. */
  static final class Counting implements DataSource {
    private final DataSource delegate;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger most = new AtomicInteger();

    Counting(DataSource delegate) {
      this.delegate = delegate;
    }

    int most() {
      return most.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
      return track(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return track(delegate.getConnection(user, password));
    }

    private Connection track(Connection connection) {
      most.accumulateAndGet(open.incrementAndGet(), Math::max);
      boolean[] closed = {false};
      return (Connection)
          Proxy.newProxyInstance(
              Connection.class.getClassLoader(),
              new Class<?>[] {Connection.class},
              (proxy, method, args) -> {
                if (method.getName().equals("close")) {
                  synchronized (closed) {
                    if (!closed[0]) {
                      closed[0] = true;
                      open.decrementAndGet();
                    }
                  }
                }
                try {
                  return method.invoke(connection, args);
                } catch (InvocationTargetException e) {
                  throw e.getCause();
                }
              });
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
      return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
      delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
      delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
      return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
      return delegate.isWrapperFor(iface);
    }
  }
}
