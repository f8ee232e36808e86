package io.millrace.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.jobs.Job;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.testing.Await;
import io.millrace.testing.ChildNode;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The leader is a child JVM killed with SIGKILL while it holds a job. Its session ends with the
 * process, PostgreSQL drops its advisory lock, and one of the two surviving nodes takes the lead at
 * its next maintenance tick; that new leader then rescues the dead leader's expired lease.
 */
@Tag("slow")
class LeaderFailoverTest {
  static final Duration INTERVAL = Duration.ofSeconds(2);

  /**
   * Takeover is due within two maintenance intervals of the kill (the lock is free as soon as the
   * backend notices the closed socket; each survivor ticks every interval, and a tick already under
   * way when the lock frees may have just missed it). The slack on top absorbs what a loaded 2-core
   * machine adds without anything being wrong: ticks run with a fixed delay after the previous one
   * (so a slow tick pushes the next), backend exit, thread scheduling and GC pauses in three JVMs
   * sharing two cores, and this test's own 20 ms polling. It is generous so the test only fails
   * when takeover is broken (for example waits on a lease or never happens), not when it is slow.
   */
  static final Duration SLACK = Duration.ofSeconds(10);

  TestDatabase db;
  ChildNode leader;
  final List<Millrace> survivors = new ArrayList<>();

  @AfterEach
  void tearDown() {
    if (leader != null) {
      leader.close();
    }
    survivors.forEach(Millrace::close);
    db.close();
  }

  @Test
  void survivorTakesOverWithinTwoIntervalsAndRescuesTheDeadLeadersJob() {
    db = TestDatabase.create("failover");
    Millrace client = db.migratedClient();
    db.execute("CREATE TABLE {schema}.started (job_id bigint, attempt int, node text)");

    leader = ChildNode.start(db.schema(), "old-leader", INTERVAL);
    Await.until("the child node leads", () -> "old-leader".equals(leaderNode()));
    long id = client.enqueue(JobRequest.of("block", Map.of())).id();
    Await.until(
        "the leader runs the job",
        () ->
            db.count("FROM {schema}.started WHERE job_id = " + id + " AND node = 'old-leader'")
                == 1);

    for (String name : List.of("survivor-1", "survivor-2")) {
      Millrace node =
          db.builder()
              .nodeId(name)
              .maintenanceInterval(INTERVAL)
              .queue("default", 2)
              .handler("block", Map.class, job -> Map.of("by", name))
              .build();
      survivors.add(node);
      node.start();
    }
    Await.until(
        "both survivors registered",
        () -> db.count("FROM {schema}.nodes WHERE id LIKE 'survivor-%'") == 2);
    assertThat(survivors).noneMatch(Millrace::isLeader);

    long killedAt = System.nanoTime();
    leader.kill();
    Duration bound = INTERVAL.multipliedBy(2).plus(SLACK);
    Await.until("a survivor takes the lead", bound, () -> leaderNode().startsWith("survivor-"));
    Duration takeover = Duration.ofNanos(System.nanoTime() - killedAt);
    assertThat(takeover).isLessThan(bound);
    Await.until(
        "the new leader knows it leads",
        () -> survivors.stream().filter(Millrace::isLeader).count() == 1);
    Millrace newLeader = survivors.stream().filter(Millrace::isLeader).findFirst().orElseThrow();
    assertThat(newLeader.nodeId()).isEqualTo(leaderNode());

    Await.until(
        "the dead leader's job is rescued and completed",
        () -> client.admin().get(id).map(j -> j.state() == JobState.COMPLETED).orElse(false));
    Job done = client.admin().get(id).orElseThrow();
    assertThat(done.attempt()).isEqualTo(2);
    assertThat(done.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.attempt()).isEqualTo(1);
              assertThat(e.node()).isEqualTo("old-leader");
              assertThat(e.message()).contains("lease expired");
            });
    assertThat(done.result().get("by").asText()).startsWith("survivor-");
  }

  private String leaderNode() {
    String node = db.column("SELECT coalesce(leader_node, '') FROM {schema}.control").get(0);
    return node;
  }
}
