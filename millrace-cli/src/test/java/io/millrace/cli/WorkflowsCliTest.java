package io.millrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.base.Json;
import io.millrace.jobs.JobRequest;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import io.millrace.workflows.SubmittedWorkflow;
import io.millrace.workflows.WorkflowRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code millrace workflows list|show|cancel} against a running {@code serve --demo}, as from
 * another shell.
 */
class WorkflowsCliTest {
  @TempDir static Path home;
  static ServeCommand serve;
  static Thread serving;
  static HikariDataSource pool;
  static Millrace client;

  record Run(int exit, String out, String err) {}

  @BeforeAll
  static void startServer() throws Exception {
    serve = new ServeCommand();
    CommandLine cli = new CommandLine(serve);
    serving =
        new Thread(
            () -> cli.execute("--data-dir", home.toString(), "--port", "0", "--demo"), "serve");
    serving.start();
    serve.awaitStarted();
    pool =
        TestDatabase.pool(
            Json.parse(Files.readString(home.resolve(StateFile.NAME))).get("jdbcUrl").asText(), 2);
    client = Millrace.builder(pool).build();
  }

  @AfterAll
  static void stopServer() throws Exception {
    client.close();
    pool.close();
    serve.stop();
    serving.join();
  }

  @Test
  void listShowAndCancelWorkflows() throws Exception {
    SubmittedWorkflow done =
        client
            .workflows()
            .submit(
                WorkflowRequest.named("greetings")
                    .namespace("cli")
                    .step("first", JobRequest.of("demo.hello", Map.of("name", "one")))
                    .step("second", JobRequest.of("demo.hello", Map.of("name", "two")), "first"));
    SubmittedWorkflow waiting =
        client
            .workflows()
            .submit(
                WorkflowRequest.named("tomorrow")
                    .namespace("cli")
                    .step(
                        "later",
                        JobRequest.of("demo.hello", Map.of("name", "later"))
                            .delay(Duration.ofHours(1)))
                    .step("after", JobRequest.of("demo.hello", Map.of("name", "after")), "later"));
    Await.until(
        "first workflow finished",
        () ->
            "completed"
                .equals(
                    Json.tree(cli("workflows", "show", Long.toString(done.id())).out)
                        .get("workflow")
                        .get("status")
                        .asText()));

    Run list = cli("workflows", "list", "--namespace", "cli");
    assertThat(list.exit).as(list.err).isZero();
    assertThat(list.out).containsPattern(done.id() + "\\s+greetings\\s+cli\\s+completed\\s+2/2");
    assertThat(list.out).containsPattern(waiting.id() + "\\s+tomorrow\\s+cli\\s+running\\s+0/2");
    JsonNode page = Json.parse(cli("workflows", "list", "--limit", "1", "--json").out);
    assertThat(page).hasSize(1);
    assertThat(page.get(0).get("id").asLong()).isEqualTo(waiting.id());

    JsonNode shown = Json.parse(cli("workflows", "show", Long.toString(waiting.id())).out);
    assertThat(shown.get("members").get(1).get("state").asText()).isEqualTo("pending");
    assertThat(shown.get("edges").get(0).get("parent").asText()).isEqualTo("later");

    Run cancel = cli("workflows", "cancel", Long.toString(waiting.id()));
    assertThat(cancel.exit).as(cancel.err).isZero();
    assertThat(Json.parse(cancel.out).get("result").asText()).isEqualTo("cancelled");
    JsonNode after = Json.parse(cli("workflows", "show", Long.toString(waiting.id())).out);
    assertThat(after.get("workflow").get("status").asText()).isEqualTo("cancelled");
    assertThat(after.get("members"))
        .allSatisfy(m -> assertThat(m.get("state").asText()).isEqualTo("cancelled"));
  }

  @Test
  void badInputExitsTwoAndUnknownWorkflowsOne() {
    Run limit = cli("workflows", "list", "--limit", "0");
    assertThat(limit.exit).isEqualTo(2);
    assertThat(limit.err).contains("limit");
    Run namespace = cli("workflows", "list", "--namespace", "no spaces");
    assertThat(namespace.exit).isEqualTo(2);
    assertThat(namespace.err).contains("namespace");
    assertThat(cli("workflows", "show", "abc").exit).isEqualTo(2);
    Run missing = cli("workflows", "show", "987654321");
    assertThat(missing.exit).isEqualTo(1);
    assertThat(missing.err).contains("not found");
    assertThat(cli("workflows", "cancel", "987654321").exit).isEqualTo(1);
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
}
