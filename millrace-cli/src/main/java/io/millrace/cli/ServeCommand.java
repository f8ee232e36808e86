package io.millrace.cli;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.MillraceBuilder;
import io.millrace.server.MillraceServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Runs a Millrace node with the HTTP server until the process is stopped. Without a database URL it
 * starts the embedded PostgreSQL of the data directory and writes the {@link StateFile} so other
 * commands use the same database.
 *
 * <p>Shutdown (SIGINT/SIGTERM, or {@link #stop()} in-process) runs once: the node first (stops
 * claiming, lets handlers finish, hands over leadership), then the HTTP server, then the state
 * file, then the database.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Run a Millrace node with the dashboard (/), /health, /ready, /metrics and the admin API.")
public final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Mixin ConnectionOptions connection;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "HTTP port; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(
      names = "--bind",
      defaultValue = "127.0.0.1",
      paramLabel = "HOST",
      description =
          "HTTP address. Default: ${DEFAULT-VALUE} (this machine only); 0.0.0.0 exposes the admin API, set --token.")
  @SuppressWarnings("NullAway.Init") // picocli sets defaultValue before call()
  String bind;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description =
          "Token required on mutating HTTP requests (Authorization: Bearer TOKEN). Default: $MILLRACE_TOKEN, else none.")
  @Nullable String token = System.getenv("MILLRACE_TOKEN");

  @Option(
      names = "--read-only",
      description =
          "Refuse every mutating HTTP request (the dashboard then only shows). Default: off.")
  boolean readOnly;

  @Option(
      names = "--token-for-reads",
      description =
          "Require the token on /api reads too (not on /health, /ready, /metrics). Needs --token. Default: off.")
  boolean tokenForReads;

  @Option(
      names = "--demo",
      description =
          "Run the demo.hello handler on queue 'default' and enqueue one demo job every 10 s, so jobs "
              + "can be seen flowing. Default: off (the node then runs no handlers: it serves the API, "
              + "enqueues and does leader maintenance; your application's nodes run the jobs).")
  boolean demo;

  @Option(
      names = "--concurrency",
      defaultValue = "10",
      paramLabel = "N",
      description =
          "Handlers running at once on queue 'default' (with --demo). Default: ${DEFAULT-VALUE}.")
  int concurrency;

  @Option(
      names = "--direct-database-url",
      paramLabel = "URL",
      description =
          "JDBC URL straight to PostgreSQL for the node's session connections (leadership, LISTEN) "
              + "when --database-url goes through a transaction pooler such as PgBouncer; same "
              + "user and password. Default: $MILLRACE_DIRECT_DATABASE_URL, else none (sessions "
              + "come from --database-url).")
  @Nullable String directUrl = System.getenv("MILLRACE_DIRECT_DATABASE_URL");

  @Option(
      names = "--read-database-url",
      paramLabel = "URL",
      description =
          "JDBC URL of a streaming replica for the dashboard's and the API's reads (never for "
              + "anything that decides work); same user and password. Default: "
              + "$MILLRACE_READ_DATABASE_URL, else none (reads go to the primary).")
  @Nullable String readUrl = System.getenv("MILLRACE_READ_DATABASE_URL");

  @Option(
      names = "--max-replica-lag",
      defaultValue = "5s",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "Beyond this replay lag the replica is passed over for the primary. Default: ${DEFAULT-VALUE}.")
  @SuppressWarnings("NullAway.Init") // picocli sets defaultValue before call()
  Duration maxReplicaLag;

  /** Session connections a node holds at most (leader, job LISTEN, workflows, projections), +1. */
  private static final int DIRECT_POOL_SIZE = 5;

  private static final int READ_POOL_SIZE = 4;

  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CountDownLatch started = new CountDownLatch(1);
  private final AtomicBoolean stopping = new AtomicBoolean();
  private volatile Runnable shutdown = () -> {};
  // Null until the HTTP server has started.
  private volatile @Nullable MillraceServer server;
  // Null unless --direct-database-url / --read-database-url is given.
  private @Nullable HikariDataSource direct;
  private @Nullable HikariDataSource read;

  @Override
  public Integer call() throws InterruptedException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Database database = Database.open(connection, true, concurrency + 10);
    Millrace millrace = null;
    Demo demoJobs = null;
    MillraceServer http = null;
    try {
      MillraceBuilder builder =
          Millrace.builder(database.dataSource()).schema(connection.schema).meterRegistry(registry);
      if (directUrl != null && !directUrl.isBlank()) {
        direct =
            Database.pool(
                "millrace-direct",
                directUrl,
                connection.user,
                connection.password,
                DIRECT_POOL_SIZE);
        builder.directDataSource(direct);
      }
      if (readUrl != null && !readUrl.isBlank()) {
        read =
            Database.pool(
                "millrace-read", readUrl, connection.user, connection.password, READ_POOL_SIZE);
        builder.readDataSource(read).maxReplicaLag(maxReplicaLag);
      }
      if (demo) {
        Demo.register(builder, concurrency);
      }
      millrace = builder.build();
      int version = millrace.migrate();
      millrace.start();
      http =
          MillraceServer.builder(millrace, registry)
              .host(bind)
              .port(port)
              .token(token)
              .readOnly(readOnly)
              .readsNeedToken(tokenForReads)
              .start();
      if (database.embedded().isPresent()) {
        new StateFile(
                database.embedded().get().getJdbcUrl("postgres", "postgres"),
                database.embedded().get().getPort(),
                http.port(),
                ProcessHandle.current().pid(),
                connection.schema)
            .write(connection.dataDir());
      }
      if (demo) {
        demoJobs = Demo.start(millrace);
      }
      log.info(
          "Millrace is serving on http://{}:{} (schema {} v{}, {}){}",
          bind,
          http.port(),
          connection.schema,
          version,
          database.description(),
          demo ? "; demo jobs every 10 s" : "");
    } catch (RuntimeException e) {
      close(demoJobs, millrace, http, database);
      closeExtraPools();
      started.countDown();
      throw e;
    }
    Millrace node = millrace;
    Demo demoTicker = demoJobs;
    MillraceServer httpServer = http;
    server = httpServer;
    shutdown =
        () -> {
          close(demoTicker, node, httpServer, database);
          closeExtraPools();
        };
    // SIGINT/SIGTERM are handled here, not only by a shutdown hook: the embedded PostgreSQL
    // registers a hook of its own that stops the database, and JVM hooks run concurrently, so the
    // node would lose its connections halfway through its graceful close. A handled signal shuts
    // down in order and lets call() return; the hook remains for other ways of exiting.
    Map<Signal, SignalHandler> previous = new HashMap<>();
    for (String name : List.of("INT", "TERM")) {
      try {
        Signal signal = new Signal(name);
        previous.put(signal, Signal.handle(signal, s -> onSignal()));
      } catch (IllegalArgumentException unsupported) {
        // Not on this platform or already used by the JVM: the shutdown hook covers it.
      }
    }
    Thread hook = new Thread(this::shutdownOnce, "millrace-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    started.countDown();
    stopped.await();
    previous.forEach(Signal::handle);
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException alreadyExiting) {
      // The JVM is exiting and ran the hook itself.
    }
    return 0;
  }

  /** The first signal shuts down gracefully; a second one while that runs exits at once. */
  private void onSignal() {
    if (stopping.get()) {
      log.warn("second signal: exiting without waiting for running handlers");
      System.exit(130);
    }
    shutdownOnce();
  }

  /** Stops a server started in-process and waits until it has shut down. */
  public void stop() {
    shutdownOnce();
  }

  /** Waits until the server listens and returns its HTTP port; throws if it failed to start. */
  public int awaitStarted() throws InterruptedException {
    started.await();
    MillraceServer listening = server;
    if (listening == null) {
      throw new IllegalStateException("serve failed to start (see its error output)");
    }
    return listening.port();
  }

  private void shutdownOnce() {
    if (stopping.compareAndSet(false, true)) {
      log.info("Millrace is shutting down");
      try {
        shutdown.run();
      } finally {
        stopped.countDown();
      }
    } else {
      try {
        stopped.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The direct and read pools, after the node that used them has closed. */
  private void closeExtraPools() {
    if (direct != null) {
      direct.close();
    }
    if (read != null) {
      read.close();
    }
  }

  private void close(
      @Nullable Demo demoJobs,
      @Nullable Millrace millrace,
      @Nullable MillraceServer http,
      Database database) {
    if (demoJobs != null) {
      demoJobs.close();
    }
    if (millrace != null) {
      millrace.close();
    }
    if (http != null) {
      http.close();
    }
    if (database.embedded().isPresent()) {
      StateFile.delete(connection.dataDir());
    }
    database.close();
  }
}
