package io.millrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.jobs.Job;
import io.millrace.testing.TestDatabase;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Values PostgreSQL cannot hold are bad input on the command line: exit 2 naming the field. */
class CliBadValuesTest {
  static TestDatabase db;
  static Millrace client;
  static CliRunner cli;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("clibad");
    client = db.migratedClient();
    cli = new CliRunner(db);
  }

  @AfterAll
  static void stop() {
    client.close();
    db.close();
  }

  private static void assertBadInput(CliRunner.Run run, String named) {
    assertThat(run.exit()).as(run.err()).isEqualTo(2);
    assertThat(run.err()).contains(named);
    assertThat(db.count("FROM {schema}.jobs WHERE kind <> 'dash.values'")).isZero();
  }

  @Test
  void nulInAUniqueKeyOrArgsExitsTwoNamingTheField() {
    assertBadInput(
        cli.run(List.of("jobs", "enqueue", "--unique-key=a\u0000b"), "demo.kind"), "uniqueKey");
    assertBadInput(
        cli.run(List.of("jobs", "enqueue", "--args={\"a\":\"\\u0000\"}"), "demo.kind"), "args");
  }

  @Test
  void anOverflowingDelayExitsTwoNamingTheOption() {
    assertBadInput(
        cli.run(List.of("jobs", "enqueue", "--delay=999999999999d"), "demo.kind"), "--delay");
    assertBadInput(
        cli.run(List.of("jobs", "enqueue", "--delay=PT9223372036854775807S"), "demo.kind"),
        "--delay");
    assertBadInput(
        cli.run(List.of("jobs", "enqueue", "--delay=PT99999999999999999999H"), "demo.kind"),
        "--delay");
  }

  @Test
  void aCreationTimeOutsideTheStoredRangeExitsTwoNamingTheOption() {
    assertBadInput(
        cli.run(List.of("jobs", "list", "--created-from=-5000-01-01T00:00:00Z")), "--created-from");
    assertBadInput(
        cli.run(List.of("jobs", "bulk", "--created-to=+10000-01-01T00:00:00Z"), "cancel"),
        "--created-to");
  }

  @Test
  void anOptionValueThatLooksLikeAnOptionIsTheValue() {
    CliRunner.Run run =
        cli.run(
            List.of("jobs", "enqueue", "--tag=-hot", "--queue", "-V", "--unique-key=--help"),
            "dash.values");
    assertThat(run.exit()).as(run.err()).isZero();
    Job job = client.admin().get(Long.parseLong(run.out().strip())).orElseThrow();
    assertThat(job.tags()).containsExactly("-hot");
    assertThat(job.queue()).isEqualTo("-V");
    assertThat(job.uniqueKey()).isEqualTo("--help");
  }
}
