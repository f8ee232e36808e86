package io.millrace.bench.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The adapter as a harness sees it: a child process on this JVM's class path, configured by
 * environment, killed with SIGTERM. Checks the shape of its stdout and its exit, never its speed.
 */
class AdapterProtocolTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> METRIC_FIELDS =
      Set.of(
          "t",
          "system",
          "kind",
          "subject_kind",
          "subject",
          "metric",
          "value",
          "window_s",
          "instance_id");
  private static final Set<String> METRICS =
      Set.of(
          "claim_p50_ms",
          "claim_p95_ms",
          "claim_p99_ms",
          "enqueue_rate",
          "completion_rate",
          "queue_depth");

  @Test
  void speaksTheProtocolAndExitsZeroOnSigterm() throws Exception {
    int port = TestDatabase.server().getPort();
    Process process =
        start(
            Map.of(
                "DATABASE_URL", "postgres://postgres:postgres@localhost:" + port + "/postgres",
                "SCENARIO", "long_horizon",
                "PRODUCER_MODE", "fixed",
                "PRODUCER_RATE", "200",
                "WORKER_COUNT", "4",
                "SAMPLE_EVERY_S", "1"));
    List<String> lines = new ArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  synchronized (lines) {
                    lines.add(line);
                  }
                }
              } catch (java.io.IOException e) {
                // the process ended; what was read is what is checked
              }
            });
    reader.start();

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (metricCount(lines) < 12 && System.nanoTime() < deadline && process.isAlive()) {
      Thread.sleep(100);
    }
    Thread.sleep(5_000); // a few seconds of steady running past the first samples
    assertThat(process.isAlive()).as("adapter still running before SIGTERM").isTrue();

    long signalled = System.nanoTime();
    process.destroy(); // SIGTERM
    assertThat(process.waitFor(5, TimeUnit.SECONDS)).as("exited within 5 s of SIGTERM").isTrue();
    assertThat(System.nanoTime() - signalled).isLessThan(TimeUnit.SECONDS.toNanos(5));
    assertThat(process.exitValue()).isZero();
    reader.join(5_000);

    assertThat(lines).hasSizeGreaterThan(1);
    JsonNode descriptor = JSON.readTree(lines.get(0));
    assertThat(fields(descriptor))
        .containsExactlyInAnyOrder(
            "kind",
            "system",
            "event_tables",
            "extensions",
            "version",
            "schema_version",
            "db_name",
            "started_at");
    assertThat(descriptor.get("kind").asText()).isEqualTo("descriptor");
    assertThat(descriptor.get("system").asText()).isEqualTo("millrace");
    assertThat(descriptor.get("event_tables").isArray()).isTrue();
    assertThat(descriptor.get("event_tables")).isNotEmpty();
    assertThat(descriptor.get("extensions").isArray()).isTrue();
    assertThat(descriptor.get("version").asText()).isNotBlank();
    assertThat(descriptor.get("schema_version").asText())
        .isEqualTo(Integer.toString(io.millrace.schema.SchemaMigrator.CURRENT_VERSION));
    assertThat(descriptor.get("db_name").asText()).isEqualTo("postgres");
    Instant.parse(descriptor.get("started_at").asText());

    Set<String> seen = new HashSet<>();
    for (String line : lines.subList(1, lines.size())) {
      JsonNode metric = JSON.readTree(line);
      assertThat(fields(metric)).as(line).containsExactlyInAnyOrderElementsOf(METRIC_FIELDS);
      assertThat(metric.get("system").asText()).isEqualTo("millrace");
      assertThat(metric.get("kind").asText()).isEqualTo("adapter");
      assertThat(metric.get("subject_kind").asText()).isEqualTo("adapter");
      assertThat(metric.get("subject").asText()).isEmpty();
      assertThat(metric.get("value").isNumber()).as(line).isTrue();
      assertThat(metric.get("window_s").isIntegralNumber()).as(line).isTrue();
      assertThat(metric.get("instance_id").asInt()).isZero();
      assertThat(METRICS).contains(metric.get("metric").asText());
      Instant.parse(metric.get("t").asText());
      seen.add(metric.get("metric").asText());
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(METRICS);
  }

  @Test
  void rejectsAnUnknownScenarioWithExitTwo() throws Exception {
    Process process =
        start(
            Map.of(
                "DATABASE_URL", "jdbc:postgresql://localhost:1/none",
                "SCENARIO", "no_such_scenario",
                "PRODUCER_MODE", "fixed",
                "PRODUCER_RATE", "10",
                "WORKER_COUNT", "1"));
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(2);
    assertThat(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .isEmpty();
    assertThat(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
        .contains("SCENARIO")
        .contains("no_such_scenario");
  }

  private static Process start(Map<String, String> env) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path logs = Files.createDirectories(Path.of("target", "adapter-test"));
    ProcessBuilder builder =
        new ProcessBuilder(
            List.of(
                java,
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                Adapter.class.getName()));
    builder
        .environment()
        .keySet()
        .removeIf(
            k ->
                k.startsWith("PRODUCER_")
                    || k.equals("TARGET_DEPTH")
                    || k.startsWith("JOB_")
                    || k.equals("SAMPLE_EVERY_S")
                    || k.equals("BENCH_INSTANCE_ID"));
    builder.environment().putAll(env);
    if (env.get("SCENARIO").equals("long_horizon")) {
      File stderr = logs.resolve("adapter.stderr.log").toFile();
      builder.redirectError(ProcessBuilder.Redirect.to(stderr));
    }
    return builder.start();
  }

  private static int metricCount(List<String> lines) {
    synchronized (lines) {
      return (int) lines.stream().filter(l -> l.contains("\"metric\"")).count();
    }
  }

  private static List<String> fields(JsonNode node) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }
}
