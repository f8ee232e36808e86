package io.millrace.backfills;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated key sets (sparse, clustered, at the ends of the bigint range, negative, overlapping
 * runs that repeat keys across gaps) walked by real batches on PostgreSQL and SQLite targets, with
 * the row estimate exact, missing, or wrong either way (stale statistics): after every batch the
 * progress keeps its invariants. And generated sequences of timeouts and batch times never pin the
 * batch size below its maximum for good.
 */
class ProgressProperties {
  /**
   * A run of {@code count} keys from {@code start}, {@code step} apart (stops at the bigint end).
   */
  record Run(long start, int count, long step) {}

  /** What the state row's estimate is made to say. */
  enum Estimate {
    EXACT,
    UNKNOWN,
    LOW,
    HIGH
  }

  static final AtomicInteger TABLES = new AtomicInteger();
  static TestDatabase db;
  static HikariDataSource postgres;
  static DataSource sqlite;

  @BeforeContainer
  static void start() {
    db = TestDatabase.create("backfill_prop");
    db.execute("CREATE SCHEMA IF NOT EXISTS {schema}");
    postgres = Targets.postgres(db.schema(), 2);
    sqlite = Targets.sqlite("prop");
  }

  @AfterContainer
  static void stop() {
    postgres.close();
    db.close();
  }

  @Property(tries = 60)
  void progressKeepsItsInvariantsAtEveryBatch(
      @ForAll("keySets") List<Run> runs,
      @ForAll boolean onPostgres,
      @ForAll Estimate estimate,
      @ForAll("batchSizes") List<Integer> sizes)
      throws Exception {
    TreeSet<Long> keys = new TreeSet<>();
    for (Run r : runs) {
      long k = r.start();
      for (int i = 0; i < r.count(); i++) {
        keys.add(k);
        if (k > Long.MAX_VALUE - r.step()) {
          break;
        }
        k += r.step();
      }
    }
    DataSource target = onPostgres ? postgres : sqlite;
    String table = "keys_" + TABLES.incrementAndGet();
    Targets.execute(target, "CREATE TABLE " + table + " (id bigint PRIMARY KEY, n integer)");
    try (Connection c = target.getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " VALUES (?, 0)")) {
      for (long k : keys) {
        ps.setLong(1, k);
        ps.addBatch();
      }
      ps.executeBatch();
    }
    Backfill def =
        Backfill.builder(table)
            .target(target)
            .table(table)
            .key("id")
            .sql("UPDATE " + table + " SET n = n + 1 WHERE {range}")
            .build();
    TargetStore store = new TargetStore(def);
    TargetStore.State claimed = store.claim(1);
    int n = keys.size();
    assertThat(claimed.rowsTotal()).isEqualTo((long) n);
    Long rows =
        switch (estimate) {
          case EXACT -> (long) n;
          case UNKNOWN -> null;
          case LOW -> (long) n / 3;
          case HIGH -> (long) n * 3;
        };
    TargetStore.State state =
        new TargetStore.State(
            claimed.fence(),
            claimed.cursor(),
            claimed.lower(),
            claimed.upper(),
            claimed.finished(),
            0,
            0,
            rows,
            0,
            null);
    Progress progress = new Progress(state, System.nanoTime());
    BatchSizer sizer = new BatchSizer(Duration.ofMillis(100), 1, 64);
    double lastPercent = 0;
    for (int batch = 0; ; batch++) {
      int size = sizes.get(batch % sizes.size());
      long start = System.nanoTime();
      TargetStore.Outcome outcome = store.batch(1, state, progress.cursor(), size);
      long elapsed = System.nanoTime() - start;
      if (outcome instanceof TargetStore.Outcome.Done) {
        progress.finished();
        break;
      }
      TargetStore.Outcome.Advanced a = (TargetStore.Outcome.Advanced) outcome;
      sizer.completed(elapsed);
      progress.advanced(
          a.cursor(), a.keys(), a.affected(), elapsed, System.nanoTime(), sizer.settled());
      Long total = progress.total();
      long done = progress.processed();
      assertThat(done).isBetween(1L, (long) n);
      Double percent = status(BackfillState.RUNNING, done, total).percent();
      if (total != null) {
        assertThat(total).isGreaterThan(done); // known and not finished: strictly ahead
        assertThat(percent).isNotNull().isBetween(lastPercent, 100.0).isLessThan(100.0);
        lastPercent = percent;
      } else {
        assertThat(percent).isNull();
      }
      Double eta = progress.etaSeconds(sizer);
      if (eta != null) {
        assertThat(eta).isFinite().isGreaterThanOrEqualTo(0.0);
      }
      Double rate = progress.rate();
      if (rate != null) {
        assertThat(rate).isFinite().isGreaterThanOrEqualTo(0.0);
      }
    }
    assertThat(progress.processed()).isEqualTo(n);
    assertThat(progress.total()).isEqualTo((long) n);
    assertThat(status(BackfillState.SUCCEEDED, n, (long) n).percent()).isEqualTo(100.0);
    assertThat(Targets.scalar(target, "SELECT count(*) FROM " + table + " WHERE n <> 1")).isZero();
    Targets.execute(target, "DROP TABLE " + table);
  }

  @Property(tries = 200)
  void noSequenceOfTimeoutsPinsTheBatchSizeForGood(
      @ForAll("sizerEvents") List<Integer> events,
      @ForAll("initialSizes") int initial,
      @ForAll("maxSizes") int max) {
    BatchSizer sizer = new BatchSizer(Duration.ofMillis(100), Math.min(initial, max), max);
    for (int e : events) {
      if (e < 0) {
        sizer.timedOut();
      } else {
        sizer.completed(e * 1_000_000L); // e ms against a 100 ms target
      }
      assertThat(sizer.size()).isBetween(1, max);
    }
    // Once batches are quick again, the size is back at its maximum within the longest probe wait
    // plus the climb at 1.2× a batch.
    for (int i = 0; i < BatchSizer.LAST_PROBE + 200; i++) {
      sizer.completed(1_000_000L);
    }
    assertThat(sizer.size()).isEqualTo(max);
  }

  private static BackfillStatus status(BackfillState state, long processed, Long total) {
    Instant now = Instant.now();
    return new BackfillStatus(
        "p", state, 0, false, false, "t", "t", "id", null, null, 1, null, null, processed, 0, total,
        1, 1, null, null, null, now, 0, null, now, now, null, now);
  }

  @Provide
  Arbitrary<List<Run>> keySets() {
    Arbitrary<Long> start =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.longs()), // extreme, negative, anything
            net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(-1_000, 1_000)),
            net.jqwik.api.Tuple.of(
                1, Arbitraries.longs().between(Long.MAX_VALUE - 500, Long.MAX_VALUE)),
            net.jqwik.api.Tuple.of(
                1, Arbitraries.longs().between(Long.MIN_VALUE, Long.MIN_VALUE + 500)),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(1_000_000_000_000L)));
    Arbitrary<Long> step =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.longs().between(1, 3)), // clustered
            net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(1, 1_000_000_000_000L)),
            net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(1, Long.MAX_VALUE / 4)));
    Arbitrary<Run> run =
        Combinators.combine(start, Arbitraries.integers().between(1, 60), step).as(Run::new);
    return run.list().ofMinSize(1).ofMaxSize(5);
  }

  @Provide
  Arbitrary<List<Integer>> batchSizes() {
    return Arbitraries.integers().between(1, 64).list().ofMinSize(1).ofMaxSize(4);
  }

  @Provide
  Arbitrary<List<Integer>> sizerEvents() {
    // -1: a timeout; otherwise a batch of that many ms (fast, on target, up to 10× over).
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(1, Arbitraries.just(-1)),
            net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 1_000)))
        .list()
        .ofMaxSize(300);
  }

  @Provide
  Arbitrary<Integer> initialSizes() {
    return Arbitraries.integers().between(1, 1_000);
  }

  @Provide
  Arbitrary<Integer> maxSizes() {
    return Arbitraries.integers().between(1, 50_000);
  }
}
