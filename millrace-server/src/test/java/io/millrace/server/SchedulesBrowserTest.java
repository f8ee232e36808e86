package io.millrace.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.PeriodicJob;
import io.millrace.jobs.Schedule;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The schedules page in headless Chromium: a nightly cron job in Europe/Berlin registered by the
 * running node, and an orphan whose only node has stopped. The page shows each one's expression,
 * zone, next fire times and registering nodes; pausing, resuming and triggering the nightly job and
 * deleting the orphan from the page change the schedules table as the Java API reads it.
 */
class SchedulesBrowserTest {
  static TestDatabase db;
  static Millrace node;
  static MillraceServer server;
  static Browser browser;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("schedbrowser");
    Millrace gone =
        db.builder()
            .nodeId("node-gone")
            .periodic(
                PeriodicJob.of(
                    "forgotten",
                    Schedule.every(Duration.ofHours(1)),
                    JobRequest.of("report", Map.of())))
            .build();
    gone.migrate();
    gone.start();
    gone.close();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    node =
        db.builder()
            .nodeId("node-live")
            .meterRegistry(registry)
            .periodic(
                PeriodicJob.of(
                        "nightly", Schedule.cron("30 2 * * *"), JobRequest.of("report", Map.of()))
                    .inZone(ZoneId.of("Europe/Berlin")))
            .build();
    node.start();
    server = MillraceServer.builder(node, registry).port(0).start();
    browser = Browser.start();
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (server != null) {
      server.close();
    }
    if (node != null) {
      node.close();
    }
    if (db != null) {
      db.close();
    }
  }

  static String url(String hash) {
    return "http://127.0.0.1:" + server.port() + "/?refresh=300#" + hash;
  }

  static String row(String name, String status) {
    return "tr[data-schedule='" + name + "'][data-status='" + status + "']";
  }

  @Test
  void showsSchedulesAndPausesResumesTriggersAndDeletesThem() {
    browser.open(url("/schedules"));
    browser.waitFor("both schedules", () -> browser.all("tr[data-schedule]").size() == 2);
    browser.waitForText(row("nightly", "active") + " [data-testid='zone']", "Europe/Berlin");
    browser.waitForText(row("nightly", "active") + " [data-testid='expression']", "30 2 * * *");
    browser.waitForText(row("nightly", "active") + " [data-testid='nodes']", "node-live");
    // Next fire times: 02:30 Berlin is 00:30 or 01:30 UTC, whatever the season.
    browser.waitForText(
        row("nightly", "active") + " [data-testid='next']", ":30:00Z", "02:30:00 local");
    browser.waitForText(row("forgotten", "orphaned") + " [data-testid='nodes']", "no live node");
    browser.screenshot("schedules");

    browser.click(row("nightly", "active") + " button[data-action='pause']");
    browser.waitFor("paused", () -> browser.all(row("nightly", "paused")).size() == 1);
    assertThat(node.schedules().get("nightly").orElseThrow().paused()).isTrue();

    browser.click(row("nightly", "paused") + " button[data-action='resume']");
    browser.waitFor("resumed", () -> browser.all(row("nightly", "active")).size() == 1);
    assertThat(node.schedules().get("nightly").orElseThrow().paused()).isFalse();

    browser.click(row("nightly", "active") + " button[data-action='trigger']");
    browser.waitForText("#notice", "enqueued");
    browser.waitForText(row("nightly", "active") + " [data-testid='last']", "#");
    assertThat(node.schedules().get("nightly").orElseThrow().triggers()).isEqualTo(1);

    browser.click(row("forgotten", "orphaned") + " button[data-action='delete']");
    browser.acceptConfirm();
    browser.waitFor("orphan gone", () -> browser.all("tr[data-schedule='forgotten']").isEmpty());
    assertThat(node.schedules().get("forgotten")).isEmpty();
    browser.screenshot("schedules-after");
  }
}
