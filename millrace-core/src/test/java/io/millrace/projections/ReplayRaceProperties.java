package io.millrace.projections;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.Millrace;
import io.millrace.base.Json;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A projection that replays while events are still being appended (by two writers, some of whose
 * transactions are held open and commit late) ends byte-equal to a reference that replays the
 * finished log alone. The documents are order-sensitive: a per-stream list of types and a global
 * hash chain over the positions, so a skipped, repeated or reordered event changes the bytes.
 * Generated: page sizes, batch sizes, which transactions are delayed and for how long.
 */
class ReplayRaceProperties {
  static TestDatabase db;
  static Millrace client;
  static final AtomicInteger TRY = new AtomicInteger();

  @BeforeContainer
  static void setUp() {
    db = TestDatabase.create("race");
    client = db.migratedClient();
    burnTransactionIdsToJustBelowAPowerOfTen();
  }

  /**
   * Transaction ids that gain a digit during the run (998, 999, 1000...) expose any comparison of
   * ids as text instead of numbers ("1001" &lt; "998"), a bug this property once caught that way.
   */
  private static void burnTransactionIdsToJustBelowAPowerOfTen() {
    long current = Long.parseLong(db.column("SELECT pg_current_xact_id()::text").get(0));
    long target = 10;
    while (target <= current + 20) {
      target *= 10;
    }
    try (Connection c = db.dataSource().getConnection();
        java.sql.Statement s = c.createStatement()) {
      for (long i = current; i < target - 20; i++) {
        s.execute("SELECT pg_current_xact_id()");
      }
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }

  @AfterContainer
  static void tearDown() {
    client.close();
    db.close();
  }

  @Property(tries = 8)
  void replayRacingAppendsEqualsReplayOfTheFinishedLog(
      @ForAll @IntRange(min = 1, max = 40) int racingPage,
      @ForAll @IntRange(min = 1, max = 1000) int referencePage,
      @ForAll @Size(min = 1, max = 12) List<@IntRange(min = 1, max = 8) Integer> batches,
      @ForAll long seed)
      throws Exception {
    int n = TRY.incrementAndGet();
    String racing = "race-" + n;
    String reference = "ref-" + n;
    Millrace racer =
        db.builder()
            .nodeId("racer-" + n)
            .projection(
                Projection.named(racing)
                    .version("1")
                    .pageSize(racingPage)
                    .handler(ReplayRaceProperties::fold)
                    .build())
            .build();
    racer.start();
    try {
      Thread other = new Thread(() -> appendAll(batches, new Random(seed ^ 0x5DEECE66DL), "b"));
      other.start();
      appendAll(batches, new Random(seed), "a");
      other.join();
      long total = client.events().head().events();
      Await.until(
          "the racing projection has everything",
          () ->
              racer
                  .projections()
                  .get(racing)
                  .map(s -> s.eventsApplied() == total && s.lag() == 0)
                  .orElse(false));
    } finally {
      racer.close();
    }
    Millrace replayer =
        db.builder()
            .nodeId("ref-" + n)
            .projection(
                Projection.named(reference)
                    .version("1")
                    .pageSize(referencePage)
                    .handler(ReplayRaceProperties::fold)
                    .build())
            .build();
    replayer.start();
    try {
      Await.until(
          "the reference is ready",
          () -> replayer.projections().queryStatus(reference) == QueryStatus.READY);
    } finally {
      replayer.close();
    }
    assertThat(documents(racing)).isNotEmpty().isEqualTo(documents(reference));
  }

  /** Appends the batches in order; about a third are held open for a while so they commit late. */
  private static void appendAll(List<Integer> batches, Random random, String writer) {
    for (int size : batches) {
      List<NewEvent> events = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        events.add(NewEvent.json("e" + random.nextInt(4), "{\"w\":\"" + writer + "\"}"));
      }
      String stream = writer + "-" + random.nextInt(3);
      int delay = random.nextInt(3) == 0 ? 5 + random.nextInt(60) : 0;
      try (Connection c = db.dataSource().getConnection()) {
        c.setAutoCommit(false);
        client.events().append(c, stream, EventStore.ANY, events);
        Thread.sleep(delay);
        c.commit();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  static void fold(Event e, ProjectionContext ctx) {
    Documents docs = ctx.documents();
    ObjectNode stream = (ObjectNode) docs.get(e.stream()).orElse(Json.MAPPER.createObjectNode());
    stream.put("count", stream.path("count").asInt() + 1);
    stream.withArray("types").add(e.type() + "@" + e.version());
    docs.put(e.stream(), stream);
    ObjectNode global = (ObjectNode) docs.get("_global").orElse(Json.MAPPER.createObjectNode());
    global.put("n", global.path("n").asLong() + 1);
    global.put("chain", global.path("chain").asLong() * 31 + e.position());
    docs.put("_global", global);
  }

  private static String documents(String projection) {
    return db.column(
            "SELECT coalesce(string_agg(id || '=' || doc::text, '|' ORDER BY id), '')"
                + " FROM {schema}.projection_documents WHERE projection = '"
                + projection
                + "'")
        .get(0);
  }
}
