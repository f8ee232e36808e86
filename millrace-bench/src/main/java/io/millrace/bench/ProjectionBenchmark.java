package io.millrace.bench;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.projections.EventStore;
import io.millrace.projections.NewEvent;
import io.millrace.projections.QueryStatus;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Projections at a million events: how fast a cold rebuild replays, what a warm restart replays
 * (nothing), and how soon {@code /health} answers when a new process starts with the whole log
 * pending (a changed fingerprint).
 *
 * <p>The log is loaded with {@code INSERT ... SELECT generate_series} in transactions of 100,000
 * events (1,000 accounts); the append API's own rate is measured separately on 50,000 events in
 * appends of 100. The projection keeps one JSON document per account in the built-in store, pages
 * of 1,000 events. The {@code /health} figure is from spawning a JVM ({@link ProjectionServe}) to
 * its first 200, so it includes JVM start; the same process's {@code /ready} turns 200 only when
 * the replay is done.
 *
 * <p>Run: {@code ./mvnw -B -q -DskipTests package -pl millrace-bench -am && java -cp
 * millrace-bench/target/millrace-bench.jar io.millrace.bench.ProjectionBenchmark [events=1000000]}
 * ({@code DATABASE_URL} for an external PostgreSQL, else embedded PostgreSQL 17, durable.)
 */
public final class ProjectionBenchmark {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private ProjectionBenchmark() {}

  public static void main(String[] argv) throws Exception {
    int events = argv.length > 0 ? Integer.parseInt(argv[0]) : 1_000_000;
    try (BenchDatabase db = BenchDatabase.open(16)) {
      HikariDataSource ds = db.dataSource();
      String schema = "projection_bench_" + System.currentTimeMillis();
      Millrace.builder(ds).schema(schema).build().migrate();
      System.out.printf("projections over %,d events (%s)%n", events, db.description());

      double appendRate = appendRate(ds, schema, 50_000);
      System.out.printf(
          "  append API, 100 events per append:       %,10.0f events/s%n", appendRate);
      long loadStart = System.nanoTime();
      load(ds, schema, events - 50_000);
      System.out.printf(
          "  bulk load (INSERT ... SELECT):           %,10.1f s%n", seconds(loadStart));

      // Cold rebuild: nothing checkpointed yet.
      long started = System.nanoTime();
      Millrace cold =
          Millrace.builder(ds).schema(schema).projection(ProjectionServe.balances("1")).build();
      cold.start();
      awaitReady(cold);
      double coldSeconds = seconds(started);
      double coldReplayed = replayed(cold);
      cold.close();
      System.out.printf(
          "  cold rebuild:      %,10.0f events in %6.1f s = %,8.0f events/s%n",
          coldReplayed, coldSeconds, coldReplayed / coldSeconds);

      // Warm restart: same fingerprint, checkpoint at the head.
      started = System.nanoTime();
      Millrace warm =
          Millrace.builder(ds).schema(schema).projection(ProjectionServe.balances("1")).build();
      warm.start();
      awaitReady(warm);
      System.out.printf(
          "  warm restart:      %,10.0f events replayed, ready in %.3f s%n",
          replayed(warm), seconds(started));
      warm.close();

      // A new process with nothing pending (baseline), then one whose fingerprint changed, so that
      // the whole log is pending: /health must not care.
      healthFromProcessStart(db, schema, "1", "same fingerprint, nothing pending");
      healthFromProcessStart(db, schema, "2", "fingerprint changed, whole log pending");
    }
  }

  private static void healthFromProcessStart(
      BenchDatabase db, String schema, String version, String what) throws Exception {
    HikariDataSource ds = db.dataSource();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    long spawned = System.nanoTime();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                ProjectionServe.class.getName(),
                ds.getJdbcUrl(),
                ds.getUsername(),
                ds.getPassword(),
                schema,
                version)
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      int port = -1;
      String times = "";
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("TIMES ")) {
          times = line.substring(6);
        }
        if (line.startsWith("PORT ")) {
          port = Integer.parseInt(line.substring(5).trim());
          break;
        }
      }
      if (port < 0) {
        throw new IllegalStateException("the serving process exited before listening");
      }
      Thread drain = new Thread(() -> out.lines().forEach(l -> {}));
      drain.setDaemon(true);
      drain.start();
      while (status(port, "/health") != 200) {
        Thread.sleep(1);
      }
      double health = seconds(spawned);
      int readyWhenHealthy = status(port, "/ready");
      long t0 = System.nanoTime();
      long healthNanos = 0;
      for (int i = 0; i < 100; i++) {
        long s = System.nanoTime();
        status(port, "/health");
        healthNanos += System.nanoTime() - s;
      }
      double perRequestMs = healthNanos / 100 / 1e6;
      double sampled = seconds(t0);
      while (status(port, "/ready") != 200) {
        Thread.sleep(50);
      }
      double ready = seconds(spawned);
      System.out.printf("  new process, %s:%n", what);
      System.out.printf(
          "    /health 200 after %.2f s from spawn (JVM start included); /ready then %d%n",
          health, readyWhenHealthy);
      System.out.printf("    inside the process: %s%n", times);
      System.out.printf(
          "    /health right after: %.2f ms per request (mean of 100 sequential, over %.1f s)%n",
          perRequestMs, sampled);
      System.out.printf("    /ready 200 after %.1f s from spawn%n", ready);
    } finally {
      // SIGTERM: the node closes and releases the projection's lease for the next process.
      child.destroy();
      if (!child.waitFor(60, TimeUnit.SECONDS)) {
        child.destroyForcibly();
        child.waitFor();
      }
    }
  }

  private static int status(int port, String path) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private static double appendRate(HikariDataSource ds, String schema, int n) {
    Millrace client = Millrace.builder(ds).schema(schema).build();
    EventStore store = client.events();
    long started = System.nanoTime();
    for (int i = 0; i < n; i += 100) {
      List<NewEvent> batch = new ArrayList<>(100);
      for (int j = 0; j < 100; j++) {
        batch.add(NewEvent.json("deposited", "{\"amount\":" + ((i + j) % 100) + "}"));
      }
      store.append("acct-" + (i / 100 % 1000), EventStore.ANY, batch);
    }
    return n / seconds(started);
  }

  /**
   * Events numbered after the appended ones, 100,000 per transaction. Stream versions continue
   * after the appended 50 per account (the event_streams rows are not updated: the benchmark
   * appends nothing more).
   */
  private static void load(HikariDataSource ds, String schema, int n) throws Exception {
    String sql =
        "INSERT INTO \""
            + schema
            + "\".events (stream, version, type, data)"
            + " SELECT 'acct-' || (i % 1000), 1000 + i / 1000, 'deposited', jsonb_build_object('amount', i % 100)"
            + " FROM generate_series(?::bigint, ?::bigint) AS i";
    try (Connection c = ds.getConnection()) {
      for (long from = 0; from < n; from += 100_000) {
        try (var ps = c.prepareStatement(sql)) {
          ps.setLong(1, from);
          ps.setLong(2, Math.min(n, from + 100_000) - 1);
          ps.executeUpdate();
        }
      }
      try (Statement s = c.createStatement()) {
        s.execute("VACUUM ANALYZE \"" + schema + "\".events");
      }
    }
  }

  private static void awaitReady(Millrace node) throws InterruptedException {
    while (node.projections().queryStatus("balances") != QueryStatus.READY
        || !node.readiness().report().ready()) {
      Thread.sleep(20);
    }
  }

  private static double replayed(Millrace node) {
    return node.meters()
        .get("millrace.projection.events.replayed")
        .tag("projection", "balances")
        .counter()
        .count();
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
