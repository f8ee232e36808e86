package io.millrace.projections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.millrace.Millrace;
import io.millrace.base.ValidationException;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("compat")
class EventStoreTest {
  static TestDatabase db;
  static Millrace client;
  static EventStore store;

  @BeforeAll
  static void setUp() {
    db = TestDatabase.create("events");
    client = db.migratedClient();
    store = client.events();
  }

  @AfterAll
  static void tearDown() {
    client.close();
    db.close();
  }

  @Test
  void appendsWithExpectedVersionsAndReadsTheStreamBack() {
    AppendResult first =
        store.append(
            "order-1",
            EventStore.NO_STREAM,
            List.of(
                NewEvent.of("placed", Map.of("total", 10)),
                NewEvent.of("paid", Map.of("amount", 10)).withMetadata(Map.of("user", "ada"))));
    assertThat(first.version()).isEqualTo(2);
    assertThat(first.positions()).hasSize(2).isSorted();
    AppendResult second = store.append("order-1", 2, List.of(NewEvent.json("shipped", "{}")));
    assertThat(second.version()).isEqualTo(3);

    List<Event> stream = store.readStream("order-1", 1, 100);
    assertThat(stream).extracting(Event::type).containsExactly("placed", "paid", "shipped");
    assertThat(stream).extracting(Event::version).containsExactly(1L, 2L, 3L);
    assertThat(stream.get(0).data().get("total").asInt()).isEqualTo(10);
    assertThat(stream.get(1).metadata().get("user").asText()).isEqualTo("ada");
    assertThat(store.readStream("order-1", 3, 100))
        .extracting(Event::type)
        .containsExactly("shipped");
  }

  @Test
  void aConflictNamesTheStreamAndBothVersionsAndWritesNothing() {
    store.append("order-2", EventStore.NO_STREAM, List.of(NewEvent.json("placed", "{}")));
    assertThatThrownBy(
            () ->
                store.append(
                    "order-2", EventStore.NO_STREAM, List.of(NewEvent.json("placed", "{}"))))
        .isInstanceOf(ConcurrencyException.class)
        .hasMessageContaining("order-2")
        .hasMessageContaining("expected version 0")
        .hasMessageContaining("at 1");
    assertThatThrownBy(() -> store.append("order-2", 5, List.of(NewEvent.json("paid", "{}"))))
        .isInstanceOfSatisfying(
            ConcurrencyException.class,
            e -> {
              assertThat(e.stream()).isEqualTo("order-2");
              assertThat(e.expected()).isEqualTo(5);
              assertThat(e.actual()).isEqualTo(1);
            });
    assertThatThrownBy(() -> store.append("order-never", 3, List.of(NewEvent.json("paid", "{}"))))
        .isInstanceOfSatisfying(ConcurrencyException.class, e -> assertThat(e.actual()).isZero());
    assertThat(store.readStream("order-2", 1, 10)).hasSize(1);
    assertThat(
            store
                .append("order-2", EventStore.ANY, List.of(NewEvent.json("noted", "{}")))
                .version())
        .isEqualTo(2);
  }

  @Test
  void appendInTheCallersTransactionExistsOnlyIfItCommits() throws Exception {
    try (Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(false);
      store.append(c, "order-3", EventStore.NO_STREAM, List.of(NewEvent.json("placed", "{}")));
      c.rollback();
    }
    assertThat(store.readStream("order-3", 1, 10)).isEmpty();
    try (Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(false);
      store.append(c, "order-3", EventStore.NO_STREAM, List.of(NewEvent.json("placed", "{}")));
      c.commit();
    }
    assertThat(store.readStream("order-3", 1, 10)).hasSize(1);
  }

  @Test
  void badInputIsRefusedNamingTheField() {
    assertThatThrownBy(() -> NewEvent.json("placed", "{nope"))
        .isInstanceOfSatisfying(
            ValidationException.class, e -> assertThat(e.field()).isEqualTo("data"));
    assertThatThrownBy(() -> NewEvent.json("bad type!", "{}"))
        .isInstanceOfSatisfying(
            ValidationException.class, e -> assertThat(e.field()).isEqualTo("type"));
    assertThatThrownBy(() -> new NewEvent("placed", "{}", "[1]"))
        .isInstanceOfSatisfying(
            ValidationException.class, e -> assertThat(e.field()).isEqualTo("metadata"));
    assertThatThrownBy(
            () -> store.append(" ", EventStore.ANY, List.of(NewEvent.json("placed", "{}"))))
        .isInstanceOfSatisfying(
            ValidationException.class, e -> assertThat(e.field()).isEqualTo("stream"));
    assertThatThrownBy(() -> store.append("s", EventStore.ANY, List.of()))
        .isInstanceOfSatisfying(
            ValidationException.class, e -> assertThat(e.field()).isEqualTo("events"));
    assertThatThrownBy(() -> store.append("s", -7, List.of(NewEvent.json("placed", "{}"))))
        .isInstanceOfSatisfying(
            ValidationException.class, e -> assertThat(e.field()).isEqualTo("expectedVersion"));
  }

  /**
   * The hazard of ordering by position alone: an earlier position that commits after a later one. A
   * reader must not pass the later one while the earlier is in flight, and must see both after.
   */
  @Test
  void readingStopsBelowAnOpenTransactionAndResumesAfterItCommits() throws Exception {
    LogPosition start = lastPosition();
    try (Connection slow = db.dataSource().getConnection()) {
      slow.setAutoCommit(false);
      long early =
          store
              .append(slow, "late-commit", EventStore.ANY, List.of(NewEvent.json("early", "{}")))
              .positions()
              .get(0);
      long later =
          store
              .append("quick", EventStore.ANY, List.of(NewEvent.json("later", "{}")))
              .positions()
              .get(0);
      assertThat(later).isGreaterThan(early);
      assertThat(store.readAll(start, 100)).isEmpty();
      slow.commit();
      assertThat(store.readAll(start, 100))
          .extracting(Event::type)
          .containsExactly("early", "later");
    }
  }

  private static LogPosition lastPosition() {
    return store.head().last();
  }
}
