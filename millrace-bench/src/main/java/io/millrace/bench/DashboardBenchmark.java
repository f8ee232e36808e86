package io.millrace.bench;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.schema.SchemaMigrator;
import io.millrace.schema.SchemaName;
import io.millrace.server.MillraceServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How fast the dashboard's job list answers at 10M history rows: first page and filtered pages,
 * timed as the server's own time ({@code Server-Timing: app;dur=...}, from the request reaching the
 * API to the JSON being ready) and as the client's round trip over loopback.
 *
 * <p>The history is written directly in SQL with {@code generate_series}, 1M rows per statement: 14
 * days of finished jobs in day partitions (as the leader creates them), 20 queues, 50 kinds, 100
 * tenant tags (plus one tag on every 100,000th job), ~92% completed, 6% failed, 2% cancelled, and
 * 20,000 unfinished jobs in the hot table. It is loaded at schema version 2 and then migrated, so
 * the V6 dashboard indexes are built on the full history; that migration's time is printed too.
 * Each query runs 20 times to warm up, then 40 times; the median and the 95th percentile are
 * printed.
 *
 * <p>Run: {@code ./mvnw -B -q -DskipTests package -pl millrace-bench -am && java -cp
 * millrace-bench/target/millrace-bench.jar io.millrace.bench.DashboardBenchmark [rows=10000000]}
 * ({@code DATABASE_URL} for an external PostgreSQL, else embedded PostgreSQL 17.) With {@code
 * --explain} it also prints EXPLAIN (ANALYZE, BUFFERS) of the history side of three listings; with
 * {@code --reuse=SCHEMA} it measures a schema an earlier run loaded on {@code DATABASE_URL}.
 */
public final class DashboardBenchmark {
  private static final int DAYS = 14;
  private static final int RUNS = 40;

  private DashboardBenchmark() {}

  public static void main(String[] argv) throws Exception {
    long rows = argv.length > 0 ? Long.parseLong(argv[0]) : 10_000_000L;
    boolean explain = java.util.List.of(argv).contains("--explain");
    // --reuse=SCHEMA measures a schema a previous run loaded (on DATABASE_URL), skipping the load.
    String reuse =
        java.util.Arrays.stream(argv)
            .filter(a -> a.startsWith("--reuse="))
            .map(a -> a.substring(8))
            .findFirst()
            .orElse(null);
    try (BenchDatabase db = BenchDatabase.open(8)) {
      HikariDataSource ds = db.dataSource();
      String schema = reuse != null ? reuse : "dashboard_bench_" + System.currentTimeMillis();
      if (reuse == null) {
        SchemaMigrator migrator = new SchemaMigrator(ds, SchemaName.of(schema));
        migrator.migrateTo(2);
        long t0 = System.nanoTime();
        load(ds, schema, rows);
        System.out.printf(
            "loaded %,d history rows + 20,000 unfinished in %.0f s (%s) into schema %s%n",
            rows, (System.nanoTime() - t0) / 1e9, db.description(), schema);
        t0 = System.nanoTime();
        migrator.migrate();
        System.out.printf(
            "migration to v%d (builds the V6 history indexes) took %.0f s%n",
            SchemaMigrator.CURRENT_VERSION, (System.nanoTime() - t0) / 1e9);
        execute(ds, "VACUUM ANALYZE \"" + schema + "\".job_history");
        execute(ds, "VACUUM ANALYZE \"" + schema + "\".jobs");
      }

      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      Millrace node = Millrace.builder(ds).schema(schema).meterRegistry(registry).build();
      try (MillraceServer server = MillraceServer.builder(node, registry).port(0).start()) {
        String base = "http://127.0.0.1:" + server.port() + "/api/jobs?limit=50";
        String weekAgo =
            LocalDate.now(ZoneOffset.UTC)
                .minusDays(7)
                .atTime(12, 0)
                .toInstant(ZoneOffset.UTC)
                .toString();
        String weekAgoPlus1h =
            LocalDate.now(ZoneOffset.UTC)
                .minusDays(7)
                .atTime(13, 0)
                .toInstant(ZoneOffset.UTC)
                .toString();
        String hourAgo = java.time.Instant.now().minusSeconds(3600).toString();
        long middle = rows / 2;
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("first page, no filter", "");
        cases.put("state=failed", "&state=failed");
        cases.put("queue=queue-7", "&queue=queue-7");
        cases.put("queue=queue-7&state=failed", "&queue=queue-7&state=failed");
        cases.put("kind=kind-13", "&kind=kind-13");
        cases.put("tag=tenant-42 (1% of jobs)", "&tag=tenant-42");
        cases.put("tag=rare (0.001% of jobs)", "&tag=rare");
        cases.put("created in the last hour", "&createdFrom=" + hourAgo);
        cases.put(
            "created in one hour a week ago",
            "&createdFrom=" + weekAgo + "&createdTo=" + weekAgoPlus1h);
        cases.put("page at the middle (before=" + middle + ")", "&before=" + middle);
        cases.put("queue-7&state=failed, middle", "&queue=queue-7&state=failed&before=" + middle);
        System.out.printf(
            "GET /api/jobs?limit=50 at %,d history rows: server time (Server-Timing) and round trip, ms%n",
            rows);
        System.out.printf(
            "  %-44s %6s %8s %8s %8s %8s%n",
            "filter", "rows", "srv p50", "srv p95", "rt p50", "rt p95");
        HttpClient http = HttpClient.newHttpClient();
        for (Map.Entry<String, String> c : cases.entrySet()) {
          measure(http, c.getKey(), base + c.getValue());
        }
      }
      if (explain) {
        explain(ds, schema, "no filter", "", false);
        explain(ds, schema, "queue and state", "AND queue = 'queue-7' AND state = 'failed'", false);
        explain(
            ds,
            schema,
            "created one hour a week ago, bitmap plans",
            "AND created_at >= now() - interval '7 days' "
                + "AND finished_at >= now() - interval '7 days' AND created_at < now() - interval '7 days' + interval '1 hour'",
            true);
        explain(
            ds,
            schema,
            "tag=tenant-42 in the first id window, bitmap plans",
            "AND tags @> ARRAY['tenant-42'] AND id >= " + (rows - 50_000),
            true);
        explain(
            ds,
            schema,
            "tag=rare below the windows, GIN only",
            "AND tags @> ARRAY['rare'] AND id + 0 < " + (rows - 250_000),
            true);
      }
    }
  }

  private static void measure(HttpClient http, String name, String url) throws Exception {
    double[] server = new double[RUNS];
    double[] roundTrip = new double[RUNS];
    int count = 0;
    for (int i = -20; i < RUNS; i++) {
      long t = System.nanoTime();
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).build(),
              HttpResponse.BodyHandlers.ofString());
      double rt = (System.nanoTime() - t) / 1e6;
      if (r.statusCode() != 200) {
        throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
      }
      if (i >= 0) {
        String timing = r.headers().firstValue("Server-Timing").orElseThrow();
        server[i] = Double.parseDouble(timing.substring(timing.indexOf("dur=") + 4));
        roundTrip[i] = rt;
        count = io.millrace.base.Json.parse(r.body()).get("jobs").size();
      }
    }
    Arrays.sort(server);
    Arrays.sort(roundTrip);
    System.out.printf(
        "  %-44s %6d %8.2f %8.2f %8.2f %8.2f%n",
        name,
        count,
        server[RUNS / 2],
        server[(int) (RUNS * 0.95)],
        roundTrip[RUNS / 2],
        roundTrip[(int) (RUNS * 0.95)]);
  }

  private static void load(HikariDataSource ds, String schema, long rows) throws Exception {
    String s = "\"" + schema + "\"";
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    for (int d = -DAYS; d <= 1; d++) {
      LocalDate day = today.plusDays(d);
      for (String state : new String[] {"completed", "failed", "cancelled"}) {
        execute(
            ds,
            "CREATE TABLE "
                + s
                + ".job_history_"
                + state
                + "_p"
                + day.toString().replace("-", "")
                + " PARTITION OF "
                + s
                + ".job_history_"
                + state
                + " FOR VALUES FROM ('"
                + day
                + " 00:00:00+00') TO ('"
                + day.plusDays(1)
                + " 00:00:00+00')");
      }
    }
    // Row g finishes at a time proportional to g over the last DAYS days, so newer ids are newer
    // jobs, as with a sequence; created_at is up to a minute earlier.
    for (long start = 0; start < rows; start += 1_000_000) {
      long end = Math.min(rows, start + 1_000_000);
      execute(
          ds,
          "INSERT INTO "
              + s
              + ".job_history (id, queue, kind, args, state, priority, attempt, max_attempts,"
              + " tags, errors, created_at, finished_at)"
              + " SELECT g, 'queue-' || (g % 20), 'kind-' || ((g * 7) % 50), jsonb_build_object('n', g, 'to', 'user' || (g % 1000) || '@example.com'),"
              + "   CASE WHEN g % 17 = 3 THEN 'failed' WHEN g % 50 = 1 THEN 'cancelled' ELSE 'completed' END,"
              + "   0, 1, 3,"
              + "   CASE WHEN g % 100000 = 0 THEN ARRAY['tenant-' || (g % 100), 'rare'] ELSE ARRAY['tenant-' || (g % 100)] END,"
              + "   CASE WHEN g % 17 = 3 THEN '[{\"attempt\":1,\"message\":\"boom\"}]'::jsonb ELSE '[]'::jsonb END,"
              + "   t - ((g % 60) || ' seconds')::interval, t"
              + " FROM (SELECT g, now() - interval '"
              + DAYS
              + " days' * (1 - g::float8 / "
              + rows
              + ") AS t"
              + "         FROM generate_series("
              + (start + 1)
              + ", "
              + end
              + ") g) x");
    }
    execute(ds, "SELECT setval('" + s + ".job_id_seq', " + rows + ")");
    execute(
        ds,
        "INSERT INTO "
            + s
            + ".jobs (queue, kind, args, state, run_at, max_attempts, tags)"
            + " SELECT 'queue-' || (g % 20), 'kind-' || ((g * 7) % 50), '{}', CASE WHEN g % 10 = 0 THEN 'scheduled' ELSE 'available' END,"
            + "  now() + interval '1 hour', 3, ARRAY['tenant-' || (g % 100)] FROM generate_series(1, 20000) g");
  }

  private static void explain(
      HikariDataSource ds, String schema, String name, String where, boolean bitmaps)
      throws Exception {
    String sql =
        "EXPLAIN (ANALYZE, BUFFERS) SELECT id, queue, kind, args::text, state, tags, created_at, finished_at"
            + " FROM \""
            + schema
            + "\".job_history WHERE true "
            + where
            + " ORDER BY id DESC LIMIT 50";
    System.out.println("EXPLAIN (ANALYZE, BUFFERS), history side, " + name + ":");
    java.util.List<String> lines = new java.util.ArrayList<>();
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      c.setAutoCommit(false); // the settings below are transaction-local, as in JobSearch
      if (bitmaps) {
        st.execute(
            "SELECT set_config('enable_indexscan', 'off', true), set_config('enable_indexonlyscan', 'off', true),"
                + " set_config('enable_seqscan', 'off', true)");
      }
      try (ResultSet rs = st.executeQuery(sql)) {
        while (rs.next()) {
          lines.add(rs.getString(1));
        }
      }
      c.rollback();
      c.setAutoCommit(true);
    }
    // One index scan per partition is the same line many times over: show the head, one scan of
    // each kind, and the timings.
    java.util.Set<String> scans = new java.util.LinkedHashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (i < 4 || line.contains("Planning Time") || line.contains("Execution Time")) {
        System.out.println("  " + line);
      } else if (line.contains("Scan")
          && scans.add(line.replaceAll("p\\d{8}|_\\d+\\b|\\(.*", "").trim())) {
        System.out.println("  " + line + (i + 1 < lines.size() ? "\n  " + lines.get(i + 1) : ""));
      }
    }
  }

  private static void execute(HikariDataSource ds, String sql) throws Exception {
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
