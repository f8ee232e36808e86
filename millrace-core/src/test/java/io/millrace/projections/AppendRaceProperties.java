package io.millrace.projections;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.schema.SchemaName;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Two appends race for one stream, under every isolation level and expectation: the loser gets a
 * {@link ConcurrencyException} (never a bare SQL error), writes nothing, and the stream holds only
 * the winner's events. Generated: the isolation level, the expectation, and whether the loser waits
 * on the winner's lock or appends after the winner committed (against an older snapshot).
 */
class AppendRaceProperties {
  enum Isolation {
    READ_COMMITTED(Connection.TRANSACTION_READ_COMMITTED),
    REPEATABLE_READ(Connection.TRANSACTION_REPEATABLE_READ),
    SERIALIZABLE(Connection.TRANSACTION_SERIALIZABLE);

    final int level;

    Isolation(int level) {
      this.level = level;
    }
  }

  enum Expectation {
    NO_STREAM,
    EXACT,
    ANY
  }

  static TestDatabase db;
  static Millrace client;
  static HikariDataSource serializablePool;
  static ExecutorService loser;
  static final AtomicInteger TRY = new AtomicInteger();

  @BeforeContainer
  static void setUp() {
    db = TestDatabase.create("appendrace");
    client = db.migratedClient();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(TestDatabase.jdbcUrl());
    config.setUsername("postgres");
    config.setPassword("postgres");
    config.setMaximumPoolSize(2);
    config.setTransactionIsolation("TRANSACTION_SERIALIZABLE");
    serializablePool = new HikariDataSource(config);
    loser = Executors.newSingleThreadExecutor();
  }

  @AfterContainer
  static void tearDown() {
    loser.shutdownNow();
    serializablePool.close();
    client.close();
    db.close();
  }

  /** The loser appends inside the caller's transaction at the generated isolation level. */
  @Property(tries = 60)
  void inTheCallersTransactionTheLoserGetsAConcurrencyException(
      @ForAll Isolation isolation, @ForAll Expectation expectation, @ForAll boolean waitsOnLock)
      throws Exception {
    String stream = "s-" + TRY.incrementAndGet();
    long before = seed(stream, expectation);
    try (Connection winner = db.dataSource().getConnection();
        Connection late = db.dataSource().getConnection()) {
      begin(winner, isolation);
      begin(late, isolation);
      // The loser's snapshot predates the winner's commit (at READ COMMITTED it reads anew).
      version(late, stream);
      Object outcome;
      if (waitsOnLock) {
        client.events().append(winner, stream, expected(expectation, before), batch());
        Future<Object> racing =
            loser.submit(() -> attempt(late, stream, expected(expectation, before)));
        Await.until("the loser waits on the stream's lock", () -> waitsOnLock(late));
        winner.commit();
        outcome = racing.get(30, TimeUnit.SECONDS);
      } else {
        client.events().append(winner, stream, expected(expectation, before), batch());
        winner.commit();
        outcome = attempt(late, stream, expected(expectation, before));
      }
      late.rollback();
      boolean anyWins = expectation == Expectation.ANY && isolation == Isolation.READ_COMMITTED;
      if (anyWins) {
        assertThat(outcome).isInstanceOf(AppendResult.class);
      } else {
        assertThat(outcome).isInstanceOf(ConcurrencyException.class);
        ConcurrencyException conflict = (ConcurrencyException) outcome;
        assertThat(conflict.stream()).isEqualTo(stream);
        assertThat(conflict.transactionAborted())
            .isEqualTo(conflict.actual() == ConcurrencyException.UNKNOWN);
        if (isolation == Isolation.READ_COMMITTED) {
          assertThat(conflict.actual()).isEqualTo(before + 2);
        }
      }
    }
    // Nothing of the loser's rolled-back attempt, all of the winner's.
    assertThat(client.events().readStream(stream, 1, 100)).hasSize((int) before + 2);
  }

  /**
   * An append in a transaction of its own, from a pool whose default is SERIALIZABLE, waits on the
   * winner's lock: it is the plain version mismatch (or, with ANY, it succeeds after the winner).
   */
  @Property(tries = 30)
  void inItsOwnTransactionTheLoserSeesTheWinnersVersion(@ForAll Expectation expectation)
      throws Exception {
    String stream = "own-" + TRY.incrementAndGet();
    long before = seed(stream, expectation);
    EventStore store = new EventStore(serializablePool, SchemaName.of(db.schema()));
    Object outcome;
    try (Connection winner = db.dataSource().getConnection()) {
      begin(winner, Isolation.READ_COMMITTED);
      client.events().append(winner, stream, expected(expectation, before), batch());
      CompletableFuture<Object> racing =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return store.append(stream, expected(expectation, before), batch());
                } catch (RuntimeException e) {
                  return e;
                }
              },
              loser);
      Await.until(
          "the loser waits on the stream's lock", AppendRaceProperties::anyAppendWaitsOnLock);
      winner.commit();
      outcome = racing.get(30, TimeUnit.SECONDS);
    }
    if (expectation == Expectation.ANY) {
      assertThat(outcome).isInstanceOf(AppendResult.class);
      assertThat(((AppendResult) outcome).version()).isEqualTo(before + 4);
    } else {
      assertThat(outcome).isInstanceOf(ConcurrencyException.class);
      ConcurrencyException conflict = (ConcurrencyException) outcome;
      assertThat(conflict.transactionAborted()).isFalse();
      assertThat(conflict.actual()).isEqualTo(before + 2);
      assertThat(client.events().readStream(stream, 1, 100)).hasSize((int) before + 2);
    }
    try (Connection c = serializablePool.getConnection()) {
      assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
    }
  }

  /** A stream that exists (version 1) unless the race is about creating it; returns its version. */
  private static long seed(String stream, Expectation expectation) {
    if (expectation == Expectation.NO_STREAM) {
      return 0;
    }
    client.events().append(stream, EventStore.NO_STREAM, List.of(NewEvent.json("seed", "{}")));
    return 1;
  }

  private static long expected(Expectation expectation, long before) {
    return switch (expectation) {
      case NO_STREAM -> EventStore.NO_STREAM;
      case EXACT -> before;
      case ANY -> EventStore.ANY;
    };
  }

  private static List<NewEvent> batch() {
    return List.of(NewEvent.json("a", "{}"), NewEvent.json("b", "{}"));
  }

  private static Object attempt(Connection c, String stream, long expected) {
    try {
      return client.events().append(c, stream, expected, batch());
    } catch (RuntimeException e) {
      return e;
    }
  }

  private static void begin(Connection c, Isolation isolation) throws SQLException {
    c.setTransactionIsolation(isolation.level);
    c.setAutoCommit(false);
  }

  private static void version(Connection c, String stream) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT version FROM \"" + db.schema() + "\".event_streams WHERE stream = ?")) {
      ps.setString(1, stream);
      ps.executeQuery().close();
    }
  }

  private static boolean waitsOnLock(Connection c) {
    try {
      int pid = c.unwrap(org.postgresql.PGConnection.class).getBackendPID();
      return db.count("FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid = " + pid) > 0;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean anyAppendWaitsOnLock() {
    return db.count(
            "FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                + " AND query LIKE '%event_streams%'")
        > 0;
  }
}
