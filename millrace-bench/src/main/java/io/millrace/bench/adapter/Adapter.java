package io.millrace.bench.adapter;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Millrace behind the JSONL protocol of cross-system PostgreSQL queue benchmarks: a long-running
 * process configured by environment variables (see {@link AdapterConfig}) that produces jobs, works
 * them on one Millrace node and reports telemetry on stdout.
 *
 * <p>Run (after {@code ./mvnw -B -o -pl millrace-bench -am package -DskipTests}):
 *
 * <pre>{@code
 * DATABASE_URL=postgres://postgres:postgres@localhost:5432/postgres SCENARIO=long_horizon \
 *   PRODUCER_MODE=fixed PRODUCER_RATE=1000 WORKER_COUNT=16 SAMPLE_EVERY_S=5 \
 *   java -cp millrace-bench/target/millrace-bench.jar io.millrace.bench.adapter.Adapter
 * }</pre>
 *
 * <p>stdout carries JSON lines only: first one descriptor line, then every {@code SAMPLE_EVERY_S}
 * seconds one line per metric (see {@link Sampler}). Everything else (logs, {@code System.out} of
 * any library) goes to stderr. Jobs are kind {@code bench.job} on queue {@code bench} in schema
 * {@code millrace}; each handler records enqueue → start latency, then sleeps {@code JOB_WORK_MS}.
 *
 * <p>Exit codes: 0 after SIGTERM (producer stopped, a final sample written, the node closed with a
 * 2 s shutdown timeout, all within 5 s); 2 for a bad setting, named on stderr; 1 if start-up fails.
 */
public final class Adapter {
  static final SchemaName SCHEMA = SchemaName.of("millrace");

  /**
   * Millrace's tables that benchmark events touch; job_history is partitioned by state, then day.
   */
  static final List<String> EVENT_TABLES = List.of("millrace.jobs", "millrace.job_history");

  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);
  private static final long EXIT_DEADLINE_MS = 4_500;

  private final AdapterConfig config;
  private final Telemetry telemetry;
  private final SqlFile sql = SqlFile.load(Adapter.class, "adapter.sql", SCHEMA);
  private final LatencyWindow latency = new LatencyWindow();
  private final LongAdder enqueued = new LongAdder();
  private final LongAdder completed = new LongAdder();
  // Null until start(); stop() meets whatever start() got to.
  private @Nullable HikariDataSource dataSource;
  private @Nullable Millrace node;
  private @Nullable Producer producer;
  private @Nullable Thread producerThread;
  private @Nullable Sampler sampler;

  private Adapter(AdapterConfig config, Telemetry telemetry) {
    this.config = config;
    this.telemetry = telemetry;
  }

  public static void main(String[] args) {
    // Telemetry owns the real stdout; anything else printing to System.out lands on stderr. This
    // must run before logging initialises (no static logger here): logback prints its own status
    // to whatever System.out is at that moment.
    PrintStream stdout =
        new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    System.setOut(System.err);
    AdapterConfig config;
    try {
      config = AdapterConfig.fromEnvironment(System.getenv());
    } catch (AdapterConfig.InvalidSetting e) {
      System.err.println("millrace adapter: " + e.getMessage());
      System.exit(2);
      return;
    }
    Adapter adapter = new Adapter(config, new Telemetry(stdout));
    Runtime.getRuntime().addShutdownHook(new Thread(adapter::shutdown, "adapter-shutdown"));
    try {
      adapter.start();
    } catch (RuntimeException e) {
      log().error("adapter failed to start", e);
      Runtime.getRuntime().halt(1);
    }
    try {
      Thread.currentThread().join(); // the node's threads are daemons: run until SIGTERM
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void start() {
    dataSource = pool(config);
    node =
        Millrace.builder(dataSource)
            .schema(SCHEMA.value())
            .queue(BenchArgs.QUEUE, config.workerCount())
            .handler(
                BenchArgs.KIND,
                BenchArgs.class,
                job -> {
                  latency.record(BenchArgs.nowMicros() - job.args().enqueuedAtMicros());
                  if (config.workMs() > 0) {
                    Thread.sleep(config.workMs());
                  }
                  completed.increment();
                  return null;
                })
            .pollInterval(Duration.ofMillis(250))
            .shutdownTimeout(SHUTDOWN_TIMEOUT)
            .build();
    int schemaVersion = node.migrate();
    telemetry.descriptor(
        EVENT_TABLES,
        millraceVersion(),
        Integer.toString(schemaVersion),
        databaseName(),
        Instant.now());
    node.start();

    sampler = new Sampler(telemetry, latency, enqueued, completed, this::queueDepth, config);
    Thread samplerThread = new Thread(sampler, "adapter-sampler");
    samplerThread.setDaemon(true);
    samplerThread.start();

    producer =
        new Producer(
            node, new BenchArgs.Factory(config.payloadBytes()), config, this::queueDepth, enqueued);
    producerThread = new Thread(producer, "adapter-producer");
    producerThread.setDaemon(true);
    producerThread.start();
    log()
        .info(
            "adapter started: scenario {}, producer {}, {} workers, instance {}",
            config.scenario(),
            config.producerMode(),
            config.workerCount(),
            config.instanceId());
  }

  /** SIGTERM: stop offering load, write the last sample, close the node, exit 0 within 5 s. */
  private void shutdown() {
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(EXIT_DEADLINE_MS);
              } catch (InterruptedException e) {
                return;
              }
              log().warn("shutdown ran past {} ms; exiting anyway", EXIT_DEADLINE_MS);
              Runtime.getRuntime().halt(0);
            },
            "adapter-exit-deadline");
    watchdog.setDaemon(true);
    watchdog.start();
    try {
      Thread producing = producerThread;
      if (producer != null && producing != null) {
        producer.stop();
        producing.interrupt();
        producing.join(1_000);
      }
      if (sampler != null) {
        sampler.stop();
        sampler.finalFlush();
      }
      if (node != null) {
        node.close();
      }
      if (dataSource != null) {
        dataSource.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log().error("shutdown step failed", e);
    }
    // Exit status 0 rather than the JVM's 143 for SIGTERM: stopping on SIGTERM is this process's
    // normal end. halt() because System.exit() from a shutdown hook would block forever.
    Runtime.getRuntime().halt(0);
  }

  private HikariDataSource started() {
    HikariDataSource ds = dataSource;
    if (ds == null) {
      throw new IllegalStateException("the adapter has not started");
    }
    return ds;
  }

  private static Logger log() {
    return LoggerFactory.getLogger(Adapter.class);
  }

  private long queueDepth() {
    try (Connection c = started().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql.get("queue_depth"))) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("queue depth: " + e.getMessage(), e);
    }
  }

  private String databaseName() {
    try (Connection c = started().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql.get("database_name"))) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException("database name: " + e.getMessage(), e);
    }
  }

  static String millraceVersion() {
    try (InputStream in = Adapter.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static HikariDataSource pool(AdapterConfig config) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("millrace-adapter");
    hikari.setJdbcUrl(config.database().jdbcUrl());
    if (config.database().user() != null) {
      hikari.setUsername(config.database().user());
    }
    if (config.database().password() != null) {
      hikari.setPassword(config.database().password());
    }
    // Handlers hold no connection; the node needs one each for claiming, completing, LISTEN,
    // heartbeats, the leader lock and maintenance, plus the producer and the sampler.
    hikari.setMaximumPoolSize(12);
    hikari.setConnectionTimeout(10_000);
    return new HikariDataSource(hikari);
  }
}
