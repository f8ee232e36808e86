package io.millrace.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PgBouncer in transaction mode in front of the tests' embedded PostgreSQL: its own process,
 * configuration in a temporary directory, listening on a free port of 127.0.0.1. The tested
 * configuration is the one {@code docs/operations.md} shows: {@code pool_mode = transaction},
 * {@code ignore_startup_parameters = extra_float_digits} (pgjdbc sends it), and the session time
 * zone set by PgBouncer per database (pgjdbc's {@code options} parameter does not pass through it).
 *
 * <p>The binary is the Debian package {@code pgbouncer} ({@code .ci/run} installs it). Without it
 * the tests are skipped, unless {@code MILLRACE_PGBOUNCER_REQUIRED=true} in the environment (or
 * {@code -Dmillrace.pgbouncer.required=true}) turns that into a failure; {@code .ci/run} sets it,
 * so CI can never pass by skipping them. PgBouncer refuses to run as root, so as root it switches
 * to {@code nobody} ({@code -u}).
 */
public final class PgBouncer implements AutoCloseable {
  static final Path BINARY =
      Path.of(System.getProperty("millrace.pgbouncer", "/usr/sbin/pgbouncer"));

  private final Process process;
  private final Path dir;
  private final int port;
  private final List<HikariDataSource> pools = new ArrayList<>();

  private PgBouncer(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  /**
   * Starts PgBouncer in transaction mode with at most {@code poolSize} server connections, fewer
   * than the clients the tests open, so transactions of different clients share server sessions.
   */
  public static PgBouncer start(int poolSize) {
    return start(poolSize, "transaction");
  }

  /**
   * As {@link #start(int)} in another {@code pool_mode} ({@code session} or {@code transaction}).
   */
  public static PgBouncer start(int poolSize, String poolMode) {
    boolean installed = Files.isExecutable(BINARY);
    boolean required =
        Boolean.getBoolean("millrace.pgbouncer.required")
            || "true".equalsIgnoreCase(System.getenv("MILLRACE_PGBOUNCER_REQUIRED"));
    if (!required) {
      Assumptions.assumeTrue(installed, "pgbouncer is not installed (" + BINARY + ")");
    } else if (!installed) {
      throw new IllegalStateException("PgBouncer tests required but " + BINARY + " is missing");
    }
    URI postgres = URI.create(TestDatabase.jdbcUrl().substring("jdbc:".length()));
    try {
      Path dir = Files.createTempDirectory("millrace-pgbouncer-");
      int port = freePort();
      Files.writeString(dir.resolve("userlist.txt"), "\"postgres\" \"postgres\"\n");
      Files.writeString(
          dir.resolve("pgbouncer.ini"),
          String.join(
              "\n",
              "[databases]",
              "postgres = host=127.0.0.1 port="
                  + postgres.getPort()
                  + " dbname=postgres timezone=America/Los_Angeles",
              // Any other database of the same server, under its own name (jdbcUrl(database)).
              "* = host=127.0.0.1 port=" + postgres.getPort(),
              "",
              "[pgbouncer]",
              "listen_addr = 127.0.0.1",
              "listen_port = " + port,
              "unix_socket_dir =",
              "auth_type = plain",
              "auth_file = " + dir.resolve("userlist.txt"),
              "pool_mode = " + poolMode,
              "default_pool_size = " + poolSize,
              "max_client_conn = 500",
              "ignore_startup_parameters = extra_float_digits",
              "server_reset_query =",
              "log_connections = 0",
              "log_disconnections = 0",
              ""));
      // Readable by nobody, whom PgBouncer becomes when started as root.
      dir.toFile().setExecutable(true, false);
      for (String f : List.of("userlist.txt", "pgbouncer.ini")) {
        Files.setPosixFilePermissions(dir.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
      }
      List<String> command = new ArrayList<>(List.of(BINARY.toString()));
      if ("root".equals(System.getProperty("user.name"))) {
        command.addAll(List.of("-u", "nobody"));
      }
      command.add(dir.resolve("pgbouncer.ini").toString());
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("pgbouncer.log").toFile())
              .start();
      PgBouncer bouncer = new PgBouncer(process, dir, port);
      try {
        Await.until(
            "PgBouncer listens on port " + port,
            Duration.ofSeconds(30),
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(
                    "PgBouncer exited with " + process.exitValue() + ": " + bouncer.log());
              }
              return accepts(port);
            });
      } catch (RuntimeException | AssertionError e) {
        bouncer.close();
        throw e;
      }
      return bouncer;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start PgBouncer", e);
    }
  }

  /** The JDBC URL of the embedded PostgreSQL through this PgBouncer (no prepareThreshold set). */
  public String jdbcUrl() {
    return jdbcUrl("postgres");
  }

  /** The JDBC URL of another database of the embedded PostgreSQL through this PgBouncer. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /**
   * A pool through PgBouncer as Millrace requires it there: {@code prepareThreshold=0} (PgBouncer
   * before 1.21 keeps no server-side prepared statements across transactions).
   */
  public HikariDataSource pool(int size, String applicationName) {
    return pool(size, applicationName, true);
  }

  /** As {@link #pool(int, String)}, optionally leaving pgjdbc's prepared statements on. */
  public HikariDataSource pool(int size, String applicationName, boolean prepareThresholdZero) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl() + (prepareThresholdZero ? "?prepareThreshold=0" : ""));
    config.addDataSourceProperty("ApplicationName", applicationName);
    config.setUsername("postgres");
    config.setPassword("postgres");
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(10_000);
    HikariDataSource pool = new HikariDataSource(config);
    synchronized (pools) {
      pools.add(pool);
    }
    return pool;
  }

  /** What PgBouncer has written so far (for failure messages). */
  public String log() {
    try {
      return Files.readString(dir.resolve("pgbouncer.log"));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    synchronized (pools) {
      pools.forEach(HikariDataSource::close);
      pools.clear();
    }
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
