package io.millrace.projections;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Concurrent appenders whose transactions commit out of position order (some deliberately held
 * open), while projections with different page sizes tail the log: none skips an event.
 */
@Tag("compat")
class OutOfOrderCommitTest {
  TestDatabase db;
  Millrace client;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("ooo", 30);
    client = db.migratedClient();
    Tally.createTables(db);
  }

  @AfterEach
  void tearDown() {
    client.close();
    db.close();
  }

  @Test
  void noProjectionSkipsAnEventCommittedLate() throws Exception {
    Millrace node =
        db.builder()
            .projection(Tally.projection(db, "one", "1").pageSize(1).build())
            .projection(Tally.projection(db, "seven", "1").pageSize(7).build())
            .projection(Tally.projection(db, "big", "1").build())
            .build();
    node.start();
    ExecutorService appenders = Executors.newFixedThreadPool(6);
    try {
      List<Future<Integer>> written = new ArrayList<>();
      for (int w = 0; w < 6; w++) {
        int writer = w;
        written.add(appenders.submit(() -> appendDelayed(writer)));
      }
      int total = 0;
      for (Future<Integer> f : written) {
        total += f.get();
      }
      assertThat(db.count("FROM {schema}.events")).isEqualTo(total);
      for (String p : List.of("one", "seven", "big")) {
        int expected = total;
        Await.until(p + " has every event", () -> Tally.appliedRows(db, p) == expected);
        assertThat(Tally.missing(db, p)).as(p).isZero();
        assertThat(Tally.total(db, p)).as(p).isEqualTo(total);
        assertThat(Tally.status(db, p)).as(p).isEqualTo("ready");
      }
      // The positions really were committed out of order, or the test proved nothing.
      assertThat(
              db.count(
                  "FROM {schema}.events a JOIN {schema}.events b ON a.position < b.position AND a.xid > b.xid"))
          .isPositive();
    } finally {
      appenders.shutdownNow();
      node.close();
    }
  }

  private int appendDelayed(int writer) throws Exception {
    Random random = new Random(writer);
    int events = 0;
    for (int t = 0; t < 40; t++) {
      try (Connection c = db.dataSource().getConnection()) {
        c.setAutoCommit(false);
        // Take a transaction id first, then wait: the events get a later position than those of
        // transactions that start after this one but commit before it.
        c.createStatement().execute("SELECT pg_current_xact_id()");
        Thread.sleep(random.nextInt(10) == 0 ? 150 : random.nextInt(15));
        int n = 1 + random.nextInt(3);
        List<NewEvent> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          batch.add(NewEvent.json("e", "{}"));
        }
        client.events().append(c, "w" + writer + "-" + random.nextInt(4), EventStore.ANY, batch);
        Thread.sleep(random.nextInt(10) == 0 ? 150 : random.nextInt(15));
        c.commit();
        events += n;
      }
    }
    return events;
  }
}
