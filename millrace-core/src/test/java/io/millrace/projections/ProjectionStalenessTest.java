package io.millrace.projections;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.millrace.Millrace;
import io.millrace.health.Readiness;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A write transaction held open in this database keeps committed events unreadable: within the
 * staleness budget the projection stays ready (the horizon age shows the wait); past it, {@code
 * /ready} and the query status say {@code stale} with the age and the holding transaction, on the
 * node that runs it and on one that does not; once the transaction ends it is ready again.
 */
class ProjectionStalenessTest {
  TestDatabase db;
  Millrace client;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("stale");
    client = db.migratedClient();
    Tally.createTables(db);
  }

  @AfterEach
  void tearDown() {
    client.close();
    db.close();
  }

  @Test
  void aHorizonHeldPastTheBudgetTurnsReadyAndQueriesToStaleUntilItMoves() throws Exception {
    Millrace runner =
        db.builder()
            .nodeId("runner")
            .projection(
                Tally.projection(db, "held", "1")
                    .required()
                    .stalenessBudget(Duration.ofSeconds(1))
                    .build())
            .build();
    Millrace other =
        db.builder()
            .nodeId("other")
            .projection(
                Tally.projection(db, "held", "1")
                    .required()
                    .stalenessBudget(Duration.ofSeconds(1))
                    .build())
            .build();
    runner.start();
    try {
      Tally.append(client.events(), 5, 1);
      Await.until("caught up", () -> runner.readiness().report().ready());
      other.start();
      Await.until("the other node sees it ready", () -> other.readiness().report().ready());
      try (Connection holder = db.dataSource().getConnection()) {
        holder.setAutoCommit(false);
        long holderXid = ReadHorizonTest.xid(holder);
        Tally.append(client.events(), 3, 1);
        Await.until(
            "the runner reports the projection stale", () -> !runner.readiness().report().ready());
        Readiness.Status status = check(runner);
        assertThat(status.message()).contains("stale").contains("over its staleness budget of 1 s");
        assertThat(status.details())
            .containsEntry("status", "stale")
            .containsEntry("stalenessBudgetSeconds", 1L)
            .containsKey("heldSeconds")
            .containsEntry("heldBy", "pid " + pid(holder));
        assertThat(runner.projections().queryStatus("held")).isEqualTo(QueryStatus.STALE);
        assertThat(client.projections().queryStatus("held")).isEqualTo(QueryStatus.STALE);
        Await.until("the standby node says stale too", () -> !other.readiness().report().ready());
        assertThat(check(other).details()).containsEntry("status", "stale");
        assertThat(horizonAge(runner)).isGreaterThan(1.0);
        assertThat(Tally.appliedRows(db, "held")).isEqualTo(5);
        assertThat(holderXid).isPositive();
        holder.rollback();
      }
      Await.until("ready again", () -> runner.readiness().report().ready());
      assertThat(runner.projections().queryStatus("held")).isEqualTo(QueryStatus.READY);
      Await.until("the standby ready again", () -> other.readiness().report().ready());
      assertThat(Tally.appliedRows(db, "held")).isEqualTo(8);
      assertThat(horizonAge(runner)).isZero();
      assertThat(db.count("FROM {schema}.projections WHERE held_since IS NOT NULL")).isZero();
    } finally {
      other.close();
      runner.close();
    }
  }

  @Test
  void aHoldWithinTheBudgetLeavesItReadyWhileTheHorizonAgeShowsTheWait() throws Exception {
    Millrace runner =
        db.builder().projection(Tally.projection(db, "patient", "1").required().build()).build();
    runner.start();
    try {
      Await.until("caught up", () -> runner.readiness().report().ready());
      try (Connection holder = db.dataSource().getConnection()) {
        holder.setAutoCommit(false);
        ReadHorizonTest.xid(holder);
        Tally.append(client.events(), 2, 1);
        Await.until("the wait is measured", () -> horizonAge(runner) > 0);
        Await.until(
            "the hold is recorded for every node",
            () -> db.count("FROM {schema}.projections WHERE held_since IS NOT NULL") == 1);
        assertThat(runner.readiness().report().ready()).isTrue();
        assertThat(runner.projections().queryStatus("patient")).isEqualTo(QueryStatus.READY);
        holder.commit();
      }
      Await.until("applied", () -> Tally.appliedRows(db, "patient") == 2);
      Await.until("the wait is over", () -> horizonAge(runner) == 0);
    } finally {
      runner.close();
    }
  }

  private static Readiness.Status check(Millrace node) {
    Optional<Readiness.Status> s =
        node.readiness().report().checks().stream()
            .filter(c -> c.name().startsWith("projection:"))
            .findFirst();
    return s.orElseThrow();
  }

  private static double horizonAge(Millrace node) {
    Gauge g = node.meters().find("millrace.projection.horizon.age").gauge();
    return g == null ? -1 : g.value();
  }

  private static int pid(Connection c) throws java.sql.SQLException {
    return c.unwrap(org.postgresql.PGConnection.class).getBackendPID();
  }
}
