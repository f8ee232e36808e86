package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** History lives in day partitions per state; retention drops whole partitions. */
@Tag("compat")
class HistoryRetentionTest {
  static TestDatabase db;
  static Millrace client;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("retention");
    client = db.migratedClient();
  }

  @AfterAll
  static void stop() {
    client.close();
    db.close();
  }

  private static void insertHistory(long id, String state, Instant finishedAt) {
    db.execute(
        "INSERT INTO {schema}.job_history (id, queue, kind, args, state, priority, attempt, max_attempts,"
            + " tags, errors, created_at, finished_at) VALUES ("
            + id
            + ", 'q', 'k', '{}', '"
            + state
            + "', 0, 1, 1,"
            + " '{}', '[]', '"
            + finishedAt
            + "', '"
            + finishedAt
            + "')");
  }

  @Test
  void dropsExpiredDayPartitionsAndPrunesDefaultPartitions() throws Exception {
    Instant now = Instant.now();
    HistoryRetention retention =
        new HistoryRetention(
            db.dataSource(),
            client.schema(),
            Map.of(
                JobState.COMPLETED, Duration.ofDays(1),
                JobState.FAILED, Duration.ofDays(7),
                JobState.CANCELLED, Duration.ofDays(7)));
    // Today and three days ahead for each of the four finished states (skipped: kept like
    // cancelled).
    assertThat(retention.ensurePartitions(now)).isEqualTo(16);
    assertThat(retention.ensurePartitions(now)).isZero();

    // An old day partition, as if created ten days ago, holding a completed job of that day.
    LocalDate old = LocalDate.ofInstant(now, ZoneOffset.UTC).minusDays(10);
    db.execute(
        "CREATE TABLE {schema}."
            + HistoryRetention.partitionName(JobState.COMPLETED, old)
            + " PARTITION OF {schema}.job_history_completed FOR VALUES FROM ('"
            + old
            + " 00:00+00') TO ('"
            + old.plusDays(1)
            + " 00:00+00')");
    insertHistory(1, "completed", old.atTime(12, 0).toInstant(ZoneOffset.UTC));
    // Rows with no day partition land in the default partition: one expired, one within retention.
    insertHistory(2, "failed", now.minus(30, ChronoUnit.DAYS));
    insertHistory(3, "failed", now.minus(3, ChronoUnit.DAYS));
    // Today's rows stay.
    insertHistory(4, "completed", now);
    insertHistory(5, "cancelled", now);

    assertThat(retention.enforce(now)).isEqualTo(1);
    assertThat(retention.partitions())
        .doesNotContain(HistoryRetention.partitionName(JobState.COMPLETED, old));
    assertThat(db.count("FROM {schema}.job_history WHERE id < 100")).isEqualTo(3);
    assertThat(db.count("FROM {schema}.job_history WHERE id IN (3, 4, 5)")).isEqualTo(3);
    assertThat(
            db.count(
                "FROM {schema}.job_history_completed_p"
                    + LocalDate.ofInstant(now, ZoneOffset.UTC).toString().replace("-", "")
                    + " WHERE id = 4"))
        .isEqualTo(1);

    // Idempotent: a second run changes nothing.
    assertThat(retention.enforce(now)).isZero();
    assertThat(db.count("FROM {schema}.job_history WHERE id < 100")).isEqualTo(3);
  }

  @Test
  void rowsOfADayInTheDefaultPartitionMoveIntoItsNewPartition() throws Exception {
    Instant now = Instant.now();
    HistoryRetention retention =
        new HistoryRetention(
            db.dataSource(),
            client.schema(),
            Map.of(
                JobState.COMPLETED,
                Duration.ofDays(1),
                JobState.FAILED,
                Duration.ofDays(7),
                JobState.CANCELLED,
                Duration.ofDays(7)));
    retention.ensurePartitions(now);
    // Five days ahead has no partition yet: these rows land in the default partition.
    Instant later = now.plus(5, ChronoUnit.DAYS);
    insertHistory(100, "failed", later);
    insertHistory(101, "failed", later);
    assertThat(db.count("FROM {schema}.job_history_failed_default WHERE id IN (100, 101)"))
        .isEqualTo(2);

    // The leader comes round when that day is within reach: the day gets its partition anyway.
    retention.ensurePartitions(later);
    String partition =
        HistoryRetention.partitionName(JobState.FAILED, LocalDate.ofInstant(later, ZoneOffset.UTC));
    assertThat(retention.partitions()).contains(partition);
    assertThat(db.count("FROM {schema}." + partition + " WHERE id IN (100, 101)")).isEqualTo(2);
    assertThat(db.count("FROM {schema}.job_history_failed_default WHERE id IN (100, 101)"))
        .isZero();
    assertThat(db.count("FROM {schema}.job_history WHERE id IN (100, 101)")).isEqualTo(2);
  }
}
