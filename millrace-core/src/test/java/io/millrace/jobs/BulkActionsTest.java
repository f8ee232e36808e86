package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Bulk actions by filter stop part-way (at {@code max}, or because their sessions are killed) and a
 * second run finishes the rest: every job is acted on exactly once and the counters agree with
 * history.
 */
@Tag("compat")
class BulkActionsTest {
  TestDatabase db;
  Millrace client;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("bulk");
    client = db.migratedClient();
  }

  @AfterEach
  void tearDown() {
    client.close();
    db.close();
  }

  private List<Long> enqueue(String queue, int n) {
    List<JobRequest> requests = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      requests.add(
          JobRequest.ofJson("sweep.me", "{\"i\":" + i + "}")
              .queue(queue)
              .delay(Duration.ofHours(1)));
    }
    return client.enqueueAll(requests).stream().map(EnqueueResult::id).toList();
  }

  private static JobAdmin.Filter queue(String queue, JobState state) {
    return new JobAdmin.Filter(queue, state, null, null, null, null, null, 1);
  }

  @Test
  void aSweepStoppedAtMaxContinuesFromNextAndActsOnEachJobOnce() {
    List<Long> ids = enqueue("paged", 25);
    enqueue("elsewhere", 5);
    BulkActions.Result first =
        client.admin().bulk(BulkActions.Action.DISCARD, queue("paged", null), 10);
    assertThat(first.matched()).isEqualTo(10);
    assertThat(first.outcomes()).isEqualTo(Map.of("discarded", 10));
    assertThat(first.next()).isEqualTo(ids.get(15));
    JobAdmin.Filter rest =
        new JobAdmin.Filter("paged", null, null, null, null, null, first.next(), 1);
    BulkActions.Result second = client.admin().bulk(BulkActions.Action.DISCARD, rest, 1000);
    assertThat(second.matched()).isEqualTo(15);
    assertThat(second.next()).isNull();

    // Retrying every failed job of the queue brings back all 25 once; a second retry finds none.
    BulkActions.Result retried =
        client.admin().bulk(BulkActions.Action.RETRY, queue("paged", JobState.FAILED), 1000);
    assertThat(retried.outcomes()).isEqualTo(Map.of("retrying", 25));
    assertThat(
            client
                .admin()
                .bulk(BulkActions.Action.RETRY, queue("paged", JobState.FAILED), 1000)
                .matched())
        .isZero();
    assertThat(db.count("FROM {schema}.jobs WHERE queue = 'paged' AND state = 'available'"))
        .isEqualTo(25);
    assertThat(db.count("FROM {schema}.jobs WHERE queue = 'elsewhere' AND state = 'scheduled'"))
        .isEqualTo(5);
    assertThat(client.counts().verify(false)).isEmpty();
  }

  @Test
  void aSweepWhoseSessionsAreKilledFinishesOnARerunExactlyOnce() throws Exception {
    int jobs = 1_500;
    enqueue("killed", jobs);
    String application = "bulk-victim-" + db.schema();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (HikariDataSource victimPool = TestDatabase.pool(TestDatabase.jdbcUrl(), 2, application)) {
      Millrace victim = Millrace.builder(victimPool).schema(db.schema()).build();
      Thread sweep =
          new Thread(
              () -> {
                try {
                  victim.admin().bulk(BulkActions.Action.CANCEL, queue("killed", null), 10_000);
                } catch (RuntimeException e) {
                  failure.set(e);
                }
              },
              "bulk-sweep");
      sweep.start();
      // Kill its sessions once it has made some progress, and keep killing until it gives up.
      while (sweep.isAlive()
          && db.count("FROM {schema}.job_history WHERE queue = 'killed'") < 100) {
        Thread.sleep(5);
      }
      while (sweep.isAlive()) {
        terminate(application);
        Thread.sleep(10);
      }
      sweep.join();
      victim.close();
    }
    long cancelledByFirst = db.count("FROM {schema}.job_history WHERE queue = 'killed'");
    assertThat(failure.get()).as("the sweep was cut short").isNotNull();
    assertThat(cancelledByFirst).isBetween(100L, (long) jobs - 1);

    BulkActions.Result rerun =
        client.admin().bulk(BulkActions.Action.CANCEL, queue("killed", null), 10_000);
    // The rerun visits the jobs the first run cancelled too (they still match the filter), and
    // finds them already finished: nothing is cancelled twice.
    assertThat(rerun.outcomes().get("cancelled")).isEqualTo((int) (jobs - cancelledByFirst));
    assertThat(rerun.outcomes().get("already_finished")).isEqualTo((int) cancelledByFirst);
    assertThat(
            db.count(
                "FROM {schema}.job_history WHERE queue = 'killed' AND state = 'cancelled'"
                    + " AND jsonb_array_length(errors) = 1"))
        .isEqualTo(jobs);
    assertThat(db.count("FROM {schema}.jobs WHERE queue = 'killed'")).isZero();
    assertThat(client.counts().verify(false)).isEmpty();
    assertThat(client.queues(true).queues().get(0).counts().cancelled()).isEqualTo(jobs);
  }

  private void terminate(String application) throws Exception {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    + " WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = ?")) {
      ps.setString(1, application);
      ps.executeQuery().close();
    }
  }
}
