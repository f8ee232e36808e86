package io.millrace.projections;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.ChildNode;
import io.millrace.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A node rebuilding a projection in a child JVM gets SIGTERM halfway: it finishes the page in
 * flight, releases the lease and exits. A restarted node resumes from that checkpoint at once (no
 * lease to wait out), replays only the rest, and every event is counted exactly once.
 */
@Tag("slow")
class SigtermRebuildTest {
  static final int EVENTS = 2_000;

  TestDatabase db;
  Millrace client;
  ChildNode child;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("sigterm");
    client = db.migratedClient();
    Tally.createTables(db);
    Tally.append(client.events(), EVENTS, 4);
  }

  @AfterEach
  void tearDown() {
    if (child != null) {
      child.close();
    }
    client.close();
    db.close();
  }

  @Test
  void aRestartAfterSigtermResumesFromTheCheckpointWithoutDoubleCounting() {
    child =
        ChildNode.startMain(ProjectionProcess.class, "sigterm-child", db.schema(), "sigterm-child");
    Await.until("the child is rebuilding", () -> Tally.appliedRows(db, "sig") >= 200);
    assertThat(child.terminate()).isIn(0, 143);
    long checkpointed =
        Long.parseLong(
            db.column("SELECT events_applied FROM {schema}.projections WHERE name = 'sig'").get(0));
    assertThat(checkpointed).isBetween(200L, (long) EVENTS - 1);
    assertThat(Tally.total(db, "sig")).isEqualTo(checkpointed);
    assertThat(db.column("SELECT coalesce(lease_owner, 'released') FROM {schema}.projections"))
        .containsExactly("released");
    assertThat(Tally.status(db, "sig")).isEqualTo("catching_up");

    Millrace restarted =
        db.builder()
            .nodeId("restarted")
            .projection(Tally.projection(db, "sig", "1").build())
            .build();
    try {
      restarted.start();
      Await.until("ready", () -> "ready".equals(Tally.status(db, "sig")));
      assertThat(Tally.total(db, "sig")).isEqualTo(EVENTS);
      assertThat(Tally.appliedRows(db, "sig")).isEqualTo(EVENTS);
      assertThat(
              restarted
                  .meters()
                  .get("millrace.projection.events.replayed")
                  .tag("projection", "sig")
                  .counter()
                  .count())
          .isEqualTo(EVENTS - checkpointed);
    } finally {
      restarted.close();
    }
  }
}
