package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.schema.SchemaName;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The batcher's own defence: a completion that reaches it and still fails in SQL (here a JSON
 * {@code \u0000} escape, which jsonb rejects) is split out of its batch and handed to the listener
 * alone, while every other completion of the batch, and every later one, is written.
 */
class CompletionIsolationTest {
  static TestDatabase db;
  static Millrace client;
  static JobStore store;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("isolation");
    client = db.migratedClient();
    store = new JobStore(db.dataSource(), SchemaName.of(db.schema()));
  }

  @AfterAll
  static void stop() {
    client.close();
    db.close();
  }

  @Test
  void aPoisonCompletionIsSplitOutAndEveryOtherCompletionIsWritten() throws Exception {
    List<JobRequest> requests = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      requests.add(JobRequest.of("k", Map.of("n", i)).queue("iso"));
    }
    client.enqueueAll(requests);
    List<ClaimedJob> claimed = store.claim("iso", 40, "node-a", Duration.ofMinutes(5));
    assertThat(claimed).hasSize(40);

    Set<Long> written = ConcurrentHashMap.newKeySet();
    Set<Long> unwritable = ConcurrentHashMap.newKeySet();
    AtomicInteger flushErrors = new AtomicInteger();
    CompletionBatcher batcher =
        new CompletionBatcher(
            store,
            100,
            Duration.ofMillis(300),
            new CompletionBatcher.Listener() {
              @Override
              public void written(JobStore.Completion completion, boolean held) {
                if (held) {
                  written.add(completion.id());
                }
              }

              @Override
              public void unwritable(JobStore.Completion completion, Exception error) {
                unwritable.add(completion.id());
              }
            },
            e -> flushErrors.incrementAndGet());
    Thread thread = new Thread(batcher, "test-completions");
    thread.start();
    long poison = claimed.get(17).id();
    for (int i = 0; i < 30; i++) {
      ClaimedJob job = claimed.get(i);
      String result = job.id() == poison ? "\"a\\u0000b\"" : "{\"n\":" + i + "}";
      batcher.add(new JobStore.Completion(job.id(), job.attempt(), result));
    }
    Await.until("the first 29 written", () -> written.size() == 29);
    assertThat(unwritable).containsExactly(poison);
    assertThat(written).doesNotContain(poison);
    assertThat(flushErrors.get()).as("about 2·log2(30) statements failed").isBetween(2, 12);

    // Later completions flow as before.
    for (int i = 30; i < 40; i++) {
      ClaimedJob job = claimed.get(i);
      batcher.add(new JobStore.Completion(job.id(), job.attempt(), "null"));
    }
    Await.until("the rest written", () -> written.size() == 39);
    batcher.close(System.nanoTime() + Duration.ofSeconds(5).toNanos());
    thread.join(10_000);
    assertThat(thread.isAlive()).isFalse();

    assertThat(db.count("FROM {schema}.job_history WHERE state = 'completed'")).isEqualTo(39);
    assertThat(db.count("FROM {schema}.jobs WHERE id = " + poison + " AND state = 'running'"))
        .as("the poison is left to the listener, which records it failed")
        .isEqualTo(1);
  }
}
