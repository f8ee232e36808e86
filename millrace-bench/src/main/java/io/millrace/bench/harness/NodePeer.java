package io.millrace.bench.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A Node.js peer (graphile-worker or pg-boss) run by {@code millrace-bench/peers/node/bench.mjs} as
 * a subprocess against the harness's database, with the same N, W and work-ms. The script installs
 * the system in a schema of its own, checks that every job ran exactly once, and prints one JSON
 * line of figures, which becomes this row; its stderr passes through. How each system is tuned is
 * in {@code peers/node/README.md}. If {@code node_modules} is missing the harness first runs {@code
 * npm ci} there, which installs the exact versions of {@code package-lock.json}.
 */
public final class NodePeer implements Peer {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Longest a script may run before the harness gives up on it. */
  private static final long TIMEOUT_MINUTES = 30;

  private final String system;
  private final String name;
  private final @Nullable Path directory;

  NodePeer(String system, String name, @Nullable Path directory) {
    this.system = system;
    this.name = name;
    this.directory = directory;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Result throughput(DataSource ds, String schema, Settings s, Completions done)
      throws Exception {
    JsonNode out = run(ds, s, List.of("--jobs", Integer.toString(s.jobs())));
    return new Result(
        out.get("completed").asInt(),
        out.get("enqueue_jobs_per_s").asDouble(),
        out.get("drain_jobs_per_s").asDouble());
  }

  @Override
  public Latency latency(DataSource ds, String schema, Settings s, double rate, int seconds)
      throws Exception {
    JsonNode out =
        run(
            ds,
            s,
            List.of(
                "--mode",
                "latency",
                "--rate",
                String.format(Locale.ROOT, "%.1f", rate),
                "--seconds",
                Integer.toString(seconds),
                "--cutoff-s",
                Integer.toString(FixedRate.CUTOFF_S),
                "--warm-up-percent",
                Integer.toString(FixedRate.WARM_UP_PERCENT),
                "--tick-ms",
                Integer.toString(FixedRate.TICK_MS),
                "--batch-max",
                Integer.toString(FixedRate.BATCH_MAX)));
    return new Latency(
        out.get("offered_jobs_per_s").asDouble(),
        out.get("p50_ms").asDouble(),
        out.get("p95_ms").asDouble(),
        out.get("p99_ms").asDouble(),
        out.get("unstarted").asLong());
  }

  private JsonNode run(DataSource ds, Settings s, List<String> extra) throws Exception {
    Path directory = this.directory == null ? locate() : this.directory;
    ensureInstalled(directory);
    List<String> command =
        new ArrayList<>(
            List.of(
                "node",
                "bench.mjs",
                "--system",
                system,
                "--workers",
                Integer.toString(s.workers()),
                "--work-ms",
                Integer.toString(s.workMs())));
    command.addAll(extra);
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(directory.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("DATABASE_URL", postgresUrl((HikariDataSource) ds));
    Process process = pb.start();
    byte[] stdout = process.getInputStream().readAllBytes();
    if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException(
          system + ": bench.mjs ran longer than " + TIMEOUT_MINUTES + " minutes");
    }
    String text = new String(stdout, StandardCharsets.UTF_8).strip();
    if (process.exitValue() != 0 || text.isEmpty()) {
      throw new IllegalStateException(
          system
              + ": bench.mjs "
              + String.join(" ", command)
              + " exited with "
              + process.exitValue()
              + " (its stderr is above)");
    }
    return JSON.readTree(text.lines().reduce((a, b) -> b).orElseThrow());
  }

  /** Runs {@code npm ci} in {@code directory} unless its {@code node_modules} is already there. */
  public static synchronized void ensureInstalled(Path directory)
      throws IOException, InterruptedException {
    if (Files.isDirectory(directory.resolve("node_modules"))) {
      return;
    }
    System.err.printf("harness: npm ci in %s%n", directory);
    Process npm =
        new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.to(
                    new java.io.File(System.getProperty("java.io.tmpdir"), "millrace-npm-ci.log")))
            .start();
    if (!npm.waitFor(10, TimeUnit.MINUTES) || npm.exitValue() != 0) {
      npm.destroyForcibly();
      throw new IllegalStateException(
          "npm ci in "
              + directory
              + " failed; see "
              + System.getProperty("java.io.tmpdir")
              + "/millrace-npm-ci.log");
    }
  }

  /** The peers' directory: {@code millrace-bench/peers/node} from the repository or the module. */
  public static Path locate() {
    for (Path candidate :
        List.of(Path.of("millrace-bench", "peers", "node"), Path.of("peers", "node"))) {
      if (Files.isRegularFile(candidate.resolve("bench.mjs"))) {
        return candidate.toAbsolutePath();
      }
    }
    throw new IllegalStateException(
        "millrace-bench/peers/node/bench.mjs not found from "
            + Path.of("").toAbsolutePath()
            + "; run the harness from the repository root or give --node-peers DIR");
  }

  /** The {@code postgres://} form of the pool's JDBC URL and credentials, which node's pg takes. */
  public static String postgresUrl(HikariDataSource ds) {
    String jdbc = ds.getJdbcUrl();
    if (!jdbc.startsWith("jdbc:postgresql://")) {
      throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + jdbc);
    }
    String rest = jdbc.substring("jdbc:postgresql://".length());
    int query = rest.indexOf('?');
    String hostAndDb = query < 0 ? rest : rest.substring(0, query);
    String user = ds.getUsername() == null ? "postgres" : ds.getUsername();
    String password = ds.getPassword() == null ? "" : ds.getPassword();
    return "postgres://"
        + URLEncoder.encode(user, StandardCharsets.UTF_8)
        + ":"
        + URLEncoder.encode(password, StandardCharsets.UTF_8)
        + "@"
        + hostAndDb;
  }
}
