package io.millrace.projections;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A generated interleaving of writers (three sessions of this database that take ids, insert
 * events, commit, roll back or prepare; prepared transactions committed later), a reader that reads
 * the horizon and, at other generated moments, pages below the last one it read, and an open write
 * transaction in another database throughout. The reader sees every committed event exactly once,
 * in (xid, position) order, and once the writers are done it reaches the end although the other
 * database's transaction is still open.
 */
class ReadHorizonProperties {
  static final int WRITERS = 3;
  static TestDatabase db;
  static Millrace client;
  static final AtomicInteger TRY = new AtomicInteger();

  @BeforeContainer
  static void setUp() {
    db = TestDatabase.create("horizonprop", 2 + WRITERS + 2);
    client = db.migratedClient();
  }

  @AfterContainer
  static void tearDown() {
    client.close();
    db.close();
  }

  /** One writing session: its transaction's events, stream and version. */
  private static final class Writer {
    final Connection c;
    final List<Long> pending = new ArrayList<>();
    boolean open;
    String stream;
    int version;

    Writer(Connection c) {
      this.c = c;
    }
  }

  private record Prepared(String gid, List<Long> positions) {}

  @Property(tries = 60)
  void aReaderBelowTheHorizonNeverSkipsAnEvent(
      @ForAll @Size(min = 5, max = 60) List<@IntRange(min = 0, max = 17) Integer> steps,
      @ForAll @IntRange(min = 1, max = 4) int pageSize)
      throws Exception {
    int attempt = TRY.incrementAndGet();
    List<Writer> writers = new ArrayList<>();
    Deque<Prepared> prepared = new ArrayDeque<>();
    Set<Long> committed = new HashSet<>();
    List<Event> seen = new ArrayList<>();
    LogPosition[] checkpoint = {client.events().head().last()};
    long[] horizon = {0};
    int[] transactions = {0};
    try (Connection other = ReadHorizonTest.connect(otherDatabase(), "postgres");
        Connection reader = db.dataSource().getConnection()) {
      other.setAutoCommit(false);
      ReadHorizonTest.xid(other);
      for (int i = 0; i < WRITERS; i++) {
        writers.add(new Writer(db.dataSource().getConnection()));
      }
      try {
        for (int step : steps) {
          if (step < 5 * WRITERS) {
            Writer w = writers.get(step / 5);
            switch (step % 5) {
              case 0 -> begin(w, attempt, transactions);
              case 1 -> insert(w, attempt, transactions);
              case 2 -> end(w, true, committed);
              case 3 -> end(w, false, committed);
              default -> prepare(w, attempt, transactions, prepared);
            }
          } else if (step == 15) {
            horizon[0] = client.events().horizon(reader).xid();
          } else if (step == 16) {
            read(reader, checkpoint, horizon[0], pageSize, seen);
          } else if (!prepared.isEmpty()) {
            commitPrepared(reader, prepared.removeFirst(), committed);
          }
        }
        for (Writer w : writers) {
          end(w, true, committed);
        }
        while (!prepared.isEmpty()) {
          commitPrepared(reader, prepared.removeFirst(), committed);
        }
        // Liveness: with this database's writers done, the horizon passes every event although
        // the other database's transaction is still open.
        Await.until(
            "the reader reaches the end of the log",
            Duration.ofSeconds(20),
            () -> {
              try {
                horizon[0] = client.events().horizon(reader).xid();
                while (read(reader, checkpoint, horizon[0], pageSize, seen) > 0) {
                  // page on below this horizon
                }
                return seen.size() >= committed.size();
              } catch (SQLException e) {
                throw new IllegalStateException(e);
              }
            });
        assertThat(seen).extracting(Event::position).doesNotHaveDuplicates();
        assertThat(new HashSet<>(seen.stream().map(Event::position).toList())).isEqualTo(committed);
        assertThat(seen).extracting(Event::logPosition).isSorted();
      } finally {
        for (Writer w : writers) {
          w.c.close();
        }
        try (Statement s = reader.createStatement()) {
          for (Prepared p : prepared) {
            ReadHorizonTest.rollbackPrepared(s, p.gid());
          }
        }
        other.rollback();
      }
    }
  }

  private static String otherDatabase() {
    return TestDatabase.otherDatabaseUrl("horizon_prop_other");
  }

  private static void begin(Writer w, int attempt, int[] transactions) throws SQLException {
    if (!w.open) {
      w.c.setAutoCommit(false);
      w.open = true;
      w.stream = "t" + attempt + "-" + transactions[0]++;
      w.version = 0;
      ReadHorizonTest.xid(w.c);
    }
  }

  /** A direct insert, not an append: an append's NOTIFY would forbid PREPARE. */
  private static void insert(Writer w, int attempt, int[] transactions) throws SQLException {
    begin(w, attempt, transactions);
    try (PreparedStatement ps =
        w.c.prepareStatement(
            "INSERT INTO \""
                + db.schema()
                + "\".events (stream, version, type, data) VALUES (?, ?, 'e', '{}')"
                + " RETURNING position")) {
      ps.setString(1, w.stream);
      ps.setInt(2, ++w.version);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        w.pending.add(rs.getLong(1));
      }
    }
  }

  private static void end(Writer w, boolean commit, Set<Long> committed) throws SQLException {
    if (!w.open) {
      return;
    }
    if (commit) {
      w.c.commit();
      committed.addAll(w.pending);
    } else {
      w.c.rollback();
    }
    w.pending.clear();
    w.c.setAutoCommit(true);
    w.open = false;
  }

  private static void prepare(Writer w, int attempt, int[] transactions, Deque<Prepared> prepared)
      throws SQLException {
    if (!w.open) {
      return;
    }
    String gid = "hp-" + db.schema() + "-" + attempt + "-" + transactions[0]++;
    try (Statement s = w.c.createStatement()) {
      s.execute("PREPARE TRANSACTION '" + gid + "'");
    }
    prepared.addLast(new Prepared(gid, List.copyOf(w.pending)));
    w.pending.clear();
    w.c.setAutoCommit(true);
    w.open = false;
  }

  private static void commitPrepared(Connection c, Prepared p, Set<Long> committed)
      throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("COMMIT PREPARED '" + p.gid() + "'");
    }
    committed.addAll(p.positions());
  }

  /** One page below {@code horizon} in a snapshot of its own; returns its size. */
  private static int read(
      Connection reader, LogPosition[] checkpoint, long horizon, int pageSize, List<Event> seen)
      throws SQLException {
    List<Event> page = client.events().readAll(reader, checkpoint[0], horizon, pageSize);
    if (!page.isEmpty()) {
      seen.addAll(page);
      checkpoint[0] = page.get(page.size() - 1).logPosition();
    }
    return page.size();
  }
}
