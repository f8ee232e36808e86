package io.millrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.base.Json;
import io.millrace.testing.Await;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CLI in-process against a real embedded PostgreSQL on a temporary data directory: {@code
 * serve} runs in a background thread, the other commands find its database through the state file,
 * as they would from another shell.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliTest {
  @TempDir static Path home;
  static final HttpClient http = HttpClient.newHttpClient();
  static ServeCommand serve;
  static Thread serving;
  static int port;
  static long completedId;

  record Run(int exit, String out, String err) {}

  @BeforeAll
  static void startServer() throws Exception {
    serve = new ServeCommand();
    CommandLine cli = new CommandLine(serve);
    serving =
        new Thread(
            () -> cli.execute("--data-dir", home.toString(), "--port", "0", "--demo"), "serve");
    serving.start();
    port = serve.awaitStarted();
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (serve != null) {
      serve.stop();
      serving.join();
    }
  }

  @Test
  @Order(1)
  void writesTheStateFileWhileServing() throws Exception {
    JsonNode state = Json.parse(Files.readString(home.resolve(StateFile.NAME)));
    assertThat(state.get("httpPort").asInt()).isEqualTo(port);
    assertThat(state.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
    assertThat(state.get("jdbcUrl").asText()).startsWith("jdbc:postgresql://");
  }

  @Test
  @Order(2)
  void enqueuedJobRunsOnTheServerThatOwnsTheDataDir() throws Exception {
    Run run = cli("jobs", "enqueue", "demo.hello", "--args", "{\"name\":\"cli\"}", "--tag", "cli");
    assertThat(run.exit).as(run.err).isZero();
    long id = Long.parseLong(run.out.strip());
    Await.until("job completed", () -> "completed".equals(apiJob(id).path("state").asText()));
    assertThat(apiJob(id).get("result").get("greeting").asText()).isEqualTo("hello, cli!");
    completedId = id;

    Run show = cli("jobs", "show", Long.toString(id));
    assertThat(show.exit).isZero();
    assertThat(Json.parse(show.out).get("state").asText()).isEqualTo("completed");

    Run list = cli("jobs", "list", "--tag", "cli", "--json");
    assertThat(Json.parse(list.out).get(0).get("id").asLong()).isEqualTo(id);
  }

  @Test
  @Order(3)
  void badInputExitsTwoNamingTheField() {
    Run args = cli("jobs", "enqueue", "demo.hello", "--args", "{not json");
    assertThat(args.exit).isEqualTo(2);
    assertThat(args.err).contains("args");
    Run delay = cli("jobs", "enqueue", "demo.hello", "--delay", "soon");
    assertThat(delay.exit).isEqualTo(2);
    assertThat(delay.err).contains("--delay");
    Run attempts = cli("jobs", "enqueue", "demo.hello", "--max-attempts", "-1");
    assertThat(attempts.exit).isEqualTo(2);
    assertThat(attempts.err).contains("maxAttempts");
    Run state = cli("jobs", "list", "--state", "exploded");
    assertThat(state.exit).isEqualTo(2);
    assertThat(state.err).contains("state");
    Run missing = cli("jobs", "show", "987654321");
    assertThat(missing.exit).isEqualTo(1);
    assertThat(missing.err).contains("not found");
  }

  @Test
  @Order(4)
  void queuesPauseAndResume() throws Exception {
    assertThat(cli("queues", "pause", "default").exit).isZero();
    assertThat(cli("queues").out).containsPattern("default\\s+paused");
    Run queues = cli("queues", "--json");
    JsonNode overview = Json.parse(queues.out);
    assertThat(overview.get("fromCounters").asBoolean()).isTrue();
    JsonNode queue = overview.get("queues").get(0);
    assertThat(queue.get("paused").asBoolean()).isTrue();
    assertThat(queue.get("counts").get("completed").asLong()).isPositive();
    assertThat(queue.get("counts").get("terminal").asLong())
        .isGreaterThanOrEqualTo(queue.get("counts").get("completed").asLong());
    assertThat(cli("queues", "resume", "default").exit).isZero();
    assertThat(cli("queues", "--fast").out).containsPattern("default\\s+active");
  }

  @Test
  @Order(4)
  void queuesLimitSetsShowsAndClearsFlowControl() throws Exception {
    Run set =
        cli("queues", "limit", "throttled", "--max-running", "3", "--rate", "10", "--per", "2s");
    assertThat(set.exit).isZero();
    assertThat(set.out).contains("running<=3, 10/2000ms");
    assertThat(cli("queues").out).containsPattern("throttled\\s+active.*running<=3, 10/2000ms");
    JsonNode listed = Json.parse(cli("queues", "--json").out);
    for (JsonNode q : listed.get("queues")) {
      if (q.get("name").asText().equals("throttled")) {
        assertThat(q.get("limits").get("maxRunning").asInt()).isEqualTo(3);
        assertThat(q.get("limits").get("ratePeriodMs").asLong()).isEqualTo(2000);
      }
    }
    assertThat(cli("queues", "limit", "throttled").out).contains("running<=3, 10/2000ms");
    Run bad = cli("queues", "limit", "throttled", "--max-running", "0");
    assertThat(bad.exit).isEqualTo(2);
    assertThat(bad.err).contains("maxRunning");
    assertThat(cli("queues", "limit", "throttled", "--none").exit).isZero();
    assertThat(cli("queues", "limit", "throttled").out).contains("throttled: -");
  }

  @Test
  @Order(5)
  void verifyAndRebuildCounters() throws Exception {
    Run clean = cli("storage", "verify-counters");
    assertThat(clean.exit).as(clean.err).isZero();
    assertThat(clean.out).contains("counters match history");
    // A history row written behind Millrace's back is drift: exit 3, and with --clear-marker the
    // exact counts fall back to scanning history until the counters are rebuilt.
    Run session = cli("jobs", "enqueue", "demo.hello", "--queue", "drift", "--delay", "1h");
    long id = Long.parseLong(session.out.strip());
    assertThat(cli("jobs", "cancel", Long.toString(id)).exit).isZero();
    assertThat(cli("storage", "verify-counters").exit).isZero();
    try (var db =
            io.millrace.testing.TestDatabase.pool(
                Json.parse(Files.readString(home.resolve(StateFile.NAME))).get("jdbcUrl").asText(),
                1);
        var c = db.getConnection();
        var st = c.createStatement()) {
      st.execute(
          "INSERT INTO millrace.job_history (id, queue, kind, args, state, priority, attempt, max_attempts,"
              + " tags, errors, created_at, finished_at) VALUES (-1, 'drift', 'x', '{}', 'failed', 0, 1, 1, '{}', '[]',"
              + " now(), now())");
    }
    Run drift = cli("storage", "verify-counters", "--clear-marker");
    assertThat(drift.exit).isEqualTo(StorageCommand.DRIFT);
    assertThat(drift.out).containsPattern("drift\\s+failed\\s+0\\s+1\\s+-1");
    assertThat(cli("queues").out).contains("scan of history");
    Run rebuild = cli("storage", "rebuild-counters");
    assertThat(rebuild.exit).as(rebuild.err).isZero();
    assertThat(cli("storage", "verify-counters").exit).isZero();
    JsonNode overview = Json.parse(cli("queues", "--json").out);
    assertThat(overview.get("fromCounters").asBoolean()).isTrue();
    for (JsonNode q : overview.get("queues")) {
      if (q.get("name").asText().equals("drift")) {
        assertThat(q.get("counts").get("failed").asLong()).isEqualTo(1);
        assertThat(q.get("counts").get("cancelled").asLong()).isEqualTo(1);
      }
    }
  }

  @Test
  @Order(6)
  void handDeletesMakeFastReadsEstimatesAndRebuildReportsOnlyATrustedMarker() throws Exception {
    // History deleted by hand: the trust marker goes with it, and a fast read, which still sees
    // the counters' old totals (above the truth), says it is an estimate.
    sql("DELETE FROM millrace.job_history WHERE queue = 'drift' AND state = 'cancelled'");
    Run verify = cli("storage", "verify-counters");
    assertThat(verify.exit).isEqualTo(StorageCommand.DRIFT);
    assertThat(verify.out).contains("trusted: false, DELETE on job_history outside Millrace");
    Run fast = cli("queues", "--fast");
    // available .. pending 0, completed 0, failed 1, cancelled 1 (the truth is 0), skipped 0.
    assertThat(fast.out).containsPattern("drift\\s+active(\\s+0){6}\\s+1\\s+1\\s+0\\s+2");
    assertThat(fast.out).contains("note: estimate, untrusted").doesNotContain("lower bound");
    JsonNode json = Json.parse(cli("queues", "--fast", "--json").out);
    assertThat(json.get("accuracy").asText()).isEqualTo("estimate");
    assertThat(json.get("note").asText()).contains("above or below");
    assertThat(Json.parse(cli("queues", "--json").out).get("accuracy").asText()).isEqualTo("exact");

    // A marker that does not stick (here a trigger refuses it) is a failure, not a success.
    sql(
        "CREATE FUNCTION millrace.refuse_marker() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN NEW.counters_trusted := false; RETURN NEW; END $$");
    sql(
        "CREATE TRIGGER refuse_marker BEFORE UPDATE ON millrace.control"
            + " FOR EACH ROW EXECUTE FUNCTION millrace.refuse_marker()");
    Run refused = cli("storage", "rebuild-counters");
    assertThat(refused.exit).isEqualTo(1);
    assertThat(refused.err).contains("trust marker");
    assertThat(refused.out).doesNotContain("rebuilt");
    sql("DROP TRIGGER refuse_marker ON millrace.control");
    Run rebuilt = cli("storage", "rebuild-counters");
    assertThat(rebuilt.exit).as(rebuilt.err).isZero();
    assertThat(rebuilt.out).contains("trusted since");
    assertThat(cli("storage", "verify-counters").out).contains("trusted: true");
  }

  /** One statement on the served database, as an operator would run it in psql. */
  private static void sql(String statement) throws Exception {
    try (var db =
            io.millrace.testing.TestDatabase.pool(
                Json.parse(Files.readString(home.resolve(StateFile.NAME))).get("jdbcUrl").asText(),
                1);
        var c = db.getConnection();
        var st = c.createStatement()) {
      st.execute(statement);
    }
  }

  @Test
  @Order(7)
  void afterShutdownCommandsStartTheEmbeddedDatabaseThemselves() throws Exception {
    serve.stop();
    serving.join();
    serve = null;
    assertThat(home.resolve(StateFile.NAME)).doesNotExist();
    // The job outlived the server: the data directory is persistent.
    Run show = cli("jobs", "show", Long.toString(completedId));
    assertThat(show.exit).as(show.err).isZero();
    assertThat(Json.parse(show.out).get("state").asText()).isEqualTo("completed");
  }

  private static Run cli(String... args) {
    String[] withHome = new String[args.length + 2];
    System.arraycopy(args, 0, withHome, 0, args.length);
    withHome[args.length] = "--data-dir";
    withHome[args.length + 1] = home.toString();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = MillraceCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(withHome);
    return new Run(exit, out.toString(), err.toString());
  }

  private static JsonNode apiJob(long id) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/jobs/" + id))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return Json.parse(r.body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
