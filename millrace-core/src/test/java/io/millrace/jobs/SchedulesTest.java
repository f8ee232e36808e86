package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.Millrace;
import io.millrace.base.ValidationException;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Operators' schedule actions through the Java API, on one schema: list and show, pause (kept
 * across a restart and a re-registration), resume, trigger now, delete; and orphans, which do not
 * fire until an operator resumes them. Hourly schedules stepped with {@code firePeriodicJobs}, so
 * nothing depends on the wall clock.
 */
class SchedulesTest {
  static TestDatabase db;
  static Millrace client;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("schedules");
    client = db.migratedClient();
  }

  @AfterAll
  static void stop() {
    client.close();
    db.close();
  }

  static PeriodicJob hourly(String name) {
    return PeriodicJob.of(
        name, Schedule.every(Duration.ofHours(1)), JobRequest.of("report", Map.of("n", 1)));
  }

  static Millrace node(String id, PeriodicJob... jobs) {
    var b = db.builder().nodeId(id);
    for (PeriodicJob j : jobs) {
      b.periodic(j);
    }
    Millrace m = b.build();
    m.start();
    return m;
  }

  @Test
  void listPauseSurvivesRestartResumeTriggerAndDelete() {
    PeriodicJob daily =
        PeriodicJob.of("daily", Schedule.cron("30 2 * * *"), JobRequest.of("report", Map.of()))
            .inZone(ZoneId.of("Europe/Berlin"));
    Millrace node = node("node-1", hourly("ops"), daily);
    Schedules schedules = client.schedules();

    ScheduleStatus ops = schedules.get("ops").orElseThrow();
    assertThat(ops.schedule()).isEqualTo("every:PT1H");
    assertThat(ops.zone()).isEqualTo("UTC");
    assertThat(ops.registeredBy()).containsExactly("node-1");
    assertThat(ops.orphaned()).isFalse();
    assertThat(ops.firing()).isTrue();
    assertThat(ops.nextFireTimes()).hasSize(5);
    assertThat(ops.lastJobId()).isNull();
    ScheduleStatus berlin = schedules.get("daily").orElseThrow();
    assertThat(berlin.zone()).isEqualTo("Europe/Berlin");
    assertThat(berlin.nextFireTimes())
        .allSatisfy(t -> assertThat(t.atZone(ZoneId.of("Europe/Berlin")).getHour()).isIn(2, 3));
    assertThat(schedules.list()).extracting(ScheduleStatus::name).contains("daily", "ops");

    Instant firstTick = ops.nextFireTimes().get(0);
    assertThat(schedules.pause("ops").orElseThrow().paused()).isTrue();
    // Each step counts the ops schedule's own jobs: how many firePeriodicJobs fires in all includes
    // the daily schedule whenever the stepped-to time passes its 02:30 in Berlin, which depends on
    // the time of day the test runs.
    client.firePeriodicJobs(firstTick.plusSeconds(1));
    assertThat(jobs("ops")).isZero();

    // A restart registers the schedule again; the pause is the operator's and stays.
    node.close();
    node = node("node-2", hourly("ops"), daily);
    ScheduleStatus paused = schedules.get("ops").orElseThrow();
    assertThat(paused.paused()).isTrue();
    assertThat(paused.registeredBy()).containsExactly("node-2");
    client.firePeriodicJobs(firstTick.plusSeconds(1));
    assertThat(jobs("ops")).isZero();

    ScheduleStatus resumed = schedules.resume("ops").orElseThrow();
    assertThat(resumed.paused()).isFalse();
    assertThat(resumed.firesWhenOrphaned()).isFalse();
    Instant next = resumed.nextFireTimes().get(0);
    client.firePeriodicJobs(next.plusSeconds(1));
    assertThat(jobs("ops")).isEqualTo(1);
    ScheduleStatus fired = schedules.get("ops").orElseThrow();
    assertThat(fired.lastJobId()).isNotNull();
    assertThat(fired.lastOutcome()).isEqualTo(JobState.AVAILABLE);
    assertThat(fired.lastFiredAt()).isNotNull();

    Schedules.Triggered t = schedules.triggerNow("ops").orElseThrow();
    assertThat(t.trigger()).isEqualTo(1);
    assertThat(client.admin().get(t.jobId()).orElseThrow().tags())
        .contains("periodic:ops", "trigger:1");
    ScheduleStatus triggered = schedules.get("ops").orElseThrow();
    assertThat(triggered.lastJobId()).isEqualTo(t.jobId());
    assertThat(triggered.triggers()).isEqualTo(1);
    assertThat(triggered.nextFireTimes()).isEqualTo(fired.nextFireTimes()); // ticks unchanged
    assertThat(jobs("ops")).isEqualTo(2);

    assertThat(schedules.delete("ops")).isTrue();
    assertThat(schedules.get("ops")).isEmpty();
    assertThat(schedules.delete("ops")).isFalse();
    client.firePeriodicJobs(next.plus(Duration.ofHours(5)));
    assertThat(jobs("ops")).isEqualTo(2);
    assertThat(schedules.pause("ops")).isEmpty();
    assertThat(schedules.resume("ops")).isEmpty();
    assertThat(schedules.triggerNow("ops")).isEmpty();
    node.close();
    schedules.delete("daily");
  }

  @Test
  void anOrphanedScheduleDoesNotFireUntilAnOperatorResumesIt() {
    Millrace node = node("node-gone", hourly("orphan"));
    Instant tick = client.schedules().get("orphan").orElseThrow().nextFireTimes().get(0);
    node.close(); // the only node that registers it stops

    ScheduleStatus orphan = client.schedules().get("orphan").orElseThrow();
    assertThat(orphan.orphaned()).isTrue();
    assertThat(orphan.firing()).isFalse();
    assertThat(orphan.registeredBy()).isEmpty();
    assertThat(client.firePeriodicJobs(tick.plusSeconds(1))).isZero();

    ScheduleStatus resumed = client.schedules().resume("orphan").orElseThrow();
    assertThat(resumed.firesWhenOrphaned()).isTrue();
    assertThat(resumed.firing()).isTrue();
    assertThat(client.firePeriodicJobs(resumed.nextFireTimes().get(0).plusSeconds(1))).isEqualTo(1);

    // Removing it is one call.
    assertThat(client.schedules().delete("orphan")).isTrue();
    assertThat(client.schedules().list()).extracting(ScheduleStatus::name).doesNotContain("orphan");
  }

  @Test
  void badNamesAreRefusedNamingTheField() {
    assertThatThrownBy(() -> client.schedules().pause(""))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("name");
    assertThatThrownBy(() -> client.schedules().triggerNow(null))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("name");
  }

  static long jobs(String name) {
    return db.count(
        "FROM (SELECT tags FROM {schema}.jobs UNION ALL SELECT tags FROM {schema}.job_history) j"
            + " WHERE 'periodic:"
            + name
            + "' = ANY(j.tags)");
  }

  static List<String> tags(String name) {
    return db.column(
        "SELECT t FROM (SELECT tags FROM {schema}.jobs UNION ALL SELECT tags FROM"
            + " {schema}.job_history) j, unnest(j.tags) t WHERE 'periodic:"
            + name
            + "' = ANY(j.tags) AND t NOT LIKE 'periodic:%' ORDER BY t");
  }
}
