package io.millrace.projections;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.PreparedStatement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A runner killed before, during and after a page write: the thread dies where the fault point
 * throws, without releasing its lease or doing anything else. Another node takes the lease when it
 * expires and must end with every event counted exactly once, having replayed only what the dead
 * runner had not committed.
 */
class CrashConvergenceTest {
  static final int EVENTS = 500;
  static final int PAGE = 50;
  static final int CRASH_AT_PAGE = 3;

  /** Stands for the process dying at the fault point: an Error the runner does not catch. */
  static final class Crash extends Error {
    private static final long serialVersionUID = 1L;

    Crash(String where) {
      super("simulated crash " + where);
    }
  }

  TestDatabase db;
  Millrace client;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("crash");
    client = db.migratedClient();
    Tally.createTables(db);
    Tally.append(client.events(), EVENTS, 5);
  }

  @AfterEach
  void tearDown() {
    client.close();
    db.close();
  }

  @ParameterizedTest
  @EnumSource(FaultPoints.Point.class)
  void aRunnerKilledAtAFaultPointLeavesStateThatTheNextOneCompletesExactly(
      FaultPoints.Point point) {
    AtomicInteger pages = new AtomicInteger();
    FaultPoints crash =
        (at, end) -> {
          if (at == point && pages.incrementAndGet() == CRASH_AT_PAGE) {
            throw new Crash(at + " of page " + CRASH_AT_PAGE);
          }
        };
    Millrace doomed =
        db.builder()
            .nodeId("doomed")
            .projection(Tally.projection(db, "p", "1").pageSize(PAGE).faults(crash).build())
            .build();
    doomed.start();
    Await.until("the crash", () -> pages.get() >= CRASH_AT_PAGE);
    // Pages committed before the crash: two, plus the crashing one when it died after its commit.
    long committed =
        (CRASH_AT_PAGE - (point == FaultPoints.Point.AFTER_COMMIT ? 0 : 1)) * (long) PAGE;
    Await.until("the dead runner's state is settled", () -> Tally.total(db, "p") == committed);
    assertThat(db.column("SELECT lease_owner FROM {schema}.projections")).containsExactly("doomed");
    doomed.close();

    Millrace survivor =
        db.builder()
            .nodeId("survivor")
            .projection(Tally.projection(db, "p", "1").pageSize(PAGE).build())
            .build();
    try {
      survivor.start();
      Await.until(
          "the survivor catches up",
          () ->
              "ready".equals(Tally.status(db, "p"))
                  && "survivor"
                      .equals(db.column("SELECT lease_owner FROM {schema}.projections").get(0)));
      assertThat(Tally.total(db, "p")).isEqualTo(EVENTS);
      assertThat(Tally.appliedRows(db, "p")).isEqualTo(EVENTS);
      assertThat(Tally.missing(db, "p")).isZero();
      assertThat(
              survivor
                  .meters()
                  .get("millrace.projection.events.replayed")
                  .tag("projection", "p")
                  .counter()
                  .count())
          .isEqualTo(EVENTS - committed);
    } finally {
      survivor.close();
    }
  }

  /** The page's own database session is killed mid-transaction: the runner retries the page. */
  @Test
  void aPageWhoseConnectionIsKilledMidWriteIsAppliedOnceOnRetry() {
    AtomicInteger kills = new AtomicInteger();
    Tally tally = new Tally("k", db.schema());
    Millrace node =
        db.builder()
            .projection(
                Projection.named("k")
                    .version("1")
                    .pageSize(PAGE)
                    .handler(
                        (e, ctx) -> {
                          tally.apply(e, ctx);
                          if (e.position() % 170 == 0 && kills.incrementAndGet() <= 2) {
                            try (PreparedStatement ps =
                                ctx.connection()
                                    .prepareStatement(
                                        "SELECT pg_terminate_backend(pg_backend_pid())")) {
                              ps.execute();
                            }
                          }
                        })
                    .build())
            .build();
    try {
      node.start();
      Await.until("ready", () -> "ready".equals(Tally.status(db, "k")));
      assertThat(kills.get()).isGreaterThanOrEqualTo(2);
      assertThat(Tally.total(db, "k")).isEqualTo(EVENTS);
      assertThat(Tally.appliedRows(db, "k")).isEqualTo(EVENTS);
    } finally {
      node.close();
    }
  }
}
