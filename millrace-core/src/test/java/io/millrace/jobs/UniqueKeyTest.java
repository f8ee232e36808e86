package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.TestDatabase;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("compat")
class UniqueKeyTest {
  static TestDatabase db;
  static Millrace client;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("unique");
    client = db.migratedClient();
  }

  @AfterAll
  static void stop() {
    client.close();
    db.close();
  }

  @RepeatedTest(5)
  void eightConcurrentEnqueuersGetOneJob() throws Exception {
    String key = "report:" + System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<EnqueueResult>> futures = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      futures.add(
          pool.submit(
              () -> {
                go.await();
                return client.enqueue(JobRequest.of("report", Map.of()).uniqueKey(key));
              }));
    }
    go.countDown();
    Set<Long> ids = new HashSet<>();
    int fresh = 0;
    for (Future<EnqueueResult> f : futures) {
      EnqueueResult r = f.get();
      ids.add(r.id());
      fresh += r.duplicate() ? 0 : 1;
    }
    pool.shutdown();
    assertThat(ids).hasSize(1);
    assertThat(fresh).isEqualTo(1);
    assertThat(db.count("FROM {schema}.jobs WHERE unique_key = '" + key + "'")).isEqualTo(1);
  }

  @Test
  void duplicatesInsideOneBulkShareTheJob() {
    List<EnqueueResult> results =
        client.enqueueAll(
            List.of(
                JobRequest.of("report", Map.of("n", 1)).uniqueKey("bulk-key"),
                JobRequest.of("report", Map.of("n", 2)),
                JobRequest.of("report", Map.of("n", 3)).uniqueKey("bulk-key")));
    assertThat(results.get(0).duplicate()).isFalse();
    assertThat(results.get(2).duplicate()).isTrue();
    assertThat(results.get(2).id()).isEqualTo(results.get(0).id());
    assertThat(results.get(1).id()).isNotEqualTo(results.get(0).id());
  }

  @Test
  void aFinishedJobReleasesItsKey() {
    EnqueueResult first = client.enqueue(JobRequest.of("report", Map.of()).uniqueKey("release-me"));
    assertThat(client.admin().cancel(first.id())).isEqualTo(JobAdmin.CancelResult.CANCELLED);
    EnqueueResult second =
        client.enqueue(JobRequest.of("report", Map.of()).uniqueKey("release-me"));
    assertThat(second.duplicate()).isFalse();
    assertThat(second.id()).isNotEqualTo(first.id());
  }

  @Test
  void bulkEnqueueOfThousandsIsOneCall() {
    List<JobRequest> batch = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      batch.add(JobRequest.of("bulk", Map.of("i", i)).queue("bulk").tags("bulk"));
    }
    List<EnqueueResult> results = client.enqueueAll(batch);
    assertThat(results).hasSize(5_000);
    assertThat(results.stream().map(EnqueueResult::id).distinct().count()).isEqualTo(5_000);
    assertThat(db.count("FROM {schema}.jobs WHERE queue = 'bulk' AND tags = '{bulk}'"))
        .isEqualTo(5_000);
    // Results come back in request order: ids were drawn in input order.
    for (int i = 1; i < results.size(); i++) {
      assertThat(results.get(i).id()).isGreaterThan(results.get(i - 1).id());
    }
  }
}
