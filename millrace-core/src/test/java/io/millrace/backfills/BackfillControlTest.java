package io.millrace.backfills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.base.MillraceException;
import io.millrace.health.Readiness;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failures, operator control, order, throttles and readiness, on real PostgreSQL and SQLite
 * targets. Uses the {@link Ledgered} table, so every scenario also checks that no row was changed
 * twice and none was skipped.
 */
@Tag("compat")
class BackfillControlTest {
  static final int ROWS = 3_000;

  TestDatabase db;
  HikariDataSource pgTarget;
  Millrace node;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("backfill_ctl");
    db.migratedClient();
    db.execute("CREATE SCHEMA IF NOT EXISTS {schema}");
  }

  @AfterEach
  void tearDown() {
    if (node != null) {
      node.close();
    }
    if (pgTarget != null) {
      pgTarget.close();
    }
    db.close();
  }

  private DataSource target(String kind) {
    if (kind.equals("postgres")) {
      pgTarget = Targets.postgres(db.schema(), 4);
      return pgTarget;
    }
    return Targets.sqlite("ctl");
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgres", "sqlite"})
  void failingBatchSqlFailsWithItsMessageKeepsTheCursorAndRetryResumesFromIt(String kind)
      throws Exception {
    DataSource target = target(kind);
    Ledgered.create(target, kind.equals("postgres"), ROWS);
    // Row 4500 breaks the CHECK (v < 100) constraint: the batch containing it fails every time.
    Backfill failing =
        Backfill.builder("bump")
            .target(target)
            .table("items")
            .key("id")
            .initialBatchSize(50)
            .maxBatchSize(50)
            .maxAttempts(2)
            .yieldBetweenBatches(Duration.ZERO)
            .sql(
                "UPDATE items SET v = v + 1 + CASE WHEN id = 4500 THEN 100 ELSE 0 END WHERE {range}")
            .build();
    node = db.builder().backfill(failing).build();
    node.start();
    Await.until("the backfill fails", () -> state("bump") == BackfillState.FAILED);

    BackfillStatus failed = node.backfills().get("bump").orElseThrow();
    assertThat(failed.lastError())
        .containsIgnoringCase("check")
        .contains("gave up after 2 attempts");
    long cursor = Long.parseLong(failed.cursor());
    assertThat(cursor).isLessThan(4500).isGreaterThanOrEqualTo(4500 - 3 * 50);
    assertThat(
            Targets.scalar(
                target, "SELECT cursor_value FROM millrace_backfill_state WHERE name = 'bump'"))
        .isEqualTo(cursor);
    assertThat(Targets.scalar(target, "SELECT count(*) FROM items WHERE v = 1"))
        .isEqualTo(cursor / 3);
    assertThat(Targets.scalar(target, "SELECT count(*) FROM items WHERE v = 0"))
        .isEqualTo(ROWS - cursor / 3);
    assertThatThrownBy(() -> node.backfills().awaitFinished("bump", Duration.ofSeconds(1)))
        .isInstanceOf(MillraceException.class)
        .hasMessageContaining("failed");
    assertThat(node.backfills().isFinished("bump")).isFalse();

    // Fix the data, retry: the run continues from the cursor, so nothing before it is bumped again.
    Targets.execute(target, "UPDATE items SET v = -200 WHERE id = 4500");
    assertThat(node.backfills().retry("bump").orElseThrow().applied()).isTrue();
    assertThat(node.backfills().awaitFinished("bump", Duration.ofMinutes(1))).isTrue();
    assertThat(Targets.scalar(target, "SELECT count(*) FROM items WHERE v = 1"))
        .isEqualTo(ROWS - 1);
    assertThat(Targets.scalar(target, "SELECT v FROM items WHERE id = 4500")).isEqualTo(-99);
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgres", "sqlite"})
  void aFailingLookupBeforeTheLoopFailsTheBackfillInsteadOfFinishingIt(String kind) {
    DataSource target = target(kind);
    Backfill missing =
        Backfill.builder("missing-table")
            .target(target)
            .table("no_such_table")
            .key("id")
            .maxAttempts(2)
            .sql("UPDATE no_such_table SET x = 1 WHERE {range}")
            .build();
    node = db.builder().backfill(missing).build();
    node.start();
    Await.until("the backfill fails", () -> state("missing-table") == BackfillState.FAILED);
    BackfillStatus status = node.backfills().get("missing-table").orElseThrow();
    assertThat(status.lastError())
        .contains("preparing the target failed")
        .contains("no_such_table");
    assertThat(status.rowsProcessed()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgres", "sqlite"})
  void pauseResumeAndCancelTakeEffectMidRunAndRetryFinishesFromTheCursor(String kind)
      throws Exception {
    DataSource target = target(kind);
    Ledgered.create(target, kind.equals("postgres"), ROWS);
    node = db.builder().backfill(Ledgered.definition("slow", target, "n1", 10).build()).build();
    node.start();
    Await.until("some batches ran", () -> ledger(target) >= 3);

    assertThat(node.backfills().pause("slow").orElseThrow().applied()).isTrue();
    long atPause = settled(target);
    assertThat(state("slow")).isEqualTo(BackfillState.PAUSED);
    assertThat(atPause).isLessThan(ROWS / 100);
    Thread.sleep(300); // a paused backfill stays put (checked over a few would-be batches)
    assertThat(ledger(target)).isEqualTo(atPause);
    assertThat(node.backfills().pause("slow").orElseThrow().applied()).isFalse();

    assertThat(node.backfills().resume("slow").orElseThrow().applied()).isTrue();
    Await.until("it continues", () -> ledger(target) >= atPause + 3);
    assertThat(node.backfills().cancel("slow").orElseThrow().applied()).isTrue();
    long atCancel = settled(target);
    assertThat(state("slow")).isEqualTo(BackfillState.CANCELLED);
    assertThat(atCancel).isLessThan(ROWS / 100);
    assertThat(node.backfills().resume("slow").orElseThrow().applied()).isFalse();
    assertThat(node.backfills().pause("nope")).isEmpty();

    // What was committed stays; nothing was applied twice.
    assertThat(Targets.scalar(target, "SELECT count(*) FROM items WHERE v > 1")).isZero();
    assertThat(Targets.scalar(target, "SELECT count(*) FROM items WHERE v = 1"))
        .isEqualTo(atCancel * 100);

    assertThat(node.backfills().retry("slow").orElseThrow().applied()).isTrue();
    assertThat(node.backfills().awaitFinished("slow", Duration.ofMinutes(1))).isTrue();
    assertThat(Targets.scalar(target, "SELECT count(*) FROM items WHERE v <> 1")).isZero();
    assertThat(ledger(target)).isEqualTo(ROWS / 100);
  }

  @Test
  void registrationOrderThrottlesAndBlockingReadiness() throws Exception {
    DataSource target = target("postgres");
    Ledgered.create(target, true, ROWS);
    Targets.execute(
        target,
        "CREATE TABLE others (id bigint PRIMARY KEY, v integer NOT NULL DEFAULT 0)",
        "INSERT INTO others SELECT i, 0 FROM generate_series(1, 500) i");
    AtomicBoolean hold = new AtomicBoolean(true);
    Backfill first =
        Ledgered.definition("first", target, "n1", 0)
            .throttle(Throttles.when("held by the test", hold::get))
            .throttle(Throttles.lockWaiters(10))
            .throttle(Throttles.replicationLag(Duration.ofSeconds(5)))
            .throttleRecheck(Duration.ofMillis(50))
            .blocking()
            .build();
    Backfill second =
        Backfill.builder("second")
            .target(target)
            .table("others")
            .key("id")
            .sql("UPDATE others SET v = v + 1 WHERE {range}")
            .build();
    Backfill independent =
        Backfill.builder("independent")
            .target(target)
            .table("others")
            .key("id")
            .independent()
            .stateTable("other_state")
            .sql("UPDATE others SET v = v + 10 WHERE {range}")
            .build();
    node = db.builder().backfill(first).backfill(second).backfill(independent).build();
    node.start();

    Await.until(
        "the first is throttled", () -> "held by the test".equals(status("first").throttledBy()));
    // The independent one does not wait for the first; the second does.
    Await.until(
        "the independent one finishes", () -> state("independent") == BackfillState.SUCCEEDED);
    assertThat(state("second")).isEqualTo(BackfillState.PENDING);
    assertThat(ledger(target)).isZero();

    Readiness.Report report = node.readiness().report();
    assertThat(report.ready()).isFalse();
    Readiness.Status pending = report.pending().get(0);
    assertThat(pending.name()).isEqualTo("backfills");
    assertThat(pending.message()).contains("first").contains("running");
    assertThat(pending.details()).containsKey("first");

    hold.set(false);
    assertThat(node.backfills().awaitFinished("second", Duration.ofMinutes(1))).isTrue();
    assertThat(state("first")).isEqualTo(BackfillState.SUCCEEDED);
    assertThat(node.readiness().report().ready()).isTrue();
    assertThat(Targets.scalar(target, "SELECT count(*) FROM others WHERE v <> 11")).isZero();
    assertThat(Targets.scalar(target, "SELECT count(*) FROM items WHERE v <> 1")).isZero();
    assertThat(node.backfills().list())
        .extracting(BackfillStatus::name)
        .containsExactly("first", "second", "independent");
    assertThat(
            node.meters()
                .get("millrace.backfill.batches")
                .tag("backfill", "first")
                .tag("outcome", "committed")
                .counter()
                .count())
        .isEqualTo(ROWS / 100.0);
    assertThat(
            node.meters()
                .get("millrace.backfill.throttle.waits")
                .tag("backfill", "first")
                .counter()
                .count())
        .isGreaterThan(0);
  }

  @Test
  void textKeysSparseKeysAndAnEmptyTable() throws Exception {
    DataSource target = target("sqlite");
    Targets.execute(
        target,
        "CREATE TABLE codes (code text PRIMARY KEY, n integer NOT NULL)",
        "INSERT INTO codes WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 2000)"
            + " SELECT 'c-' || (i * 7919 % 100003), 0 FROM g",
        "CREATE TABLE sparse (id integer PRIMARY KEY, n integer NOT NULL)",
        "INSERT INTO sparse VALUES (1, 0), (1000000000, 0), (4000000000000, 0)",
        "CREATE TABLE empty (id integer PRIMARY KEY, n integer NOT NULL)");
    node =
        db.builder()
            .backfill(
                Backfill.builder("codes")
                    .target(target)
                    .table("codes")
                    .key("code", KeyType.TEXT)
                    .independent()
                    .initialBatchSize(64)
                    .maxBatchSize(64)
                    .sql("UPDATE codes SET n = n + 1 WHERE {range}")
                    .build())
            .backfill(
                Backfill.builder("sparse")
                    .target(target)
                    .table("sparse")
                    .key("id")
                    .independent()
                    .initialBatchSize(1)
                    .maxBatchSize(1)
                    .sql("UPDATE sparse SET n = n + 1 WHERE {range}")
                    .build())
            .backfill(
                Backfill.builder("empty")
                    .target(target)
                    .table("empty")
                    .key("id")
                    .independent()
                    .sql("UPDATE empty SET n = n + 1 WHERE {range}")
                    .build())
            .build();
    node.start();
    for (String name : new String[] {"codes", "sparse", "empty"}) {
      assertThat(node.backfills().awaitFinished(name, Duration.ofMinutes(1))).isTrue();
    }
    assertThat(Targets.scalar(target, "SELECT count(*) FROM codes WHERE n <> 1")).isZero();
    assertThat(Targets.scalar(target, "SELECT count(*) FROM sparse WHERE n <> 1")).isZero();
    // Three keys spread over 4·10^12: three batches, not a walk over the span.
    assertThat(
            Targets.scalar(
                target, "SELECT batches FROM millrace_backfill_state WHERE name = 'sparse'"))
        .isEqualTo(3);
    // At most 64 keys a batch (fewer if the machine is slow enough to shrink the size).
    assertThat(
            Targets.scalar(
                target, "SELECT batches FROM millrace_backfill_state WHERE name = 'codes'"))
        .isGreaterThanOrEqualTo((2000 + 63) / 64);
    assertThat(
            Targets.scalar(
                target, "SELECT rows_processed FROM millrace_backfill_state WHERE name = 'codes'"))
        .isEqualTo(2000);
    assertThat(status("empty").rowsProcessed()).isZero();
  }

  @Test
  void aBatchOverItsTimeoutIsCancelledAndRetriedAtHalfTheSizeNotGrowingBackAtOnce()
      throws Exception {
    DataSource target = target("postgres");
    Ledgered.create(target, true, 400);
    // Each key costs 5 ms of pg_sleep: 100 keys (0.5 s) and 50 keys (0.25 s) overrun the 200 ms
    // statement timeout and roll back; 25 keys fit. Nothing of a cancelled batch may remain.
    Backfill slow =
        Backfill.builder("timeouts")
            .target(target)
            .table("items")
            .key("id")
            .initialBatchSize(100)
            .maxBatchSize(100)
            .targetBatchTime(Duration.ofSeconds(10))
            .batchTimeout(Duration.ofMillis(200))
            .yieldBetweenBatches(Duration.ZERO)
            .batch(
                (c, range) -> {
                  long changed;
                  try (java.sql.PreparedStatement ps =
                      c.prepareStatement("UPDATE items SET v = v + 1 WHERE " + range.predicate())) {
                    range.bind(ps, 1);
                    changed = ps.executeUpdate();
                  }
                  try (java.sql.PreparedStatement ps =
                      c.prepareStatement("SELECT pg_sleep(? * 0.005)")) {
                    ps.setLong(1, changed);
                    ps.executeQuery().close();
                  }
                  return changed;
                })
            .build();
    node = db.builder().backfill(slow).build();
    node.start();
    assertThat(node.backfills().awaitFinished("timeouts", Duration.ofMinutes(1))).isTrue();
    assertThat(Targets.scalar(target, "SELECT count(*) FROM items WHERE v <> 1")).isZero();
    assertThat(
            node.meters()
                .get("millrace.backfill.batches")
                .tag("backfill", "timeouts")
                .tag("outcome", "timeout")
                .counter()
                .count())
        .isEqualTo(2);
    assertThat(
            Targets.scalar(
                target, "SELECT batch_size FROM millrace_backfill_state WHERE name = 'timeouts'"))
        .isEqualTo(25);
  }

  @Test
  void aThrowingThrottleFailsTheBackfillInsteadOfLettingWorkThrough() throws Exception {
    DataSource target = target("postgres");
    Ledgered.create(target, true, 500);
    node =
        db.builder()
            .backfill(
                Ledgered.definition("guarded", target, "n1", 0)
                    .maxAttempts(2)
                    .throttle(
                        t -> {
                          throw new java.sql.SQLException("load probe unreachable");
                        })
                    .build())
            .build();
    node.start();
    Await.until("the backfill fails", () -> state("guarded") == BackfillState.FAILED);
    assertThat(status("guarded").lastError()).contains("a throttle failed: load probe unreachable");
    assertThat(ledger(target)).isZero();
  }

  @Test
  void closingANodeReleasesItsBackfillAndAnotherNodeFinishesItExactlyOnce() throws Exception {
    DataSource target = target("sqlite");
    Ledgered.create(target, false, ROWS);
    Millrace first =
        db.builder()
            .nodeId("first")
            .backfill(Ledgered.definition("handover", target, "first", 10).build())
            .build();
    first.start();
    Await.until("some batches ran", () -> ledger(target) >= 3);
    first.close();
    BackfillStatus released = db.migratedClient().backfills().get("handover").orElseThrow();
    assertThat(released.state()).isEqualTo(BackfillState.PENDING);
    assertThat(released.leaseOwner()).isNull();

    node =
        db.builder()
            .nodeId("second")
            .backfill(Ledgered.definition("handover", target, "second", 0).build())
            .build();
    node.start();
    assertThat(node.backfills().awaitFinished("handover", Duration.ofMinutes(1))).isTrue();
    assertThat(Targets.scalar(target, "SELECT count(*) FROM items WHERE v <> 1")).isZero();
    assertThat(ledger(target)).isEqualTo(ROWS / 100);
    assertThat(status("handover").fence()).isEqualTo(2);
  }

  private BackfillState state(String name) {
    return status(name).state();
  }

  private BackfillStatus status(String name) {
    return node.backfills().get(name).orElseThrow();
  }

  private static long ledger(DataSource target) {
    return Targets.scalar(target, "SELECT count(*) FROM ledger");
  }

  /** The ledger count once the batch in flight (if any) has committed: unchanged for a while. */
  private long settled(DataSource target) throws InterruptedException {
    long before = -1;
    long now = ledger(target);
    while (now != before) {
      Thread.sleep(200);
      before = now;
      now = ledger(target);
    }
    return now;
  }
}
