package io.millrace.backfills;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.LongStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Progress as an operator sees it (the registry's mirror, sampled before every batch from inside
 * the batch) on key sets where key-space arithmetic lies: two dense clusters 10^12 apart, and keys
 * at both ends of the bigint range. Real PostgreSQL and SQLite targets.
 */
class BackfillProgressTest {
  TestDatabase db;
  HikariDataSource pgTarget;
  Millrace node;

  /** The mirror as the batch about to run sees it. */
  record Sample(long processed, Long total, Double percent, Double eta) {}

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("backfill_progress");
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
    return Targets.sqlite("progress");
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgres", "sqlite"})
  void sparseKeysKeepTheTotalNearTheRowCountAndTheEtaSane(String kind) throws Exception {
    DataSource target = target(kind);
    long far = 1_000_000_000_000L;
    insertKeys(
        target,
        LongStream.concat(LongStream.rangeClosed(1, 1000), LongStream.rangeClosed(far, far + 1000))
            .toArray());
    List<Sample> samples = run(target, 50);

    assertThat(samples).hasSizeGreaterThanOrEqualTo(2001 / 50 - 1);
    for (Sample s : samples) {
      assertThat(s.total()).as("total at %s", s).isNotNull().isBetween(2001L / 2, 2001L * 2);
      assertThat(s.percent()).as("percent at %s", s).isNotNull().isBetween(0.0, 99.95);
      if (s.eta() != null) {
        // The run takes seconds; the ETA of the old key-span total was 10^7–10^8 s.
        assertThat(s.eta()).as("ETA at %s", s).isBetween(0.0, 300.0);
      }
    }
    assertDone(2001);
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgres", "sqlite"})
  void keysAtBothEndsOfTheBigintRangeNeverOverflowTheProgress(String kind) throws Exception {
    DataSource target = target(kind);
    long[] keys =
        LongStream.concat(
                LongStream.concat(
                    LongStream.rangeClosed(Long.MIN_VALUE, Long.MIN_VALUE + 99),
                    LongStream.rangeClosed(-50, 49)),
                LongStream.rangeClosed(Long.MAX_VALUE - 99, Long.MAX_VALUE))
            .toArray();
    insertKeys(target, keys);
    List<Sample> samples = run(target, 10);

    assertThat(samples).hasSizeGreaterThanOrEqualTo(300 / 10 - 1);
    double previous = 0;
    for (Sample s : samples) {
      assertThat(s.total()).as("total at %s", s).isNotNull().isBetween(150L, 600L);
      assertThat(s.percent()).as("percent at %s", s).isNotNull().isBetween(previous, 99.95);
      previous = s.percent();
    }
    assertDone(300);
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgres", "sqlite"})
  void aFailingFirstBatchSaysSoInsteadOfNamingANullKey(String kind) throws Exception {
    DataSource target = target(kind);
    Ledgered.create(target, kind.equals("postgres"), 100);
    node =
        db.builder()
            .backfill(
                Backfill.builder("first-fails")
                    .target(target)
                    .table("items")
                    .key("id")
                    .maxAttempts(1)
                    .sql("UPDATE items SET v = v + 1000 WHERE {range}") // breaks CHECK (v < 100)
                    .build())
            .build();
    node.start();
    Await.until(
        "the backfill fails",
        () -> node.backfills().get("first-fails").orElseThrow().state() == BackfillState.FAILED);
    String error = node.backfills().get("first-fails").orElseThrow().lastError();
    assertThat(error)
        .contains("first batch")
        .contains("before the first key")
        .containsIgnoringCase("check")
        .doesNotContain("null");
  }

  /** Runs a backfill of fixed {@code size} keys a batch, sampling the mirror before each batch. */
  private List<Sample> run(DataSource target, int size) throws Exception {
    List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    node =
        db.builder()
            .backfill(
                Backfill.builder("walk")
                    .target(target)
                    .table("keyed")
                    .key("id")
                    .initialBatchSize(size)
                    .maxBatchSize(size)
                    .targetBatchTime(Duration.ofSeconds(10))
                    .yieldBetweenBatches(Duration.ofMillis(5))
                    .batch(
                        (c, range) -> {
                          BackfillStatus s = node.backfills().get("walk").orElseThrow();
                          if (s.batches() > 0) {
                            samples.add(
                                new Sample(
                                    s.rowsProcessed(), s.rowsTotal(), s.percent(), s.etaSeconds()));
                          }
                          try (PreparedStatement ps =
                              c.prepareStatement(
                                  "UPDATE keyed SET n = n + 1 WHERE " + range.predicate())) {
                            range.bind(ps, 1);
                            return ps.executeUpdate();
                          }
                        })
                    .build())
            .build();
    node.start();
    assertThat(node.backfills().awaitFinished("walk", Duration.ofMinutes(1))).isTrue();
    assertThat(Targets.scalar(target, "SELECT count(*) FROM keyed WHERE n <> 1")).isZero();
    return samples;
  }

  private void assertDone(long rows) {
    BackfillStatus done = node.backfills().get("walk").orElseThrow();
    assertThat(done.rowsProcessed()).isEqualTo(rows);
    assertThat(done.percent()).isEqualTo(100.0);
  }

  private static void insertKeys(DataSource target, long[] keys) throws Exception {
    try (Connection c = target.getConnection()) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE keyed (id bigint PRIMARY KEY, n integer NOT NULL)");
      }
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO keyed VALUES (?, 0)")) {
        for (long k : keys) {
          ps.setLong(1, k);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      c.commit();
      c.setAutoCommit(true);
    }
  }
}
