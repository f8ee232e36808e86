package io.millrace.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A primary and its streaming hot standby, built the way an operator would: {@code initdb} the
 * primary, {@code pg_basebackup -R -X stream} it into the standby's directory, start the standby,
 * wait until the primary reports it streaming. Both listen on 127.0.0.1 only, on free ports, with
 * trust authentication, in a temporary directory removed by {@link #close()}.
 *
 * <p>The embedded binaries have no {@code pg_basebackup}, so this uses the system's PostgreSQL
 * server binaries: {@code -Dmillrace.pg.bin=DIR} or {@code MILLRACE_PG_BIN}, else the newest {@code
 * /usr/lib/postgresql/N/bin} (Debian's {@code postgresql} package; {@code .ci/run} installs it).
 * The PostgreSQL server refuses to run as root, so as root the commands run as the {@code postgres}
 * user the package creates.
 *
 * <p>Without the binaries the tests are skipped, unless {@code MILLRACE_REPLICA_REQUIRED=true} (or
 * {@code -Dmillrace.replica.required=true}) turns that into a failure; {@code .ci/run} sets it, so
 * CI can never pass by skipping them.
 */
public final class StreamingReplica implements AutoCloseable {
  private static final String[] TOOLS = {"initdb", "pg_ctl", "pg_basebackup", "postgres"};

  private final Path bin;
  private final Path dir;
  private final int primaryPort;
  private final int replicaPort;
  private final boolean asPostgresUser;

  private StreamingReplica(Path bin, Path dir, int primaryPort, int replicaPort, boolean root) {
    this.bin = bin;
    this.dir = dir;
    this.primaryPort = primaryPort;
    this.replicaPort = replicaPort;
    this.asPostgresUser = root;
  }

  /** Starts a primary and a streaming standby of it (or skips the test, see the class comment). */
  public static StreamingReplica start() {
    Optional<Path> found = binaries();
    boolean required =
        Boolean.getBoolean("millrace.replica.required")
            || "true".equalsIgnoreCase(System.getenv("MILLRACE_REPLICA_REQUIRED"));
    if (found.isEmpty()) {
      if (required) {
        throw new IllegalStateException(
            "replica tests required but no PostgreSQL server binaries with pg_basebackup were"
                + " found (install Debian's postgresql, or set MILLRACE_PG_BIN)");
      }
      Assumptions.abort("no PostgreSQL server binaries with pg_basebackup (Debian postgresql)");
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    try {
      Path dir = Files.createTempDirectory("millrace-replica-");
      StreamingReplica pair = new StreamingReplica(found.get(), dir, freePort(), freePort(), root);
      try {
        pair.init();
      } catch (RuntimeException | Error e) {
        pair.close();
        throw e;
      }
      return pair;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Optional<Path> binaries() {
    String given = System.getProperty("millrace.pg.bin", System.getenv("MILLRACE_PG_BIN"));
    if (given != null && !given.isBlank()) {
      return Optional.of(Path.of(given)).filter(StreamingReplica::complete);
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(debian)) {
      return Optional.empty();
    }
    try (Stream<Path> majors = Files.list(debian)) {
      return majors
          .filter(p -> p.getFileName().toString().matches("\\d+"))
          .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString())))
          .map(p -> p.resolve("bin"))
          .filter(StreamingReplica::complete);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean complete(Path bin) {
    return Stream.of(TOOLS).allMatch(t -> Files.isExecutable(bin.resolve(t)));
  }

  private void init() throws IOException {
    if (asPostgresUser) {
      // The server runs as postgres: the directory is its own (root keeps its access anyway).
      UserPrincipal postgres =
          dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
      Files.setOwner(dir, postgres);
    }
    Path primary = dir.resolve("primary");
    run(
        "initdb",
        "-D",
        primary.toString(),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync");
    Files.writeString(
        primary.resolve("postgresql.conf"),
        String.join(
            "\n",
            "",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "max_connections = 60",
            "shared_buffers = 16MB",
            "fsync = off",
            "wal_level = replica",
            "max_wal_senders = 4",
            "hot_standby = on",
            "hot_standby_feedback = on",
            ""),
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
    startServer("primary", primaryPort);
    Path replica = dir.resolve("replica");
    run(
        "pg_basebackup",
        "-h",
        "127.0.0.1",
        "-p",
        Integer.toString(primaryPort),
        "-U",
        "postgres",
        "-D",
        replica.toString(),
        "-R",
        "-X",
        "stream",
        "-c",
        "fast",
        "--no-sync");
    startReplica();
  }

  /** Starts the standby (again) and waits until the primary sees it streaming. */
  public void startReplica() {
    startServer("replica", replicaPort);
    Await.until(
        "the standby streams from the primary",
        Duration.ofSeconds(60),
        () ->
            queryLong(
                    primaryUrl(),
                    "SELECT count(*) FROM pg_stat_replication" + " WHERE state = 'streaming'")
                > 0);
  }

  /** Stops the standby (fast shutdown); the primary keeps running. */
  public void stopReplica() {
    run("pg_ctl", "-D", dir.resolve("replica").toString(), "-m", "fast", "-w", "stop");
  }

  public String primaryUrl() {
    return "jdbc:postgresql://127.0.0.1:" + primaryPort + "/postgres";
  }

  public String replicaUrl() {
    return "jdbc:postgresql://127.0.0.1:" + replicaPort + "/postgres";
  }

  /**
   * A pool on the standby that gives up on a connection after half a second, as a replica's pool
   * should (see MillraceBuilder.readDataSource).
   */
  public HikariDataSource replicaPool() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(replicaUrl());
    config.setUsername("postgres");
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(500);
    config.setInitializationFailTimeout(-1);
    config.addDataSourceProperty("options", "-c TimeZone=America/Los_Angeles");
    return new HikariDataSource(config);
  }

  /** Runs one statement on the standby (pausing or resuming its replay, say). */
  public void onReplica(String sql) {
    queryLong(replicaUrl(), sql);
  }

  private static long queryLong(String url, String sql) {
    try (Connection c = java.sql.DriverManager.getConnection(url, "postgres", "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      if (!rs.next()) {
        return 0;
      }
      Object v = rs.getObject(1);
      return v instanceof Number n ? n.longValue() : 0;
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  private void startServer(String name, int port) {
    run(
        "pg_ctl",
        "-D",
        dir.resolve(name).toString(),
        "-l",
        dir.resolve(name + ".log").toString(),
        "-o",
        "-p " + port,
        "-w",
        "-t",
        "60",
        "start");
  }

  private void run(String tool, String... args) {
    List<String> command = new ArrayList<>();
    if (asPostgresUser) {
      command.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    command.add(bin.resolve(tool).toString());
    command.addAll(List.of(args));
    try {
      Process p =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(tool + " did not finish: " + output);
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " failed (" + p.exitValue() + "):\n" + output + logs());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + tool, e);
    }
  }

  private String logs() {
    StringBuilder out = new StringBuilder();
    for (String name : List.of("primary.log", "replica.log")) {
      Path log = dir.resolve(name);
      if (Files.exists(log)) {
        try {
          out.append("\n--- ").append(name).append('\n').append(Files.readString(log));
        } catch (IOException e) {
          out.append("\n--- ").append(name).append(": ").append(e.getMessage());
        }
      }
    }
    return out.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Stops both servers (immediately: their data is thrown away) and removes the directory. */
  @Override
  public void close() {
    for (String name : List.of("replica", "primary")) {
      if (Files.exists(dir.resolve(name).resolve("postmaster.pid"))) {
        try {
          run("pg_ctl", "-D", dir.resolve(name).toString(), "-m", "immediate", "-w", "stop");
        } catch (RuntimeException e) {
          // keep going: the other server must stop too, and the directory go
        }
      }
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
