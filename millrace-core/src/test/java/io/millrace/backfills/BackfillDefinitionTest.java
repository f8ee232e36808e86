package io.millrace.backfills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.Millrace;
import io.millrace.base.ValidationException;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteDataSource;

/** Bad definitions fail at build time, naming the setting; the adaptive size obeys its bounds. */
class BackfillDefinitionTest {
  final DataSource ds = new SQLiteDataSource();

  @Test
  void identifiersAndBodiesAreValidated() {
    assertField(() -> Backfill.builder("bad name!"), "name");
    assertField(() -> Backfill.builder("b").table("t; DROP TABLE x"), "table");
    assertField(() -> Backfill.builder("b").table("Transmissions"), "table");
    assertField(() -> Backfill.builder("b").table("a.b.c"), "table");
    assertField(() -> Backfill.builder("b").key("id\""), "key");
    assertField(() -> Backfill.builder("b").key("s.id"), "key");
    assertField(() -> Backfill.builder("b").stateTable("x-y"), "stateTable");
    assertField(() -> Backfill.builder("b").sql("UPDATE t SET x = 1"), "sql");
    assertField(() -> Backfill.builder("b").sql("UPDATE t SET x = ? WHERE {range}"), "sql");
    assertField(() -> Backfill.builder("b").filter("x = 1; DELETE FROM t"), "filter");
    assertField(() -> Backfill.builder("b").targetBatchTime(Duration.ZERO), "targetBatchTime");
    assertField(() -> Backfill.builder("b").maxAttempts(0), "maxAttempts");
    assertField(
        () ->
            Backfill.builder("b")
                .table("t")
                .key("id")
                .sql("UPDATE t SET x = 1 WHERE {range}")
                .build(),
        "target");
    assertField(() -> Backfill.builder("b").target(ds).table("t").key("id").build(), "sql");
    assertField(
        () ->
            Backfill.builder("b")
                .target(ds)
                .table("t")
                .key("id")
                .sql("UPDATE t SET x = 1 WHERE {range}")
                .batch((c, r) -> 0)
                .build(),
        "sql");
    assertField(
        () ->
            Backfill.builder("b")
                .target(ds)
                .table("t")
                .key("id")
                .sql("UPDATE t SET x = 1 WHERE {range}")
                .initialBatchSize(10)
                .maxBatchSize(5)
                .build(),
        "initialBatchSize");
    Backfill ok =
        Backfill.builder("b")
            .target(ds)
            .table("app.t")
            .key("id")
            .sql("UPDATE t SET x = 1 WHERE {range}")
            .build();
    assertField(() -> Millrace.builder(ds).backfill(ok).backfill(ok), "name");
  }

  @Test
  void rangeExpandsWithTheFilterAndBindsEachOccurrence() {
    Backfill b =
        Backfill.builder("b")
            .target(ds)
            .table("t")
            .key("id")
            .filter("x = 0")
            .sql("UPDATE t SET x = 1 WHERE {range} AND id IN (SELECT id FROM t WHERE {range})")
            .build();
    assertThat(b.rangeCount()).isEqualTo(2);
    assertThat(b.expandedSql(false))
        .isEqualTo(
            "UPDATE t SET x = 1 WHERE (\"id\" > ? AND \"id\" <= ? AND (x = 0))"
                + " AND id IN (SELECT id FROM t WHERE (\"id\" > ? AND \"id\" <= ? AND (x = 0)))");
    assertThat(b.predicate(true)).isEqualTo("\"id\" >= ? AND \"id\" <= ? AND (x = 0)");
    assertThat(b.quotedTable()).isEqualTo("\"t\"");
  }

  @Test
  void batchSizeGrowsAtMostTwentyPercentAndHalvesOnTimeout() {
    BatchSizer sizer = new BatchSizer(Duration.ofMillis(100), 100, 1000);
    sizer.completed(1_000_000); // 1 ms: could be 100× larger, grows 1.2×
    assertThat(sizer.size()).isEqualTo(120);
    for (int i = 0; i < 50; i++) {
      sizer.completed(1_000_000);
    }
    assertThat(sizer.size()).isEqualTo(1000);
    sizer.completed(1_000_000_000); // 10× too slow: at most halves per batch
    assertThat(sizer.size()).isEqualTo(500);
    sizer.completed(125_000_000); // 1.25× too slow: shrinks to fit
    assertThat(sizer.size()).isEqualTo(400);
    assertThat(sizer.timedOut()).isTrue();
    assertThat(sizer.size()).isEqualTo(200);
    sizer.completed(1_000_000); // fast again, but never back above the size it halved to
    assertThat(sizer.size()).isEqualTo(200);
    BatchSizer one = new BatchSizer(Duration.ofMillis(100), 1, 10);
    assertThat(one.timedOut()).isFalse();
    one.completed(1_000_000);
    assertThat(one.size()).isEqualTo(2);
  }

  @Test
  void etaFollowsTheBatchSizeRampOnASimulatedRun() {
    // A simulated run over 1,000,000 keys: a batch costs 3 ms + 20 µs per key, 20 ms yield after
    // it.
    // At each quarter the ETA must be within 10% of the time the simulation then actually takes.
    double[] errors =
        simulatedEtaErrors(1_000_000, (batch, size, elapsed) -> 3_000_000L + size * 20_000L);
    for (int i = 0; i < 3; i++) {
      assertThat(errors[i]).as("ETA error at %s%%", 25 * (i + 1)).isLessThan(0.10);
    }
  }

  @Test
  void etaHoldsThroughAWarmUpAndASlowTailOfBatches() {
    // What a loaded machine does to a run: keys cost twice as much for the first second (cold
    // caches), and every 6th batch takes 3× as long (a checkpoint, another process's burst). The
    // slow batches halve the size again and again, so the run does more, smaller batches than a
    // cost model of the typical batch predicts; the steady phase's own rate sees that.
    double[] errors =
        simulatedEtaErrors(
            2_000_000,
            (batch, size, elapsed) -> {
              long cost = 2_000_000L + size * (elapsed < 1_000_000_000L ? 20_000L : 10_000L);
              return batch % 6 == 5 ? 3 * cost : cost;
            });
    for (int i = 0; i < 3; i++) {
      assertThat(errors[i]).as("ETA error at %s%%", 25 * (i + 1)).isLessThan(0.25);
    }
  }

  /**
   * A batch's simulated duration, given its number in the run, its size and the run's time so far.
   */
  private interface BatchCost {
    long nanos(long batch, int size, long elapsedNanos);
  }

  /**
   * Runs the real sizer and progress over simulated time (a 20 ms yield and a 2 ms heartbeat around
   * every batch, the ETA read at the heartbeat as the run does) and returns |ETA − actual| ÷ actual
   * at the first heartbeat past 25, 50 and 75% of the keys.
   */
  private static double[] simulatedEtaErrors(long keys, BatchCost cost) {
    TargetStore.State start = new TargetStore.State(1, null, 1L, keys, false, 0, 0, keys, 0, null);
    long now = 0;
    Progress progress = new Progress(start, now);
    BatchSizer sizer = new BatchSizer(Duration.ofMillis(100), 100, 50_000);
    long cursor = 0;
    java.util.List<double[]> etas = new java.util.ArrayList<>();
    for (long n = 0; cursor < keys; n++) {
      now += 2_000_000L; // heartbeat, which publishes the ETA
      Double eta = progress.etaSeconds(sizer);
      if (eta != null) {
        etas.add(new double[] {now / 1e9, eta, 100.0 * cursor / keys});
      }
      int size = (int) Math.min(sizer.size(), keys - cursor);
      long batch = cost.nanos(n, size, now);
      now += batch;
      cursor += size;
      sizer.completed(batch);
      progress.advanced(cursor, size, size, batch, now, sizer.settled());
      now += 20_000_000L;
    }
    // The walk ends with a batch that finds no key; until then an exhausted estimate is unknown.
    assertThat(progress.total()).isNull();
    progress.finished();
    assertThat(progress.total()).isEqualTo(keys);
    double end = now / 1e9;
    double[] errors = new double[3];
    for (int i = 0; i < 3; i++) {
      double quarter = 25 * (i + 1);
      double[] at = etas.stream().filter(e -> e[2] >= quarter).findFirst().orElseThrow();
      double actual = end - at[0];
      errors[i] = Math.abs(at[1] - actual) / actual;
    }
    return errors;
  }

  private static void assertField(Runnable r, String field) {
    assertThatThrownBy(r::run)
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo(field));
  }
}
