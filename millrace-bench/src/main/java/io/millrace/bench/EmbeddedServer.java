package io.millrace.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;

/**
 * Starts an embedded PostgreSQL 17 with production durability (fsync and synchronous_commit on, the
 * same settings as {@link BenchDatabase}), prints its {@code DATABASE_URL} as one line on stdout,
 * and keeps it running until the process is stopped. Other systems' benchmark runners (for example
 * {@code peers/node/bench.mjs}) can then be pointed at it:
 *
 * <pre>
 * java -cp millrace-bench/target/millrace-bench.jar io.millrace.bench.EmbeddedServer
 * DATABASE_URL=postgres://postgres:postgres@localhost:PORT/postgres node bench.mjs ...
 * </pre>
 *
 * <p>{@code pg_stat_statements} is preloaded so that a run against this server can be profiled
 * ({@code CREATE EXTENSION pg_stat_statements}); the harness's own embedded server does without it.
 */
public final class EmbeddedServer {
  private EmbeddedServer() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    EmbeddedPostgres server =
        EmbeddedPostgres.builder()
            .setServerConfig("fsync", "on")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("max_wal_size", "4GB")
            .setServerConfig("shared_buffers", "512MB")
            .setServerConfig("max_connections", "300")
            // For profiling a run against it: CREATE EXTENSION pg_stat_statements, then read the
            // view.
            .setServerConfig("shared_preload_libraries", "pg_stat_statements")
            .start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.err.println("stopping embedded PostgreSQL");
                  try {
                    server.close();
                    System.err.println("embedded PostgreSQL stopped");
                  } catch (IOException e) {
                    System.err.println(
                        "embedded PostgreSQL did not stop cleanly: " + e.getMessage());
                  }
                }));
    System.out.println("postgres://postgres:postgres@localhost:" + server.getPort() + "/postgres");
    System.out.flush();
    System.err.println(
        "embedded PostgreSQL 17 running (fsync=on, synchronous_commit=on); stop with Ctrl-C");
    Thread.currentThread().join();
  }
}
