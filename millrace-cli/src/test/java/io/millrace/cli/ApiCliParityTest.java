package io.millrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.base.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Everything the dashboard and the API can do, the CLI can do too, with the same answer. The list
 * of actions is the served OpenAPI document: each mutation names its CLI command in {@code
 * x-millrace-cli}, and each of those must exist. The server's own test checks that the document
 * covers every route, so together no route can be added without a CLI command.
 */
class ApiCliParityTest {
  @TempDir static Path home;
  static final HttpClient http = HttpClient.newHttpClient();
  static ServeCommand serve;
  static Thread serving;
  static int port;

  record Run(int exit, String out, String err) {}

  @BeforeAll
  static void startServer() throws Exception {
    serve = new ServeCommand();
    CommandLine cli = new CommandLine(serve);
    serving = new Thread(() -> cli.execute("--data-dir", home.toString(), "--port", "0"), "serve");
    serving.start();
    port = serve.awaitStarted();
  }

  @AfterAll
  static void stopServer() throws Exception {
    serve.stop();
    serving.join();
  }

  @Test
  void everyMutationOfTheApiHasACliCommand() throws Exception {
    JsonNode doc = Json.parse(get("/api/openapi.json"));
    List<String> missing = new ArrayList<>();
    int mutations = 0;
    for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields();
        paths.hasNext(); ) {
      Map.Entry<String, JsonNode> path = paths.next();
      for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
        Map.Entry<String, JsonNode> op = ops.next();
        if (op.getKey().equals("get")) {
          continue;
        }
        mutations++;
        String command = op.getValue().path("x-millrace-cli").asText("");
        if (command.isEmpty() || !resolves(command)) {
          missing.add(
              op.getKey().toUpperCase(java.util.Locale.ROOT)
                  + " "
                  + path.getKey()
                  + " -> '"
                  + command
                  + "'");
        }
      }
    }
    assertThat(mutations).isGreaterThan(8);
    assertThat(missing).as("API mutations without a working CLI command").isEmpty();
  }

  @Test
  void discardBulkAndClusterAnswerTheSameThroughBoth() throws Exception {
    long viaApi = enqueue("parity-a");
    long viaCli = enqueue("parity-a");
    JsonNode apiDiscard = Json.parse(post("/api/jobs/" + viaApi + "/discard", ""));
    JsonNode cliDiscard = Json.parse(cli("jobs", "discard", Long.toString(viaCli)).out);
    assertThat(cliDiscard.get("result")).isEqualTo(apiDiscard.get("result"));
    assertThat(cliDiscard.get("result").asText()).isEqualTo("discarded");

    for (int i = 0; i < 3; i++) {
      enqueue("parity-b");
      enqueue("parity-c");
    }
    JsonNode apiBulk =
        Json.parse(post("/api/bulk/jobs/cancel", "{\"queue\":\"parity-b\",\"max\":2}"));
    Run cliRun = cli("jobs", "bulk", "cancel", "--queue", "parity-c", "--max", "2");
    assertThat(cliRun.exit).as(cliRun.err).isZero();
    JsonNode cliBulk = Json.parse(cliRun.out);
    assertThat(cliBulk.get("matched")).isEqualTo(apiBulk.get("matched"));
    assertThat(cliBulk.get("outcomes")).isEqualTo(apiBulk.get("outcomes"));
    assertThat(cliBulk.get("next").isNull()).isEqualTo(apiBulk.get("next").isNull()).isFalse();

    Run retry = cli("jobs", "bulk", "retry", "--queue", "parity-a", "--state", "failed");
    assertThat(Json.parse(retry.out).get("outcomes").get("retrying").asInt()).isEqualTo(2);

    Run noFilter = cli("jobs", "bulk", "retry");
    assertThat(noFilter.exit).isEqualTo(2);
    assertThat(noFilter.err).contains("filter");
    Run badAction = cli("jobs", "bulk", "explode", "--queue", "x");
    assertThat(badAction.exit).isEqualTo(2);
    assertThat(badAction.err).contains("ACTION");
    Run badTime = cli("jobs", "list", "--created-from", "yesterday");
    assertThat(badTime.exit).isEqualTo(2);
    assertThat(badTime.err).contains("--created-from");

    JsonNode apiCluster = Json.parse(get("/api/cluster"));
    JsonNode cliCluster = Json.parse(cli("cluster", "--json").out);
    assertThat(cliCluster.get("nodes").size()).isEqualTo(apiCluster.get("nodes").size());
    assertThat(cliCluster.get("leader")).isEqualTo(apiCluster.get("leader"));
  }

  /** Whether "jobs bulk" names a command in the CLI's tree. */
  static boolean resolves(String command) {
    CommandLine at = MillraceCli.commandLine();
    for (String word : command.split(" ")) {
      at = at.getSubcommands().get(word);
      if (at == null) {
        return false;
      }
    }
    return true;
  }

  private static long enqueue(String queue) throws Exception {
    Run run = cli("jobs", "enqueue", "nobody.runs.this", "--queue", queue, "--delay", "1h");
    assertThat(run.exit).as(run.err).isZero();
    return Long.parseLong(run.out.strip());
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

  private static String get(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static String post(String path, String body) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
