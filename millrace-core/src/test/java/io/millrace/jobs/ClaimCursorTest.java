package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.schema.SchemaName;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Claims that start past the head of the claim index: which cursor each claim leaves, that the
 * cursor variants claim exactly the jobs at or after their bound, and that a job behind a cursor
 * (here: due long before it, as an insert that committed late would be) is delayed until the next
 * full claim, never lost or run twice.
 */
class ClaimCursorTest {
  static TestDatabase db;
  static Millrace client;
  static JobStore store;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("claim_cursor");
    client = db.migratedClient();
    store = new JobStore(db.dataSource(), SchemaName.of(db.schema()));
  }

  @AfterAll
  static void stop() {
    client.close();
    db.close();
  }

  private static ClaimedJob job(long id, int priority, Instant runAt) {
    return new ClaimedJob(
        id, 1, "q", "k", "{}", priority, 3, List.of(), null, runAt, runAt, null, null, false);
  }

  @Test
  void eachClaimLeavesTheCursorItsResultJustifies() {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    Instant now = t.plusSeconds(5);
    List<ClaimedJob> three =
        List.of(job(1, 0, t), job(2, 0, t.plusSeconds(2)), job(3, 0, t.plusSeconds(1)));

    // Short: nothing claimable was left due at now, of any priority.
    assertThat(ClaimCursor.next(null, 10, three, now))
        .isEqualTo(new ClaimCursor.Due(now.minus(ClaimCursor.MARGIN)));
    // Full: a backlog; the rest of it is behind the last job in index order (lowest priority,
    // latest run_at).
    assertThat(ClaimCursor.next(null, 3, three, now))
        .isEqualTo(new ClaimCursor.Priority(0, t.plusSeconds(2).minus(ClaimCursor.MARGIN)));
    List<ClaimedJob> mixed =
        List.of(job(1, 5, t.plusSeconds(3)), job(2, 0, t), job(3, 0, t.plusSeconds(1)));
    assertThat(ClaimCursor.next(null, 3, mixed, now))
        .isEqualTo(new ClaimCursor.Priority(0, t.plusSeconds(1).minus(ClaimCursor.MARGIN)));
    // A priority that runs short or dry hands over to a full claim: other priorities may wait.
    ClaimCursor priority = new ClaimCursor.Priority(0, t);
    assertThat(ClaimCursor.next(priority, 10, three, now)).isNull();
    assertThat(ClaimCursor.next(priority, 10, List.of(), null)).isNull();
    // A bound of due jobs holds through a backlog within it and through an empty claim.
    ClaimCursor due = new ClaimCursor.Due(t);
    assertThat(ClaimCursor.next(due, 3, three, now)).isSameAs(due);
    assertThat(ClaimCursor.next(due, 10, List.of(), null)).isSameAs(due);
    assertThat(ClaimCursor.next(due, 10, three, now))
        .isEqualTo(new ClaimCursor.Due(now.minus(ClaimCursor.MARGIN)));
  }

  @Test
  void cursorClaimsTakeTheJobsAtOrAfterTheirBoundAndAFullClaimTheRest() throws Exception {
    Duration lease = Duration.ofMinutes(5);
    Instant longAgo = Instant.now().minus(Duration.ofHours(1));
    long old = client.enqueue(JobRequest.of("k", Map.of()).queue("cursor").runAt(longAgo)).id();
    List<Long> recent = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      recent.add(client.enqueue(JobRequest.of("k", Map.of()).queue("cursor")).id());
    }
    Instant bound = Instant.now().minus(Duration.ofMinutes(1));

    JobStore.Claim byDue = store.claim("cursor", 2, "n", lease, new ClaimCursor.Due(bound));
    assertThat(byDue.jobs())
        .extracting(ClaimedJob::id)
        .containsExactlyElementsOf(recent.subList(0, 2));
    assertThat(byDue.claimedAt()).isNotNull();
    JobStore.Claim byPriority =
        store.claim("cursor", 10, "n", lease, new ClaimCursor.Priority(0, bound));
    assertThat(byPriority.jobs())
        .extracting(ClaimedJob::id)
        .containsExactlyElementsOf(recent.subList(2, 4));
    assertThat(store.claim("cursor", 10, "n", lease, new ClaimCursor.Priority(1, bound)).jobs())
        .isEmpty();

    JobStore.Claim full = store.claim("cursor", 10, "n", lease, null);
    assertThat(full.jobs()).extracting(ClaimedJob::id).containsExactly(old);
    assertThat(store.claim("cursor", 10, "n", lease, null).jobs()).isEmpty();
    assertThat(store.claim("cursor", 10, "n", lease, null).claimedAt()).isNull();
  }

  @Test
  void aJobBehindTheCursorStillRunsExactlyOnce() throws Exception {
    Set<String> ran = ConcurrentHashMap.newKeySet();
    List<String> runs = java.util.Collections.synchronizedList(new ArrayList<>());
    try (Millrace node =
        Millrace.builder(db.dataSource())
            .schema(db.schema())
            .queue("behind", 4)
            .pollInterval(Duration.ofMillis(100))
            .handler(
                "behind.job",
                Map.class,
                job -> {
                  String name = (String) job.args().get("name");
                  ran.add(name);
                  runs.add(name);
                  return null;
                })
            .build()) {
      node.start();
      // Jobs flow, so the worker claims with a cursor whose bound is recent...
      for (int i = 0; i < 20; i++) {
        node.enqueue(JobRequest.of("behind.job", Map.of("name", "now-" + i)).queue("behind"));
      }
      awaitRan(ran, 20);
      // ...then a job due an hour ago arrives: behind every bound, found by the next full claim.
      node.enqueue(
          JobRequest.of("behind.job", Map.of("name", "late"))
              .queue("behind")
              .runAt(Instant.now().minus(Duration.ofHours(1))));
      awaitRan(ran, 21);
      TimeUnit.MILLISECONDS.sleep(300);
    }
    assertThat(ran).contains("late");
    assertThat(runs).hasSize(21).doesNotHaveDuplicates();
  }

  private static void awaitRan(Set<String> ran, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (ran.size() < n && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(20);
    }
    assertThat(ran).hasSize(n);
  }
}
