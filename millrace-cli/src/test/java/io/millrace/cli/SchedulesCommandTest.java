package io.millrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.Millrace;
import io.millrace.base.Json;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.PeriodicJob;
import io.millrace.jobs.Schedule;
import io.millrace.testing.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code millrace schedules} against a running node's schedule and an orphan whose node stopped:
 * list, show, pause, resume, trigger and delete, through the schedules table only.
 */
class SchedulesCommandTest {
  record Run(int exit, String out, String err) {}

  TestDatabase db;
  Millrace node;

  @BeforeEach
  void start() {
    db = TestDatabase.create("cli_schedules");
    db.migratedClient();
    Millrace gone =
        db.builder()
            .nodeId("gone")
            .periodic(
                PeriodicJob.of(
                    "forgotten", Schedule.every(Duration.ofHours(1)), JobRequest.of("r", Map.of())))
            .build();
    gone.start();
    gone.close();
    node =
        db.builder()
            .nodeId("cli-node")
            .periodic(
                PeriodicJob.of(
                        "nightly", Schedule.cron("30 2 * * *"), JobRequest.of("report", Map.of()))
                    .inZone(ZoneId.of("Europe/Berlin")))
            .build();
    node.start();
  }

  @AfterEach
  void stop() {
    node.close();
    db.close();
  }

  @Test
  void listShowPauseResumeTriggerDelete() throws Exception {
    Run list = cli("schedules");
    assertThat(list.exit).as(list.err).isZero();
    assertThat(list.out)
        .containsPattern("forgotten\\s+orphaned\\s+every:PT1H\\s+UTC\\s+-\\s+never\\s+none")
        .containsPattern(
            "nightly\\s+active\\s+cron:30 2 \\* \\* \\*\\s+Europe/Berlin\\s+\\S+:30:00Z")
        .containsPattern("never\\s+cli-node");
    JsonNode shown = Json.parse(cli("schedules", "show", "nightly").out);
    assertThat(shown.get("zone").asText()).isEqualTo("Europe/Berlin");
    assertThat(shown.get("misfire").asText()).isEqualTo("fire_once");
    assertThat(shown.get("nextFireTimes")).hasSize(5);

    assertThat(cli("schedules", "pause", "nightly").out).contains("schedule nightly paused");
    assertThat(node.schedules().get("nightly").orElseThrow().paused()).isTrue();
    assertThat(cli("schedules", "resume", "nightly").out).contains("schedule nightly active");
    assertThat(cli("schedules", "trigger", "nightly").out)
        .containsPattern("schedule nightly triggered: job \\d+ \\(trigger 1\\)");
    assertThat(cli("schedules").out).containsPattern("#\\d+ available\\s+cli-node");

    assertThat(cli("schedules", "resume", "forgotten").out)
        .contains("schedule forgotten orphaned, firing");
    assertThat(cli("schedules", "delete", "forgotten").out).contains("schedule forgotten deleted");
    assertThat(node.schedules().get("forgotten")).isEmpty();
    Run missing = cli("schedules", "delete", "forgotten");
    assertThat(missing.exit).isEqualTo(1);
    assertThat(missing.err).contains("schedule forgotten not found");
    assertThat(cli("schedules", "pause", "bad name").exit).isEqualTo(2);
    JsonNode all = Json.parse(cli("schedules", "--json").out);
    assertThat(all.get("schedules")).hasSize(1);
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
