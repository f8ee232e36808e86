package io.millrace.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.PeriodicJob;
import io.millrace.jobs.Schedule;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three nodes register the same every-second cron job. Whatever node leads, each tick must be
 * enqueued exactly once, with no gap, including across a leader change in the middle of the run
 * (the leader is closed and another node takes over; ticks that fell due meanwhile are on time and
 * fired by the new leader). After the change an operator pauses the schedule through a surviving
 * node: nothing fires while it is paused, by the leader or any node stepping it, and once resumed
 * ticks go on, still once each.
 */
@Tag("slow")
class CronClusterTest {
  static final PeriodicJob TICK =
      PeriodicJob.of("tick", Schedule.cron("* * * * * *"), JobRequest.of("tick", Map.of()));

  TestDatabase db;
  final List<Millrace> nodes = new ArrayList<>();

  @AfterEach
  void tearDown() {
    nodes.forEach(Millrace::close);
    db.close();
  }

  @Test
  void everyTickFiresExactlyOnceAcrossALeaderChange() {
    db = TestDatabase.create("cron");
    db.migratedClient();
    for (String name : List.of("cron-a", "cron-b", "cron-c")) {
      Millrace node =
          db.builder()
              .nodeId(name)
              .periodic(TICK)
              .queue("default", 2)
              .handler("tick", Map.class, job -> null)
              .build();
      nodes.add(node);
      node.start();
    }
    Await.until("three ticks fired", () -> ticks().size() >= 3);
    Await.until("one node leads", () -> nodes.stream().filter(Millrace::isLeader).count() == 1);
    Millrace first = nodes.stream().filter(Millrace::isLeader).findFirst().orElseThrow();
    first.close();
    int beforeChange = ticks().size();
    Await.until(
        "another node leads",
        () -> nodes.stream().filter(n -> n != first).anyMatch(Millrace::isLeader));
    Await.until("three more ticks fired", () -> ticks().size() >= beforeChange + 3);

    Millrace leader = nodes.stream().filter(Millrace::isLeader).findFirst().orElseThrow();
    Millrace other =
        nodes.stream().filter(n -> n != first && n != leader).findFirst().orElseThrow();
    assertThat(other.schedules().pause("tick").orElseThrow().paused()).isTrue();
    int atPause = ticks().size();
    leader.runMaintenance();
    other.firePeriodicJobs(Instant.now().plusSeconds(30));
    assertThat(ticks()).hasSize(atPause);
    assertThat(other.schedules().resume("tick").orElseThrow().registeredBy())
        .containsExactlyInAnyOrder(leader.nodeId(), other.nodeId());
    Await.until("two ticks after the resume", () -> ticks().size() >= atPause + 2);
    nodes.forEach(Millrace::close);

    assertThat(db.column("SELECT leader_node FROM {schema}.control").get(0))
        .isNotEqualTo(first.nodeId());
    List<Instant> fired = ticks();
    assertThat(fired).doesNotHaveDuplicates();
    for (int i = 1; i < atPause; i++) {
      assertThat(Duration.between(fired.get(i - 1), fired.get(i)))
          .as("gap or duplicate between ticks %s and %s", fired.get(i - 1), fired.get(i))
          .isEqualTo(Duration.ofSeconds(1));
    }
    assertThat(fired.size()).isGreaterThanOrEqualTo(6);
  }

  /** Every fired tick, from both the hot table and history, in order (duplicates kept). */
  private List<Instant> ticks() {
    return db
        .column(
            "SELECT t FROM (SELECT tags FROM {schema}.jobs UNION ALL"
                + " SELECT tags FROM {schema}.job_history) j, unnest(j.tags) t"
                + " WHERE 'periodic:tick' = ANY(j.tags) AND t LIKE 'tick:%' ORDER BY t")
        .stream()
        .map(t -> Instant.parse(t.substring("tick:".length())))
        .toList();
  }
}
