package io.millrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.backfills.Backfill;
import io.millrace.backfills.Throttles;
import io.millrace.base.Json;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code millrace backfills} against a node running a backfill, through Millrace's registry only.
 */
class BackfillsCommandTest {
  record Run(int exit, String out, String err) {}

  TestDatabase db;
  HikariDataSource target;
  Millrace node;
  final AtomicBoolean hold = new AtomicBoolean(true);

  @BeforeEach
  void start() {
    db = TestDatabase.create("cli_backfills");
    db.migratedClient();
    db.execute("CREATE TABLE {schema}.accounts (id bigint PRIMARY KEY, plan text NOT NULL)");
    db.execute("INSERT INTO {schema}.accounts SELECT i, 'legacy' FROM generate_series(1, 1000) i");
    target =
        TestDatabase.pool(
            TestDatabase.jdbcUrl() + "&currentSchema=" + db.schema(), 2, "backfill-target");
    node =
        db.builder()
            .backfill(
                Backfill.builder("accounts-plan")
                    .target(target)
                    .table("accounts")
                    .key("id")
                    .sql("UPDATE accounts SET plan = 'basic' WHERE {range}")
                    .throttle(Throttles.when("held by the test", hold::get))
                    .throttleRecheck(Duration.ofMillis(50))
                    .build())
            .build();
    node.start();
  }

  @AfterEach
  void stop() {
    node.close();
    target.close();
    db.close();
  }

  @Test
  void listShowPauseResumeCancelRetry() throws Exception {
    Await.until(
        "the backfill runs, held by its throttle",
        () ->
            "held by the test"
                .equals(node.backfills().get("accounts-plan").orElseThrow().throttledBy()));
    Run list = cli("backfills");
    assertThat(list.exit).as(list.err).isZero();
    assertThat(list.out)
        .containsPattern("accounts-plan\\s+running\\s+postgresql:accounts")
        // No batch yet: no rate, and an ETA that cannot be known yet says so.
        .containsPattern("0/~1000\\s+-\\s+unknown\\s+throttled: held by the test");
    JsonNode shown = Json.parse(cli("backfills", "show", "accounts-plan").out);
    assertThat(shown.get("state").asText()).isEqualTo("running");
    assertThat(shown.get("rowsTotal").asLong()).isEqualTo(1000);

    assertThat(cli("backfills", "pause", "accounts-plan").out)
        .contains("backfill accounts-plan paused");
    Run again = cli("backfills", "pause", "accounts-plan");
    assertThat(again.exit).isEqualTo(1);
    assertThat(again.err).contains("cannot pause backfill accounts-plan: it is paused");
    assertThat(cli("backfills", "resume", "accounts-plan").exit).isZero();
    assertThat(cli("backfills", "cancel", "accounts-plan").out).contains("cancelled");
    Run missing = cli("backfills", "show", "nope");
    assertThat(missing.exit).isEqualTo(1);
    assertThat(missing.err).contains("not found");
    assertThat(cli("backfills", "pause", "bad name").exit).isEqualTo(2);

    hold.set(false);
    assertThat(cli("backfills", "retry", "accounts-plan").exit).isZero();
    assertThat(node.backfills().awaitFinished("accounts-plan", Duration.ofMinutes(1))).isTrue();
    JsonNode all = Json.parse(cli("backfills", "--json").out);
    assertThat(all.get("backfills").get(0).get("state").asText()).isEqualTo("succeeded");
    assertThat(db.count("FROM {schema}.accounts WHERE plan <> 'basic'")).isZero();
  }

  private Run cli(String... args) {
    String[] withDb = new String[args.length + 6];
    System.arraycopy(args, 0, withDb, 0, args.length);
    String[] extra = {
      "--database-url",
      TestDatabase.jdbcUrl(),
      "--database-user",
      "postgres",
      "--schema",
      db.schema()
    };
    System.arraycopy(extra, 0, withDb, args.length, extra.length);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = MillraceCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(withDb);
    return new Run(exit, out.toString(), err.toString());
  }
}
