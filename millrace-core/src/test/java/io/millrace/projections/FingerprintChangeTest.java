package io.millrace.projections;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node restarts with one projection's fingerprint changed while events keep arriving: that one
 * replays from the first event, the other resumes from its checkpoint and replays nothing it had.
 */
class FingerprintChangeTest {
  TestDatabase db;
  Millrace client;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("fingerprint");
    client = db.migratedClient();
    Tally.createTables(db);
  }

  @AfterEach
  void tearDown() {
    client.close();
    db.close();
  }

  @Test
  void onlyTheChangedProjectionReplays() throws Exception {
    Tally.append(client.events(), 500, 5);
    AtomicBoolean appending = new AtomicBoolean(true);
    AtomicLong appended = new AtomicLong(500);
    Thread appender =
        new Thread(
            () -> {
              while (appending.get()) {
                Tally.append(client.events(), 5, 5);
                appended.addAndGet(5);
                try {
                  Thread.sleep(5);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    Millrace first =
        db.builder()
            .nodeId("first")
            .projection(Tally.projection(db, "changed", "1").pageSize(100).build())
            .projection(Tally.projection(db, "kept", "1").pageSize(100).build())
            .build();
    first.start();
    Await.until(
        "both ready",
        () ->
            "ready".equals(Tally.status(db, "changed"))
                && "ready".equals(Tally.status(db, "kept")));
    appender.start();
    Await.until("some live events applied", () -> Tally.total(db, "kept") > 600);
    first.close();
    long keptAtRestart =
        Long.parseLong(
            db.column("SELECT events_applied FROM {schema}.projections WHERE name = 'kept'")
                .get(0));
    assertThat(Tally.total(db, "kept")).isEqualTo(keptAtRestart);

    Millrace second =
        db.builder()
            .nodeId("second")
            .projection(Tally.projection(db, "changed", "2").pageSize(100).build())
            .projection(Tally.projection(db, "kept", "1").pageSize(100).build())
            .build();
    try {
      second.start();
      Await.until(
          "more events arrive after the restart", () -> appended.get() > keptAtRestart + 200);
      appending.set(false);
      appender.join();
      long total = appended.get();
      // Ready comes a step after the last page commits: wait for it rather than race it.
      Await.until(
          "both caught up",
          () ->
              Tally.appliedRows(db, "changed") == total
                  && Tally.appliedRows(db, "kept") == total
                  && "ready".equals(Tally.status(db, "changed"))
                  && "ready".equals(Tally.status(db, "kept")));
      for (String p : List.of("changed", "kept")) {
        assertThat(Tally.total(db, p)).as(p).isEqualTo(total);
        assertThat(Tally.missing(db, p)).as(p).isZero();
        assertThat(Tally.status(db, p)).as(p).isEqualTo("ready");
      }
      assertThat(replayed(second, "changed")).isEqualTo(total);
      assertThat(replayed(second, "kept")).isEqualTo(total - keptAtRestart);
      assertThat(db.column("SELECT fingerprint FROM {schema}.projections ORDER BY name"))
          .containsExactly("2", "1");
    } finally {
      second.close();
    }
  }

  private static double replayed(Millrace node, String projection) {
    return node.meters()
        .get("millrace.projection.events.replayed")
        .tag("projection", projection)
        .counter()
        .count();
  }
}
