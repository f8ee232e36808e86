package io.millrace.backfills;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The migration that motivated backfills, at the size that hurt: 200,000 transmissions with sparse
 * keys and 2,000,000 observations, 20% of transmissions without any. Backfilling {@code last_seen =
 * max(observations.timestamp) where last_seen = 0} terminates, leaves rows without observations
 * (and rows the filter excludes) as they were, and produces exactly what the one-shot UPDATE
 * produces on a copy — on PostgreSQL and on SQLite.
 */
@Tag("slow")
class BackfillAcceptanceTest {
  static final int TRANSMISSIONS = 200_000;
  static final int OBSERVATIONS = 2_000_000;

  TestDatabase db;
  HikariDataSource pgTarget;
  Millrace node;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("backfill_accept");
    db.migratedClient();
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

  @Test
  void postgresTargetMatchesTheOneShotUpdate() throws Exception {
    db.execute("CREATE SCHEMA IF NOT EXISTS {schema}");
    pgTarget = Targets.postgres(db.schema(), 4);
    runAndCompare(pgTarget, true);
  }

  @Test
  void sqliteTargetMatchesTheOneShotUpdate() throws Exception {
    runAndCompare(Targets.sqlite("accept"), false);
  }

  private void runAndCompare(DataSource target, boolean postgres) throws Exception {
    Transmissions.create(target, postgres, TRANSMISSIONS, OBSERVATIONS);
    Transmissions.oneShotCopy(target);
    long untouchedBefore =
        Targets.scalar(
            target,
            "SELECT count(*) FROM transmissions t"
                + " WHERE NOT EXISTS (SELECT 1 FROM observations o WHERE o.transmission_id = t.id)");
    assertThat(untouchedBefore).isEqualTo(TRANSMISSIONS / 5);

    node =
        db.builder()
            .backfill(
                Transmissions.definition("last-seen", target)
                    .yieldBetweenBatches(Duration.ZERO)
                    .build())
            .build();
    node.start();
    assertThat(node.backfills().awaitFinished("last-seen", Duration.ofMinutes(3))).isTrue();

    // Exactly the one-shot result, row by row.
    assertThat(Targets.scalar(target, "SELECT count(*) FROM transmissions"))
        .isEqualTo(TRANSMISSIONS);
    assertThat(
            Targets.scalar(
                target,
                "SELECT count(*) FROM transmissions t JOIN expected e ON e.id = t.id"
                    + " WHERE e.last_seen <> t.last_seen"))
        .isZero();
    // Rows without observations kept their value; rows outside the filter too.
    assertThat(
            Targets.scalar(
                target,
                "SELECT count(*) FROM transmissions t WHERE last_seen = 0"
                    + " AND NOT EXISTS (SELECT 1 FROM observations o WHERE o.transmission_id = t.id)"))
        .isEqualTo(TRANSMISSIONS / 5);
    assertThat(Targets.scalar(target, "SELECT count(*) FROM transmissions WHERE last_seen = 42"))
        .isEqualTo(TRANSMISSIONS / 10);
    assertThat(Targets.scalar(target, "SELECT count(*) FROM transmissions WHERE last_seen = 0"))
        .isEqualTo(Targets.scalar(target, "SELECT count(*) FROM expected WHERE last_seen = 0"));

    BackfillStatus status = node.backfills().get("last-seen").orElseThrow();
    assertThat(status.state()).isEqualTo(BackfillState.SUCCEEDED);
    assertThat(status.target()).isEqualTo(postgres ? "postgresql" : "sqlite");
    assertThat(status.upperBound()).isEqualTo(Long.toString(7L * TRANSMISSIONS));
    // Every key walked once; the body changed exactly the rows that have observations and last_seen
    // 0.
    long changed =
        TRANSMISSIONS - TRANSMISSIONS / 5 - TRANSMISSIONS / 10; // i % 10 = 3 never has i % 5 = 0
    assertThat(
            Targets.scalar(
                target,
                "SELECT rows_processed FROM millrace_backfill_state WHERE name = 'last-seen'"))
        .isEqualTo(TRANSMISSIONS);
    assertThat(
            Targets.scalar(
                target,
                "SELECT rows_affected FROM millrace_backfill_state WHERE name = 'last-seen'"))
        .isEqualTo(changed);
    assertThat(
            Targets.scalar(
                target, "SELECT finished FROM millrace_backfill_state WHERE name = 'last-seen'"))
        .isEqualTo(1);
    assertThat(
            Targets.scalar(
                target, "SELECT batches FROM millrace_backfill_state WHERE name = 'last-seen'"))
        .isGreaterThan(5);
    assertThat(node.backfills().isFinished("last-seen")).isTrue();
  }
}
