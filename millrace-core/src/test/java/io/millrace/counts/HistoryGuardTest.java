package io.millrace.counts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.Millrace;
import io.millrace.base.MillraceException;
import io.millrace.jobs.JobRequest;
import io.millrace.jobs.JobState;
import io.millrace.jobs.JobsTestAccess;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * No read that calls itself exact serves totals that no longer describe history: a deleted control
 * row, and history deleted, truncated, re-labelled or inserted behind Millrace's back, clear the
 * trust marker (in the same transaction) so exact reads scan; Millrace's own removals (retention,
 * retry of a finished job) leave it set.
 */
@Tag("compat")
class HistoryGuardTest {
  private TestDatabase db;
  private Millrace client;
  private Counts counts;

  @BeforeEach
  void migrate() {
    db = TestDatabase.create("history_guard");
    client = db.migratedClient();
    counts = client.counts();
  }

  @AfterEach
  void close() {
    client.close();
    db.close();
  }

  /** n jobs of the queue, finished (cancelled while they wait), counted by their own statements. */
  private void finish(String queue, int n) {
    for (int i = 0; i < n; i++) {
      long id =
          client.enqueue(JobRequest.of("k", Map.of()).queue(queue).delay(Duration.ofHours(1))).id();
      client.admin().cancel(id);
    }
  }

  private long cancelled(CountsReport report, String queue) {
    return report.queues().stream()
        .filter(q -> q.queue().equals(queue))
        .findFirst()
        .orElseThrow()
        .cancelled();
  }

  /** The truth: history plus the rollup of dropped history. */
  private long truth(String queue) {
    return db.count("FROM {schema}.job_history WHERE queue = '" + queue + "'")
        + Long.parseLong(
            db.column(
                    "SELECT coalesce(sum(n), 0) FROM {schema}.job_count_rollup WHERE queue = '"
                        + queue
                        + "'")
                .get(0));
  }

  private void assertExactIsTheTruth(String queue) {
    CountsReport exact = counts.exact(List.of(queue));
    assertThat(cancelled(exact, queue)).isEqualTo(truth(queue));
    assertThat(exact.accuracy()).isEqualTo(Accuracy.EXACT);
  }

  private JobsTestAccess.Retention retention() {
    return new JobsTestAccess.Retention(
        db.dataSource(),
        client.schema(),
        Map.of(
            JobState.COMPLETED, Duration.ZERO,
            JobState.FAILED, Duration.ZERO,
            JobState.CANCELLED, Duration.ZERO));
  }

  @Test
  void aDeletedControlRowIsRecreatedUntrustedAndExactReadsStayExact() {
    finish("c", 3);
    db.execute("DELETE FROM {schema}.control");

    CountsReport exact = counts.exact(List.of("c"));
    assertThat(exact.fromCounters()).isFalse();
    assertThat(cancelled(exact, "c")).isEqualTo(3);
    assertThat(db.count("FROM {schema}.control")).isEqualTo(1);
    Trust trust = counts.trust();
    assertThat(trust.trusted()).isFalse();
    assertThat(trust.untrustedBecause()).contains("control row");
    assertThat(counts.fast(List.of("c")).accuracy()).isEqualTo(Accuracy.ESTIMATE);

    Trust rebuilt = counts.rebuild();
    assertThat(rebuilt.trusted()).isTrue();
    assertThat(rebuilt.markedAt()).isNotNull();
    assertThat(rebuilt.untrustedBecause()).isNull();
    CountsReport trusted = counts.exact(List.of("c"));
    assertThat(trusted.fromCounters()).isTrue();
    assertThat(cancelled(trusted, "c")).isEqualTo(3);
  }

  @Test
  void rebuildRecreatesAMissingControlRowAndSetsTheMarker() {
    finish("r", 2);
    db.execute("DELETE FROM {schema}.control");
    assertThat(counts.rebuild().trusted()).isTrue();
    assertThat(db.count("FROM {schema}.control WHERE counters_trusted")).isEqualTo(1);
    assertThat(counts.verify(false)).isEmpty();
  }

  @Test
  void rebuildFailsRatherThanReportSuccessWhenTheMarkerDoesNotStick() {
    finish("s", 1);
    db.execute("UPDATE {schema}.control SET counters_trusted = false");
    // Something outside Millrace refuses the marker: rebuild must say so, not claim success.
    db.execute(
        "CREATE FUNCTION {schema}.refuse_marker() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN NEW.counters_trusted := false; RETURN NEW; END $$");
    db.execute(
        "CREATE TRIGGER refuse_marker BEFORE UPDATE ON {schema}.control"
            + " FOR EACH ROW EXECUTE FUNCTION {schema}.refuse_marker()");
    assertThatThrownBy(counts::rebuild)
        .isInstanceOf(MillraceException.class)
        .hasMessageContaining("trust marker");
    assertThat(counts.trusted()).isFalse();
  }

  @Test
  void aHandTruncateClearsTheMarkerInItsOwnTransaction() throws Exception {
    finish("t", 4);
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("TRUNCATE \"" + db.schema() + "\".job_history");
      try (ResultSet rs =
          s.executeQuery("SELECT counters_trusted FROM \"" + db.schema() + "\".control")) {
        rs.next();
        assertThat(rs.getBoolean(1)).as("cleared inside the truncating transaction").isFalse();
      }
      c.rollback();
    }
    assertThat(counts.trusted()).as("rolled back with the truncate").isTrue();
    assertThat(cancelled(counts.exact(List.of("t")), "t")).isEqualTo(4);

    db.execute("TRUNCATE {schema}.job_history_cancelled_default");
    Trust trust = counts.trust();
    assertThat(trust.trusted()).isFalse();
    assertThat(trust.untrustedBecause()).contains("TRUNCATE");
    CountsReport exact = counts.exact(List.of("t"));
    assertThat(exact.fromCounters()).isFalse();
    assertThat(cancelled(exact, "t")).isZero();
    assertExactIsTheTruth("t");
  }

  @Test
  void aHandDeleteOfSomeRowsClearsTheMarkerAndADeleteOfNoneDoesNot() {
    finish("d", 5);
    db.execute("DELETE FROM {schema}.job_history WHERE id = -42");
    assertThat(counts.trusted()).isTrue();

    db.execute(
        "DELETE FROM {schema}.job_history WHERE id IN"
            + " (SELECT id FROM {schema}.job_history ORDER BY id LIMIT 2)");
    assertThat(counts.trust().untrustedBecause()).contains("DELETE on job_history");
    assertThat(cancelled(counts.exact(List.of("d")), "d")).isEqualTo(3);
    assertExactIsTheTruth("d");
  }

  @Test
  void partitionsCreatedLaterAreGuardedToo() throws Exception {
    finish("p", 2); // into the default partition: no day partition exists yet
    JobsTestAccess.Retention retention = retention();
    retention.ensurePartitions(Instant.now()); // moves those rows into today's new partition
    assertThat(counts.trusted()).as("retention's move is its own").isTrue();
    finish("p", 3);
    String today =
        "job_history_cancelled_p"
            + LocalDate.now(ZoneOffset.UTC)
                .format(java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
    assertThat(retention.partitions()).contains(today);
    assertThat(db.count("FROM {schema}." + today)).isEqualTo(5);

    db.execute(
        "DELETE FROM {schema}."
            + today
            + " WHERE id = (SELECT min(id) FROM {schema}."
            + today
            + ")");
    assertThat(counts.trust().untrustedBecause()).contains(today);
    assertThat(cancelled(counts.exact(List.of("p")), "p")).isEqualTo(4);
    assertExactIsTheTruth("p");
  }

  @Test
  void retentionAndRetryKeepTheMarkerAndTheCountsExact() throws Exception {
    finish("k", 2);
    // Aged in place (no queue or state changes, so no drift): these stay in the default partition,
    // which no day partition will ever relieve, and age out by retention's row-by-row prune.
    db.execute("UPDATE {schema}.job_history SET finished_at = now() - interval '10 days'");
    assertThat(counts.trusted()).isTrue();
    finish("k", 3);
    JobsTestAccess.Retention retention = retention();
    retention.ensurePartitions(Instant.now()); // moves today's 3 into a new day partition
    finish("k", 3);
    long retried = Long.parseLong(db.column("SELECT max(id) FROM {schema}.job_history").get(0));
    client.admin().retry(retried);
    assertThat(counts.trusted()).as("a retry counts its own removal").isTrue();

    retention.enforce(Instant.now().plus(Duration.ofDays(2)));
    assertThat(db.count("FROM {schema}.job_history")).isZero();
    assertThat(counts.trusted()).as("retention's drops and prunes are its own").isTrue();
    CountsReport exact = counts.exact(List.of("k"));
    assertThat(exact.fromCounters()).isTrue();
    assertThat(cancelled(exact, "k")).isEqualTo(7);
    assertThat(counts.verify(false)).isEmpty();
  }

  @Test
  void aHandUpdateClearsTheMarkerOnlyIfItMovesRowsBetweenQueuesOrStates() {
    finish("u", 3);
    db.execute("UPDATE {schema}.job_history SET args = '{\"note\": 1}'");
    assertThat(counts.trusted()).isTrue();
    db.execute(
        "UPDATE {schema}.job_history SET queue = 'elsewhere'"
            + " WHERE id = (SELECT min(id) FROM {schema}.job_history)");
    assertThat(counts.trust().untrustedBecause()).contains("UPDATE");
    assertThat(cancelled(counts.exact(List.of("u")), "u")).isEqualTo(2);
    assertExactIsTheTruth("u");
    assertExactIsTheTruth("elsewhere");
  }

  @Test
  void aHandInsertIntoAPartitionClearsTheMarker() {
    finish("i", 1);
    db.execute(
        "INSERT INTO {schema}.job_history_cancelled_default SELECT * FROM {schema}.job_history");
    assertThat(counts.trust().untrustedBecause()).contains("INSERT");
    assertThat(cancelled(counts.exact(List.of("i")), "i")).isEqualTo(2);
  }

  @Test
  void aPartitionAttachedByHandWithRowsIsGuardedAndClearsTheMarker() throws Exception {
    finish("a", 1);
    db.execute(
        "CREATE TABLE {schema}.restored (LIKE {schema}.job_history_cancelled INCLUDING DEFAULTS"
            + " INCLUDING CONSTRAINTS)");
    db.execute(
        "INSERT INTO {schema}.restored SELECT id + 1000, queue, kind, args, state, priority,"
            + " attempt, max_attempts, unique_key, tags, result, errors, created_at,"
            + " '2001-01-01 12:00:00+00' FROM {schema}.job_history");
    db.execute(
        "ALTER TABLE {schema}.job_history_cancelled ATTACH PARTITION {schema}.restored"
            + " FOR VALUES FROM ('2001-01-01 00:00:00+00') TO ('2001-01-02 00:00:00+00')");
    retention().ensurePartitions(Instant.now()); // the leader's pass guards it
    assertThat(counts.trust().untrustedBecause()).contains("restored");
    assertThat(cancelled(counts.exact(List.of("a")), "a")).isEqualTo(2);

    counts.rebuild();
    db.execute("DELETE FROM {schema}.restored");
    assertThat(counts.trusted()).as("the attached partition is guarded now").isFalse();
    assertExactIsTheTruth("a");
  }

  @Test
  void aFastReadOfUntrustedCountersIsAnEstimateThatCanExceedTheTruth() {
    finish("f", 5);
    CountsReport trustedFast = counts.fast(List.of("f"));
    assertThat(trustedFast.accuracy()).isEqualTo(Accuracy.EXACT);
    assertThat(trustedFast.note()).startsWith("exact");

    db.execute(
        "DELETE FROM {schema}.job_history WHERE id IN"
            + " (SELECT id FROM {schema}.job_history ORDER BY id LIMIT 3)");
    CountsReport fast = counts.fast(List.of("f"));
    CountsReport exact = counts.exact(List.of("f"));
    // Not a lower bound: the counters still hold the deleted rows.
    assertThat(cancelled(fast, "f")).isEqualTo(5).isGreaterThan(cancelled(exact, "f"));
    assertThat(cancelled(exact, "f")).isEqualTo(2);
    assertThat(fast.accuracy()).isEqualTo(Accuracy.ESTIMATE);
    assertThat(fast.note())
        .startsWith("estimate, untrusted")
        .contains("above or below")
        .contains("verify-counters");
    assertThat(exact.accuracy()).isEqualTo(Accuracy.EXACT);
    assertThat(exact.note()).contains("scan of history");
    assertThat(client.queues(false).accuracy()).isEqualTo(Accuracy.ESTIMATE);
  }
}
