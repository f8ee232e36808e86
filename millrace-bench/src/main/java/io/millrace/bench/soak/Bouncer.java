package io.millrace.bench.soak;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PgBouncer in transaction mode in front of a local PostgreSQL, configured as {@code
 * docs/operations.md} shows, in its own process with its configuration in a temporary directory.
 * The binary is {@code /usr/sbin/pgbouncer} (Debian's package; {@code -Dmillrace.pgbouncer=PATH}
 * for another). As root it runs as {@code nobody}, since PgBouncer refuses root.
 */
final class Bouncer implements AutoCloseable {
  static final Path BINARY =
      Path.of(System.getProperty("millrace.pgbouncer", "/usr/sbin/pgbouncer"));

  private final Process process;
  private final Path dir;
  private final int port;

  private Bouncer(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  static boolean installed() {
    return Files.isExecutable(BINARY);
  }

  static Bouncer start(int postgresPort, int serverConnections) throws IOException {
    if (!installed()) {
      throw new IllegalStateException("the soak needs PgBouncer, and " + BINARY + " is missing");
    }
    Path dir = Files.createTempDirectory("millrace-soak-pgbouncer-");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.writeString(dir.resolve("userlist.txt"), "\"postgres\" \"postgres\"\n");
    Files.writeString(
        dir.resolve("pgbouncer.ini"),
        String.join(
            "\n",
            "[databases]",
            "postgres = host=127.0.0.1 port=" + postgresPort + " dbname=postgres timezone=UTC",
            "",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            "listen_port = " + port,
            "unix_socket_dir =",
            "auth_type = plain",
            "auth_file = " + dir.resolve("userlist.txt"),
            "pool_mode = transaction",
            "default_pool_size = " + serverConnections,
            "max_client_conn = 2000",
            "ignore_startup_parameters = extra_float_digits",
            "server_reset_query =",
            "log_connections = 0",
            "log_disconnections = 0",
            ""));
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
    Bouncer bouncer = new Bouncer(process, dir, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!accepts(port)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        String log = Files.readString(dir.resolve("pgbouncer.log"));
        bouncer.close();
        throw new IllegalStateException("PgBouncer did not start: " + log);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting PgBouncer", e);
      }
    }
    return bouncer;
  }

  int port() {
    return port;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
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
}
