package io.millrace.projections;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.health.Readiness;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A projection from start-up to ready, tailing, failing, retry, rebuild and the rebuild timeout.
 */
@Tag("compat")
class ProjectionLifecycleTest {
  TestDatabase db;
  Millrace client;
  Millrace node;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("lifecycle");
    client = db.migratedClient();
    Tally.createTables(db);
  }

  @AfterEach
  void tearDown() {
    if (node != null) {
      node.close();
    }
    client.close();
    db.close();
  }

  @Test
  void catchesUpInPagesWithoutDelayingStartThenTailsNewEvents() {
    Tally.append(client.events(), 1_000, 7);
    CountDownLatch hold = new CountDownLatch(1);
    Tally tally = new Tally("t", db.schema());
    node =
        db.builder()
            .projection(
                Projection.named("t")
                    .version("1")
                    .pageSize(50)
                    .required()
                    .handler(
                        (e, ctx) -> {
                          hold.await();
                          tally.apply(e, ctx);
                        })
                    .build())
            .build();
    node.start();
    // start() returned while the handler is still held: the catch-up is asynchronous.
    Readiness.Report report = node.readiness().report();
    assertThat(report.ready()).isFalse();
    Readiness.Status pending = report.pending().get(0);
    assertThat(pending.name()).isEqualTo("projection:t");
    assertThat(pending.details()).containsKeys("status", "lag", "eventsPerSecond", "etaSeconds");
    assertThat(node.projections().queryStatus("t")).isEqualTo(QueryStatus.REBUILDING);
    hold.countDown();

    Await.until("ready", () -> node.readiness().report().ready());
    assertThat(Tally.total(db, "t")).isEqualTo(1_000);
    assertThat(node.projections().queryStatus("t")).isEqualTo(QueryStatus.READY);
    ProjectionStatus status = node.projections().get("t").orElseThrow();
    assertThat(status.status()).isEqualTo("ready");
    assertThat(status.node()).isEqualTo("running");
    assertThat(status.eventsApplied()).isEqualTo(1_000);
    assertThat(status.lag()).isZero();
    assertThat(
            node.meters()
                .get("millrace.projection.events.replayed")
                .tag("projection", "t")
                .counter()
                .count())
        .isEqualTo(1_000);
    assertThat(
            node.meters()
                .get("millrace.projection.rebuild.duration")
                .tag("projection", "t")
                .timer()
                .count())
        .isEqualTo(1);

    Tally.append(client.events(), 30, 3);
    Await.until("new events applied", () -> Tally.total(db, "t") == 1_030);
    assertThat(Tally.missing(db, "t")).isZero();
  }

  @Test
  void aHandlerErrorFailsTheProjectionNamingTheEventAndRetryResumes() {
    Tally.append(client.events(), 100, 2);
    AtomicBoolean broken = new AtomicBoolean(true);
    Tally tally = new Tally("fragile", db.schema());
    node =
        db.builder()
            .projection(
                Projection.named("fragile")
                    .version("1")
                    .pageSize(10)
                    .handler(
                        (e, ctx) -> {
                          if (broken.get() && e.dataAs(java.util.Map.class).get("i").equals(42)) {
                            throw new IllegalStateException("cannot handle 42");
                          }
                          tally.apply(e, ctx);
                        })
                    .build())
            .build();
    node.start();
    Await.until("failed", () -> "failed".equals(Tally.status(db, "fragile")));
    ProjectionStatus failed = node.projections().get("fragile").orElseThrow();
    assertThat(failed.error())
        .contains("cannot handle 42")
        .contains("counted")
        .contains("stream s-0");
    assertThat(node.projections().queryStatus("fragile")).isEqualTo(QueryStatus.FAILED);
    // The failing page was rolled back whole: the pages before it count, nothing of it does.
    assertThat(Tally.total(db, "fragile")).isEqualTo(40);

    broken.set(false);
    assertThat(node.projections().retry("fragile")).isEqualTo(Projections.Request.ACCEPTED);
    Await.until("ready after retry", () -> "ready".equals(Tally.status(db, "fragile")));
    assertThat(Tally.total(db, "fragile")).isEqualTo(100);
    assertThat(node.projections().retry("fragile")).isEqualTo(Projections.Request.NOT_FAILED);
    assertThat(node.projections().retry("nope")).isEqualTo(Projections.Request.NOT_FOUND);
  }

  @Test
  void rebuildReplaysFromTheFirstEventExactlyOnce() {
    Tally.append(client.events(), 300, 3);
    node = db.builder().projection(Tally.projection(db, "r", "1").pageSize(100).build()).build();
    node.start();
    Await.until("ready", () -> "ready".equals(Tally.status(db, "r")));
    assertThat(node.projections().rebuild("r")).isEqualTo(Projections.Request.ACCEPTED);
    Await.until(
        "rebuilt",
        () ->
            "ready".equals(Tally.status(db, "r"))
                && node.meters()
                        .get("millrace.projection.events.replayed")
                        .tag("projection", "r")
                        .counter()
                        .count()
                    == 600);
    assertThat(Tally.total(db, "r")).isEqualTo(300);
    assertThat(Tally.appliedRows(db, "r")).isEqualTo(300);
    assertThat(node.projections().rebuild("nope")).isEqualTo(Projections.Request.NOT_FOUND);
  }

  @Test
  void aCatchUpThatOverrunsItsTimeoutFailsDistinctFromCatchingUp() {
    Tally.append(client.events(), 200, 2);
    Tally tally = new Tally("slow", db.schema());
    node =
        db.builder()
            .projection(
                Projection.named("slow")
                    .version("1")
                    .pageSize(1)
                    .rebuildTimeout(Duration.ofMillis(300))
                    .required()
                    .handler(
                        (e, ctx) -> {
                          Thread.sleep(20);
                          tally.apply(e, ctx);
                        })
                    .build())
            .build();
    node.start();
    Await.until("failed on timeout", () -> "failed".equals(Tally.status(db, "slow")));
    ProjectionStatus failed = node.projections().get("slow").orElseThrow();
    assertThat(failed.error()).contains("rebuild timeout");
    Readiness.Status pending = node.readiness().report().pending().get(0);
    assertThat(pending.details().get("status")).isEqualTo("failed");
    assertThat(pending.message()).contains("failed").contains("rebuild timeout");
    long counted = Tally.total(db, "slow");
    assertThat(counted).isLessThan(200);
    assertThat(Tally.appliedRows(db, "slow")).isEqualTo(counted);
  }

  @Test
  void aSecondNodeWithTheSameProjectionStandsByAndTakesOverWhenTheFirstLeaves() {
    Tally.append(client.events(), 100, 2);
    node =
        db.builder()
            .nodeId("first")
            .projection(Tally.projection(db, "shared", "1").build())
            .build();
    node.start();
    Await.until("ready on first", () -> "ready".equals(Tally.status(db, "shared")));
    Millrace second =
        db.builder()
            .nodeId("second")
            .projection(Tally.projection(db, "shared", "1").required().build())
            .build();
    try {
      second.start();
      Await.until(
          "second stands by",
          () -> "standby".equals(second.projections().get("shared").orElseThrow().node()));
      // Ready on the second node too: the first runs it and it is caught up.
      assertThat(second.readiness().report().ready()).isTrue();
      node.close();
      node = null;
      Tally.append(client.events(), 10, 1);
      Await.until(
          "second runs it",
          () ->
              "running".equals(second.projections().get("shared").orElseThrow().node())
                  && Tally.total(db, "shared") == 110);
      assertThat(Tally.appliedRows(db, "shared")).isEqualTo(110);
      List<String> owner =
          db.column("SELECT lease_owner FROM {schema}.projections WHERE name = 'shared'");
      assertThat(owner).containsExactly("second");
    } finally {
      second.close();
    }
  }
}
