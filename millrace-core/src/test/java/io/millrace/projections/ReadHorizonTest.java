package io.millrace.projections;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The read horizon counts only transactions that can write this database's event log: an open write
 * transaction in another database of the server holds nothing back, one in this database (or a
 * prepared one) still does, and the sessions of other roles count too.
 */
@Tag("compat")
class ReadHorizonTest {
  TestDatabase db;
  Millrace client;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("horizon");
    client = db.migratedClient();
    Tally.createTables(db);
  }

  @AfterEach
  void tearDown() {
    client.close();
    db.close();
  }

  @Test
  void anOpenWriteTransactionInAnotherDatabaseDoesNotHoldProjectionsBack() throws Exception {
    try (Connection other = connect(TestDatabase.otherDatabaseUrl("horizon_other"), "postgres")) {
      other.setAutoCommit(false);
      long otherXid = xid(other);
      Millrace node =
          db.builder().projection(Tally.projection(db, "far", "1").required().build()).build();
      node.start();
      try {
        Tally.append(client.events(), 150, 3);
        Await.until(
            "the projection has every event while the other database's transaction is open",
            Duration.ofSeconds(20),
            () -> Tally.appliedRows(db, "far") == 150 && node.readiness().report().ready());
        assertThat(Tally.missing(db, "far")).isZero();
        // Every event was written after the other transaction took its id: a horizon at the
        // cluster's oldest transaction could not have read any of them.
        assertThat(db.count("FROM {schema}.events WHERE xid::text::bigint < " + otherXid)).isZero();
        assertThat(isOpen(other)).isTrue();
      } finally {
        node.close();
        other.rollback();
      }
    }
  }

  @Test
  void anOpenWriteTransactionInThisDatabaseStillHoldsThemBackAndNothingIsSkipped()
      throws Exception {
    try (Connection holder = db.dataSource().getConnection()) {
      holder.setAutoCommit(false);
      long holderXid = xid(holder);
      Tally.append(client.events(), 20, 2);
      ReadHorizon horizon = horizon();
      assertThat(horizon.xid()).isLessThanOrEqualTo(holderXid);
      assertThat(horizon.holder()).isEqualTo("pid " + pid(holder));
      assertThat(client.events().readAll(LogPosition.START, 100)).isEmpty();
      // The holder appends under its old id and commits: its event sorts before the others.
      client.events().append(holder, "late", EventStore.ANY, List.of(NewEvent.json("e", "{}")));
      holder.commit();
    }
    Millrace node = db.builder().projection(Tally.projection(db, "near", "1").build()).build();
    node.start();
    try {
      Await.until("every event applied", () -> Tally.appliedRows(db, "near") == 21);
      assertThat(Tally.missing(db, "near")).isZero();
      List<Event> all = client.events().readAll(LogPosition.START, 100);
      assertThat(all).hasSize(21);
      assertThat(all.get(0).stream()).isEqualTo("late");
    } finally {
      node.close();
    }
  }

  @Test
  void aPreparedTransactionHoldsTheHorizonUntilItIsCommitted() throws Exception {
    String gid = "horizon-" + db.schema();
    try (Connection p = db.dataSource().getConnection();
        Statement s = p.createStatement()) {
      p.setAutoCommit(false);
      long preparedXid = xid(p);
      // An append's NOTIFY forbids PREPARE; a direct insert is the way into a prepared transaction.
      s.execute(
          "INSERT INTO \""
              + db.schema()
              + "\".events (stream, version, type, data) VALUES ('prepared', 1, 'e', '{}')");
      s.execute("PREPARE TRANSACTION '" + gid + "'");
      p.setAutoCommit(true);
      try {
        Tally.append(client.events(), 10, 1);
        ReadHorizon horizon = horizon();
        assertThat(horizon.xid()).isLessThanOrEqualTo(preparedXid);
        assertThat(horizon.holder()).isEqualTo("prepared transaction '" + gid + "'");
        assertThat(client.events().readAll(LogPosition.START, 100)).isEmpty();
        s.execute("COMMIT PREPARED '" + gid + "'");
      } finally {
        rollbackPrepared(s, gid);
      }
    }
    List<Event> all = client.events().readAll(LogPosition.START, 100);
    assertThat(all).extracting(Event::stream).first().isEqualTo("prepared");
    assertThat(all).hasSize(11);
  }

  /**
   * backend_xid must be visible to a role that is neither superuser nor pg_read_all_stats, or the
   * horizon would pass another role's open transaction.
   */
  @Test
  void aRoleWithoutStatisticsPrivilegesStillSeesOtherRolesTransactions() throws Exception {
    db.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'horizon_reader') THEN"
            + " CREATE ROLE horizon_reader LOGIN PASSWORD 'reader' NOSUPERUSER; END IF; END $$");
    try (Connection holder = db.dataSource().getConnection();
        Connection reader =
            connect(TestDatabase.server().getJdbcUrl("horizon_reader", "postgres"), "reader")) {
      holder.setAutoCommit(false);
      long holderXid = xid(holder);
      try (Statement s = reader.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT current_user, pg_has_role('pg_read_all_stats', 'USAGE'),"
                      + " (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("horizon_reader");
        assertThat(rs.getBoolean(2)).isFalse();
        assertThat(rs.getBoolean(3)).isFalse();
      }
      assertThat(client.events().horizon(reader).xid()).isLessThanOrEqualTo(holderXid);
      holder.rollback();
    }
  }

  /** Never leave a prepared transaction behind: it would hold every later test's horizon. */
  static void rollbackPrepared(Statement s, String gid) throws SQLException {
    boolean left;
    try (ResultSet rs =
        s.executeQuery("SELECT count(*) FROM pg_prepared_xacts WHERE gid = '" + gid + "'")) {
      rs.next();
      left = rs.getInt(1) > 0;
    }
    if (left) {
      s.execute("ROLLBACK PREPARED '" + gid + "'");
    }
  }

  private ReadHorizon horizon() throws SQLException {
    try (Connection c = db.dataSource().getConnection()) {
      return client.events().horizon(c);
    }
  }

  static long xid(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_current_xact_id()::text")) {
      rs.next();
      return Long.parseLong(rs.getString(1));
    }
  }

  private static int pid(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static boolean isOpen(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  static Connection connect(String url, String password) throws SQLException {
    Properties p = new Properties();
    p.setProperty("password", password);
    return DriverManager.getConnection(url, p);
  }
}
