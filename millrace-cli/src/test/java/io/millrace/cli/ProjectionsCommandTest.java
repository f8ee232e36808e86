package io.millrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.Millrace;
import io.millrace.base.Json;
import io.millrace.projections.EventStore;
import io.millrace.projections.NewEvent;
import io.millrace.projections.Projection;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code millrace projections} against a database where a node runs a projection. */
class ProjectionsCommandTest {
  static TestDatabase db;
  static Millrace node;
  static final AtomicBoolean broken = new AtomicBoolean(true);

  record Run(int exit, String out, String err) {}

  @BeforeAll
  static void start() {
    db = TestDatabase.create("projcli");
    node =
        db.builder()
            .projection(
                Projection.named("counter")
                    .version("3")
                    .handler(
                        (e, ctx) -> {
                          if (broken.get()) {
                            throw new IllegalStateException("counter is broken");
                          }
                          ctx.documents()
                              .put(
                                  "n",
                                  java.util.Map.of(
                                      "n",
                                      ctx.documents()
                                              .get("n")
                                              .map(d -> d.get("n").asLong())
                                              .orElse(0L)
                                          + 1));
                        })
                    .build())
            .build();
    node.migrate();
    node.events()
        .append("s", EventStore.ANY, List.of(NewEvent.json("e", "{}"), NewEvent.json("e", "{}")));
    node.start();
  }

  @AfterAll
  static void stop() {
    node.close();
    db.close();
  }

  @Test
  void listShowRetryRebuild() throws Exception {
    Await.until("failed", () -> cli("projections", "list").out.contains("failed"));
    Run list = cli("projections", "list");
    assertThat(list.exit).as(list.err).isZero();
    assertThat(list.out).containsPattern("counter\\s+3\\s+failed").contains("counter is broken");
    JsonNode show = Json.parse(cli("projections", "show", "counter").out);
    assertThat(show.get("status").asText()).isEqualTo("failed");
    assertThat(show.get("lag").asLong()).isEqualTo(2);

    broken.set(false);
    Run retry = cli("projections", "retry", "counter");
    assertThat(retry.exit).as(retry.err).isZero();
    Await.until("ready", () -> cli("projections", "list").out.contains("ready"));
    Run again = cli("projections", "retry", "counter");
    assertThat(again.exit).isEqualTo(1);
    assertThat(again.err).contains("has not failed");

    Run rebuild = cli("projections", "rebuild", "counter");
    assertThat(rebuild.exit).as(rebuild.err).isZero();
    Await.until(
        "rebuilt",
        () ->
            Json.tree(cli("projections", "show", "counter").out)
                    .get("status")
                    .asText()
                    .equals("ready")
                && node.projections()
                    .document("counter", "n")
                    .map(d -> d.get("n").asLong() == 2)
                    .orElse(false));
    JsonNode listed = Json.parse(cli("projections", "list", "--json").out);
    assertThat(listed.get(0).get("eventsApplied").asLong()).isEqualTo(2);

    Run missing = cli("projections", "show", "nope");
    assertThat(missing.exit).isEqualTo(1);
    assertThat(missing.err).contains("not found");
    Run bad = cli("projections", "rebuild", "bad name");
    assertThat(bad.exit).isEqualTo(2);
    assertThat(bad.err).contains("projection");
  }

  private static Run cli(String... args) {
    String[] all = new String[args.length + 8];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(
        new String[] {
          "--database-url",
          TestDatabase.jdbcUrl(),
          "--database-user",
          "postgres",
          "--database-password",
          "postgres",
          "--schema",
          db.schema()
        },
        0,
        all,
        args.length,
        8);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = MillraceCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(all);
    return new Run(exit, out.toString(), err.toString());
  }
}
