package io.millrace.bench.harness;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.Scheduler;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;

/**
 * Quartz 2.5 with the JDBC job store ({@code JobStoreTX}, {@code PostgreSQLDelegate}) on the
 * harness's pool, tables from the {@code tables_postgres.sql} shipped in the Quartz jar, created in
 * the harness schema. A job is a non-durable {@link JobDetail} carrying its index plus one
 * fire-once trigger due now; Quartz deletes both after the job runs.
 *
 * <p>Tuning, following the Quartz configuration reference on throughput: {@code threadCount = W};
 * {@code batchTriggerAcquisitionMaxCount = W}, so that one acquisition round trip can hand a
 * trigger to every free thread instead of one trigger per round (the default is 1); {@code
 * batchTriggerAcquisitionFireAheadTimeWindow} of 1 s, which lets a batch include triggers due
 * shortly; {@code acquireTriggersWithinLock = true}, which the docs require with batch acquisition
 * so that no two threads acquire the same triggers. Two settings keep the measure about throughput:
 * a misfire threshold of one hour, since a backlog that waits is the point here and must not be
 * rerouted through misfire handling, and an idle wait of 1 s (default 30 s). Enqueue uses {@code
 * Scheduler.scheduleJobs}, the batch API (one transaction per call), on a scheduler in standby; the
 * drain starts it. Its backlog is capped at {@link #MAX_JOBS} jobs.
 */
final class QuartzPeer extends EnginePeer {
  /**
   * Quartz drains about a hundred jobs a second here (see {@code HARNESS.md}), so a backlog of
   * 100,000 would take most of an hour: its drain and enqueue use at most this many jobs.
   */
  static final int MAX_JOBS = 10_000;

  private static final String DATA_SOURCE = "harness";
  // Set by each run before its engine starts; the engine's job classes read it.
  private static volatile @Nullable Handler handler;

  @Override
  public String name() {
    return "Quartz 2.5.2";
  }

  @Override
  public int jobs(Settings s) {
    return Math.min(s.jobs(), MAX_JOBS);
  }

  @Override
  Engine open(DataSource ds, String schema, Settings s, Handler jobHandler) throws Exception {
    createTables(ds, schema);
    handler = jobHandler;
    DBConnectionManager.getInstance()
        .addConnectionProvider(
            DATA_SOURCE,
            new ConnectionProvider() {
              @Override
              public Connection getConnection() throws java.sql.SQLException {
                return ds.getConnection();
              }

              @Override
              public void shutdown() {
                // the harness owns the pool
              }

              @Override
              public void initialize() {
                // nothing: the pool is already open
              }
            });
    Properties p = new Properties();
    p.setProperty("org.quartz.scheduler.instanceName", "harness");
    p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
    p.setProperty("org.quartz.scheduler.idleWaitTime", "1000");
    p.setProperty(
        "org.quartz.scheduler.batchTriggerAcquisitionMaxCount", Integer.toString(s.workers()));
    p.setProperty("org.quartz.scheduler.batchTriggerAcquisitionFireAheadTimeWindow", "1000");
    p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
    p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(s.workers()));
    p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
    p.setProperty(
        "org.quartz.jobStore.driverDelegateClass",
        "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
    p.setProperty("org.quartz.jobStore.dataSource", DATA_SOURCE);
    p.setProperty("org.quartz.jobStore.tablePrefix", schema + ".qrtz_");
    p.setProperty("org.quartz.jobStore.misfireThreshold", "3600000");
    p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
    Scheduler scheduler = new StdSchedulerFactory(p).getScheduler();
    return new Engine() {
      @Override
      public void enqueue(int from, int to) throws Exception {
        Map<JobDetail, Set<? extends Trigger>> batch = new HashMap<>();
        for (int j = from; j < to; j++) {
          JobDetail job =
              JobBuilder.newJob(HarnessJob.class)
                  .withIdentity("j" + j)
                  .usingJobData("i", j)
                  .build();
          batch.put(
              job, Set.of(TriggerBuilder.newTrigger().withIdentity("t" + j).startNow().build()));
        }
        scheduler.scheduleJobs(batch, false);
      }

      @Override
      public void start() throws Exception {
        scheduler.start();
      }

      @Override
      public void close() throws Exception {
        scheduler.shutdown(true);
      }
    };
  }

  /** Runs Quartz's own PostgreSQL script with the harness schema first on the search path. */
  private static void createTables(DataSource ds, String schema) throws Exception {
    String script;
    try (InputStream in =
        Scheduler.class.getResourceAsStream("/org/quartz/impl/jdbcjobstore/tables_postgres.sql")) {
      if (in == null) {
        throw new IllegalStateException("tables_postgres.sql is not on the class path");
      }
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      st.execute("SET search_path TO " + schema);
      try {
        for (String statement : script.replaceAll("(?m)--.*$", "").split(";")) {
          String sql = statement.strip();
          if (!sql.isEmpty() && !sql.equalsIgnoreCase("COMMIT")) {
            st.execute(sql);
          }
        }
      } finally {
        st.execute("RESET search_path");
      }
    }
  }

  /** The synthetic work; Quartz instantiates it per execution. */
  public static final class HarnessJob implements Job {
    @Override
    public void execute(JobExecutionContext context) throws JobExecutionException {
      try {
        running().handle(context.getMergedJobDataMap().getInt("i"));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new JobExecutionException(e);
      } catch (Exception e) {
        throw new JobExecutionException(e);
      }
    }
  }

  private static Handler running() {
    Handler h = handler;
    if (h == null) {
      throw new IllegalStateException("a job ran before its benchmark set the handler");
    }
    return h;
  }
}
