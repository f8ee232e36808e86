package io.millrace.projections;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.internal.sql.Transactions;
import io.millrace.schema.SchemaName;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two runners on one projection: the one whose lease was taken over writes nothing more. */
class FencingTest {
  TestDatabase db;
  Millrace client;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("fencing");
    client = db.migratedClient();
    Tally.createTables(db);
  }

  @AfterEach
  void tearDown() {
    client.close();
    db.close();
  }

  @Test
  void theCheckpointCompareAndSwapRefusesAStaleTokenAndAnyMoveFromTheWrongPlace() throws Exception {
    ProjectionStore store = new ProjectionStore(db.dataSource(), SchemaName.of(db.schema()));
    store.register("cas", "1");
    long first = store.acquire("cas", "a", 60_000).orElseThrow().token();
    assertThat(store.acquire("cas", "b", 60_000)).isEmpty();
    LogPosition p1 = new LogPosition(10, 1);
    LogPosition p2 = new LogPosition(10, 2);
    assertThat(advance(store, first, LogPosition.START, p1)).isTrue();
    // Applying the same page again, or moving backwards, fails the compare.
    assertThat(advance(store, first, LogPosition.START, p1)).isFalse();
    assertThat(advance(store, first, p1, LogPosition.START))
        .isTrue(); // from the right place, any target
    assertThat(advance(store, first, p1, p2)).isFalse();
    db.execute("UPDATE {schema}.projections SET lease_until = now() - interval '1 second'");
    long second = store.acquire("cas", "b", 60_000).orElseThrow().token();
    assertThat(second).isGreaterThan(first);
    assertThat(advance(store, first, LogPosition.START, p1)).isFalse();
    assertThat(store.renew("cas", first, 60_000)).isEmpty();
    assertThat(advance(store, second, LogPosition.START, p2)).isTrue();
    assertThat(
            db.column(
                "SELECT checkpoint_xid || ':' || checkpoint_position FROM {schema}.projections"))
        .containsExactly("10:2");
  }

  /**
   * Runner A stalls between pages (a long GC pause, a partition) past its lease; runner B takes
   * over and finishes. When A wakes, its next page fails the compare-and-swap, so nothing it read
   * is applied, and it stands by.
   */
  @Test
  void aStalledRunnerWhoseLeaseWasTakenOverIsFencedOut() {
    Tally.append(client.events(), 400, 4);
    CountDownLatch stall = new CountDownLatch(1);
    AtomicInteger pagesA = new AtomicInteger();
    FaultPoints stallOnce =
        (point, end) -> {
          if (point == FaultPoints.Point.BEFORE_PAGE && pagesA.incrementAndGet() == 3) {
            try {
              stall.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    Millrace a =
        db.builder()
            .nodeId("a")
            .projection(Tally.projection(db, "f", "1").pageSize(40).faults(stallOnce).build())
            .build();
    Millrace b =
        db.builder()
            .nodeId("b")
            .projection(Tally.projection(db, "f", "1").pageSize(40).build())
            .build();
    try {
      a.start();
      Await.until("a stalls", () -> pagesA.get() >= 3);
      b.start();
      Await.until(
          "b takes over and catches up",
          () ->
              "ready".equals(Tally.status(db, "f"))
                  && "b".equals(db.column("SELECT lease_owner FROM {schema}.projections").get(0)));
      stall.countDown();
      Await.until(
          "a is fenced out", () -> "standby".equals(a.projections().get("f").orElseThrow().node()));
      assertThat(b.projections().get("f").orElseThrow().node()).isEqualTo("running");
      assertThat(Tally.total(db, "f")).isEqualTo(400);
      assertThat(Tally.appliedRows(db, "f")).isEqualTo(400);
      assertThat(Tally.status(db, "f")).isEqualTo("ready");
      assertThat(
              a.meters()
                      .get("millrace.projection.events.replayed")
                      .tag("projection", "f")
                      .counter()
                      .count()
                  + b.meters()
                      .get("millrace.projection.events.replayed")
                      .tag("projection", "f")
                      .counter()
                      .count())
          .isEqualTo(400);
    } finally {
      a.close();
      b.close();
    }
  }

  private boolean advance(ProjectionStore store, long token, LogPosition from, LogPosition to)
      throws Exception {
    return Transactions.inTransaction(
        db.dataSource(), c -> store.advance(c, "cas", token, from, to, 1, 60_000));
  }
}
