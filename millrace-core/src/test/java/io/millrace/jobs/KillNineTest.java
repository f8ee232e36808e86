package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.schema.SchemaName;
import io.millrace.testing.Await;
import io.millrace.testing.ChildNode;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A node killed with SIGKILL in the middle of a job: nothing in it runs again (no release, no
 * shutdown hook), so only the lease brings the job back. The job must be finished by another node
 * on attempt 2, with attempt 1 recorded as a lost lease, and attempt 1's token must be dead: a late
 * completion carrying it writes nothing, whether it arrives while attempt 2 runs or after.
 */
@Tag("slow")
class KillNineTest {
  TestDatabase db;
  Millrace client;
  ChildNode child;
  Millrace survivor;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("kill9");
    client = db.migratedClient();
    db.execute("CREATE TABLE {schema}.started (job_id bigint, attempt int, node text)");
  }

  @AfterEach
  void tearDown() {
    if (child != null) {
      child.close();
    }
    if (survivor != null) {
      survivor.close();
    }
    db.close();
  }

  @Test
  void killedNodesJobIsRescuedAndItsLateCompletionIsFenced() throws Exception {
    child = ChildNode.start(db.schema(), "doomed", Duration.ofMillis(200));
    long id = client.enqueue(JobRequest.of("block", Map.of())).id();
    Await.until(
        "the job runs on the child node",
        () -> db.count("FROM {schema}.started WHERE job_id = " + id + " AND node = 'doomed'") == 1);
    Job running = client.admin().get(id).orElseThrow();
    assertThat(running.state()).isEqualTo(JobState.RUNNING);
    assertThat(running.attempt()).isEqualTo(1);
    assertThat(running.attemptedBy()).isEqualTo("doomed");

    child.kill();

    CountDownLatch finishSecondAttempt = new CountDownLatch(1);
    survivor =
        db.builder()
            .nodeId("survivor")
            .queue("default", 2)
            .handler(
                "block",
                Map.class,
                job -> {
                  finishSecondAttempt.await();
                  return Map.of("by", "survivor", "attempt", job.attempt());
                })
            .build();
    survivor.start();

    Await.until(
        "the survivor runs attempt 2",
        () ->
            client
                .admin()
                .get(id)
                .map(
                    j ->
                        j.state() == JobState.RUNNING
                            && j.attempt() == 2
                            && "survivor".equals(j.attemptedBy()))
                .orElse(false));
    JobStore store = new JobStore(db.dataSource(), SchemaName.of(db.schema()));
    Set<Long> lateWhileRunning =
        store.complete(List.of(new JobStore.Completion(id, 1, "{\"by\":\"doomed\"}")));
    assertThat(lateWhileRunning).isEmpty();
    assertThat(client.admin().get(id).orElseThrow())
        .satisfies(j -> assertThat(j.state()).isEqualTo(JobState.RUNNING))
        .satisfies(j -> assertThat(j.attempt()).isEqualTo(2));

    finishSecondAttempt.countDown();
    Await.until(
        "the job completes",
        () -> client.admin().get(id).map(j -> j.state() == JobState.COMPLETED).orElse(false));
    Job done = client.admin().get(id).orElseThrow();
    assertThat(done.attempt()).isEqualTo(2);
    assertThat(done.result().get("by").asText()).isEqualTo("survivor");
    assertThat(done.errors()).hasSize(1);
    assertThat(done.errors().get(0).attempt()).isEqualTo(1);
    assertThat(done.errors().get(0).node()).isEqualTo("doomed");
    assertThat(done.errors().get(0).message()).contains("lease expired");

    Set<Long> lateAfterFinish =
        store.complete(List.of(new JobStore.Completion(id, 1, "{\"by\":\"doomed\"}")));
    assertThat(lateAfterFinish).isEmpty();
    Job after = client.admin().get(id).orElseThrow();
    assertThat(after.state()).isEqualTo(JobState.COMPLETED);
    assertThat(after.attempt()).isEqualTo(2);
    assertThat(after.result().get("by").asText()).isEqualTo("survivor");
    assertThat(db.count("FROM {schema}.job_history WHERE id = " + id)).isEqualTo(1);
    assertThat(db.count("FROM {schema}.jobs")).isZero();
  }
}
