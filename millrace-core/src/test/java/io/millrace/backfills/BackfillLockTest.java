package io.millrace.backfills;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Counter;
import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A lock on the target held by someone else is a throttle: the run waits, spends no attempt, keeps
 * its batch size, and finishes once the lock is gone. The lock is held for longer than the batch
 * timeout and longer than attempts × timeout, taken before the run starts (it meets the first
 * start's bound snapshot), early in the run (after the first batch) and mid-run, on PostgreSQL
 * (ACCESS EXCLUSIVE on the table) and SQLite (another writer's exclusive transaction).
 */
@Tag("compat")
class BackfillLockTest {
  static final int ROWS = 3_000;
  static final Duration BATCH_TIMEOUT = Duration.ofMillis(300);
  static final int MAX_ATTEMPTS = 2;
  static final String GATE = "gate: the test is taking its lock";

  TestDatabase db;
  HikariDataSource pgTarget;
  Millrace node;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("backfill_lock");
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

  @ParameterizedTest(name = "{0}, locked after {1} batches")
  @CsvSource({"postgres, 0", "postgres, 1", "postgres, 15", "sqlite, 0", "sqlite, 1", "sqlite, 15"})
  void aLockedTargetWaitsLikeAThrottleAndTheRunFinishesUnharmed(String kind, int after)
      throws Exception {
    boolean postgres = kind.equals("postgres");
    DataSource target;
    if (postgres) {
      pgTarget = Targets.postgres(db.schema(), 4);
      target = pgTarget;
    } else {
      target = Targets.sqlite("lock");
    }
    Ledgered.create(target, postgres, ROWS);
    // 100 keys a batch (the sizer's ceiling), 30 batches of 20 ms each. The gate holds the run
    // after exactly `after` batches until the lock is taken, so the lock lands mid-walk however
    // slowly this test's own thread is scheduled (without it, a loaded machine saw the whole walk
    // finish before the lock was taken).
    AtomicBoolean lockTaken = new AtomicBoolean(after == 0);
    // Once it holds, the gate stops reading the ledger: a read under the test's lock would fail.
    AtomicBoolean atGate = new AtomicBoolean();
    Throttle gate =
        t -> {
          if (lockTaken.get()) {
            return null;
          }
          if (atGate.get() || ledger(target) >= after) {
            atGate.set(true);
            return GATE;
          }
          return null;
        };
    Backfill locked =
        Ledgered.definition("locked", target, "n1", 20)
            .throttle(gate)
            .batchTimeout(BATCH_TIMEOUT)
            .busyTimeout(Duration.ofMillis(150))
            .maxAttempts(MAX_ATTEMPTS)
            .throttleRecheck(Duration.ofMillis(50))
            .build();
    node = db.builder().backfill(locked).build();
    if (after > 0) {
      node.start();
      Await.until(
          "the run waits at the gate after " + after + " batches",
          () -> GATE.equals(node.backfills().get("locked").orElseThrow().throttledBy()));
    }

    try (Connection holder = target.getConnection();
        Statement s = holder.createStatement()) {
      if (postgres) {
        holder.setAutoCommit(false);
        s.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE");
      } else {
        s.execute("BEGIN EXCLUSIVE");
        s.execute("UPDATE ledger SET seq = seq WHERE 0 = 1");
      }
      if (after == 0) {
        node.start();
      }
      long lockedAt = System.nanoTime();
      long atLock = ledger(target);
      assertThat(atLock).isEqualTo(after);
      lockTaken.set(true);
      Await.until(
          "the run shows it waits on a lock",
          Duration.ofSeconds(30),
          () -> {
            String reason = node.backfills().get("locked").orElseThrow().throttledBy();
            return reason != null && reason.contains("lock");
          });
      // Held past several lock waits and past attempts × batch timeout: long enough that treating
      // it as a failure or a slow batch would have failed the run or shrunk its batches.
      Await.until(
          "several lock waits over more than attempts × batch timeout",
          Duration.ofSeconds(30),
          () ->
              busy() >= MAX_ATTEMPTS + 2
                  && System.nanoTime() - lockedAt > 2 * MAX_ATTEMPTS * BATCH_TIMEOUT.toNanos());
      BackfillStatus waiting = node.backfills().get("locked").orElseThrow();
      assertThat(waiting.state()).isEqualTo(BackfillState.RUNNING);
      assertThat(waiting.attempts()).isZero();
      assertThat(ledger(target)).isEqualTo(atLock);
      if (postgres) {
        holder.commit();
      } else {
        s.execute("COMMIT");
      }
    }

    assertThat(node.backfills().awaitFinished("locked", Duration.ofMinutes(1))).isTrue();
    BackfillStatus done = node.backfills().get("locked").orElseThrow();
    assertThat(done.attempts()).isZero();
    assertThat(done.lastError()).isNull();
    assertThat(done.throttledBy()).isNull();
    assertThat(Targets.scalar(target, "SELECT count(*) FROM items WHERE v <> 1")).isZero();
    assertThat(ledger(target)).isEqualTo(ROWS / 100);
    // Never treated as a slow batch: no timeout, and the size is still the ceiling it started at.
    assertThat(count("timeout")).isZero();
    assertThat(
            Targets.scalar(
                target, "SELECT batch_size FROM millrace_backfill_state WHERE name = 'locked'"))
        .isEqualTo(100);
    assertThat(
            node.meters()
                .get("millrace.backfill.throttle.waits")
                .tag("backfill", "locked")
                .counter()
                .count())
        .isGreaterThanOrEqualTo(MAX_ATTEMPTS + 2);
  }

  private double busy() {
    return count("busy");
  }

  private double count(String outcome) {
    Counter c =
        node.meters()
            .find("millrace.backfill.batches")
            .tag("backfill", "locked")
            .tag("outcome", outcome)
            .counter();
    return c == null ? 0 : c.count();
  }

  private static long ledger(DataSource target) {
    return Targets.scalar(target, "SELECT count(*) FROM ledger");
  }
}
