package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.schema.SchemaName;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every write after a claim is fenced by (id, attempt): once a lease expires and the job is rescued
 * and claimed again, nothing the old attempt writes has any effect.
 */
@Tag("compat")
class FencingTest {
  static TestDatabase db;
  static Millrace client;
  static JobStore store;
  static Rescuer rescuer;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("fencing");
    client = db.migratedClient();
    store = new JobStore(db.dataSource(), SchemaName.of(db.schema()));
    rescuer = new Rescuer(db.dataSource(), SchemaName.of(db.schema()));
  }

  @AfterAll
  static void stop() {
    client.close();
    db.close();
  }

  @Test
  void aRescuedAttemptCannotWriteAnything() throws Exception {
    long id = client.enqueue(JobRequest.of("fenced", Map.of()).queue("fence")).id();
    ClaimedJob first = store.claim("fence", 10, "node-a", Duration.ofSeconds(30)).get(0);
    assertThat(first.attempt()).isEqualTo(1);

    // node-a goes silent: its lease runs out and the leader rescues the job.
    db.execute(
        "UPDATE {schema}.jobs SET lease_expires_at = now() - interval '1 second' WHERE id = " + id);
    assertThat(rescuer.rescue()).isEqualTo(1);
    ClaimedJob second = store.claim("fence", 10, "node-b", Duration.ofSeconds(30)).get(0);
    assertThat(second.id()).isEqualTo(id);
    assertThat(second.attempt()).isEqualTo(2);

    // Every late write of attempt 1 matches nothing.
    assertThat(store.complete(List.of(new JobStore.Completion(id, 1, "\"late\"")))).isEmpty();
    assertThat(store.retryLater(id, 1, Duration.ZERO, "{\"message\":\"late\"}")).isFalse();
    assertThat(store.finishWithError(id, 1, JobState.FAILED, "{\"message\":\"late\"}")).isFalse();
    assertThat(store.snooze(id, 1, Duration.ZERO)).isFalse();
    assertThat(store.release(List.of(first))).isZero();
    assertThat(store.extendLeases(List.of(first), Duration.ofSeconds(30)).held()).isEmpty();

    Job running = client.admin().get(id).orElseThrow();
    assertThat(running.state()).isEqualTo(JobState.RUNNING);
    assertThat(running.attemptedBy()).isEqualTo("node-b");
    assertThat(running.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.attempt()).isEqualTo(1);
              assertThat(e.message()).contains("lease expired").contains("node-a");
            });

    // The current attempt completes normally.
    assertThat(store.complete(List.of(new JobStore.Completion(id, 2, "\"done\""))))
        .containsExactly(id);
    Job done = client.admin().get(id).orElseThrow();
    assertThat(done.state()).isEqualTo(JobState.COMPLETED);
    assertThat(done.result().asText()).isEqualTo("done");
  }

  @Test
  void anExpiredLeaseWithNoAttemptsLeftFailsTheJob() throws Exception {
    long id =
        client.enqueue(JobRequest.of("fenced", Map.of()).queue("fence-last").maxAttempts(1)).id();
    store.claim("fence-last", 1, "node-a", Duration.ofSeconds(30));
    db.execute(
        "UPDATE {schema}.jobs SET lease_expires_at = now() - interval '1 second' WHERE id = " + id);
    assertThat(rescuer.rescue()).isEqualTo(1);
    Job failed = client.admin().get(id).orElseThrow();
    assertThat(failed.state()).isEqualTo(JobState.FAILED);
    assertThat(failed.errors())
        .singleElement()
        .extracting(JobError::message)
        .asString()
        .contains("lease expired");
  }
}
