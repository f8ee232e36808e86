package io.millrace.backfills;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.ChildNode;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A node killed with SIGKILL in the middle of a backfill (nothing in it runs again: no release, no
 * rollback beyond what the database does for a dead connection). Another node takes the lease once
 * it expires and resumes from the cursor committed with the last batch; the ledger written in each
 * batch's transaction shows the batches tile the keys exactly, none applied twice, none lost, and
 * the survivor's first batch starts where the killed node's last committed batch ended.
 */
@Tag("slow")
class BackfillKillNineTest {
  static final int ROWS = 6_000;

  TestDatabase db;
  HikariDataSource pgTarget;
  ChildNode child;
  Millrace survivor;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("backfill_kill9");
    db.migratedClient();
  }

  @AfterEach
  void tearDown() {
    if (child != null) {
      child.close();
    }
    if (survivor != null) {
      survivor.close();
    }
    if (pgTarget != null) {
      pgTarget.close();
    }
    db.close();
  }

  @Test
  void postgresTarget() throws Exception {
    db.execute("CREATE SCHEMA IF NOT EXISTS {schema}");
    pgTarget = Targets.postgres(db.schema(), 4);
    killMidwayAndResume(pgTarget, true, "postgres");
  }

  @Test
  void sqliteTarget() throws Exception {
    var sqlite = Targets.sqlite("kill9");
    killMidwayAndResume(
        sqlite, false, "sqlite:" + sqlite.getUrl().substring("jdbc:sqlite:".length()));
  }

  private void killMidwayAndResume(DataSource target, boolean postgres, String targetArg)
      throws Exception {
    Ledgered.create(target, postgres, ROWS);
    String doomed = "doomed-" + (postgres ? "pg" : "sqlite");
    child =
        ChildNode.start(
            BackfillNodeProcess.class,
            doomed,
            TestDatabase.jdbcUrl(),
            db.schema(),
            doomed,
            targetArg);
    Await.until(
        "the child has committed a few batches",
        () ->
            Targets.scalar(target, "SELECT count(*) FROM ledger WHERE node = '" + doomed + "'")
                >= 8);
    child.kill();
    long committedByChild = Targets.scalar(target, "SELECT count(*) FROM ledger");
    assertThat(committedByChild).isLessThan(ROWS / 100); // it died mid-way

    survivor =
        db.builder()
            .nodeId("survivor")
            .backfill(Ledgered.definition("ledgered", target, "survivor", 0).build())
            .build();
    survivor.start();
    assertThat(survivor.backfills().awaitFinished("ledgered", Duration.ofMinutes(2))).isTrue();

    // Every row changed exactly once.
    assertThat(Targets.scalar(target, "SELECT count(*) FROM items WHERE v <> 1")).isZero();
    // The ledger tiles the key range: each batch starts where the previous one ended.
    List<long[]> ledger = new ArrayList<>();
    List<String> nodes = new ArrayList<>();
    try (Connection c = target.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT lo, hi, node FROM ledger ORDER BY hi")) {
      while (rs.next()) {
        long lo = rs.getLong(1);
        ledger.add(new long[] {rs.wasNull() ? Long.MIN_VALUE : lo, rs.getLong(2)});
        nodes.add(rs.getString(3));
      }
    }
    assertThat(ledger.get(0)[0]).isEqualTo(Long.MIN_VALUE);
    for (int i = 1; i < ledger.size(); i++) {
      assertThat(ledger.get(i)[0])
          .as("batch %d starts where batch %d ended", i, i - 1)
          .isEqualTo(ledger.get(i - 1)[1]);
    }
    assertThat(ledger.get(ledger.size() - 1)[1]).isEqualTo(3L * ROWS);
    int handover = nodes.indexOf("survivor");
    assertThat(handover).isEqualTo((int) committedByChild);
    assertThat(nodes.subList(0, handover)).containsOnly(doomed);
    assertThat(nodes.subList(handover, nodes.size())).containsOnly("survivor");
    // The survivor took over with a newer fence, after the dead node's lease ran out.
    BackfillStatus status = survivor.backfills().get("ledgered").orElseThrow();
    assertThat(status.fence()).isEqualTo(2);
    assertThat(status.rowsProcessed()).isEqualTo(ROWS);
    assertThat(
            Targets.scalar(
                target, "SELECT fence FROM millrace_backfill_state WHERE name = 'ledgered'"))
        .isEqualTo(2);
  }
}
