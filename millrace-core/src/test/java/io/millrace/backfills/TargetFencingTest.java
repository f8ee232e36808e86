package io.millrace.backfills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.millrace.testing.TestDatabase;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fencing token in the target: once a newer fence has claimed the state row, a batch carrying
 * the old fence commits nothing (neither the body nor the cursor), and the old fence cannot claim
 * the row back.
 */
class TargetFencingTest {
  TestDatabase db;
  HikariDataSource pgTarget;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create("backfill_fence");
    db.execute("CREATE SCHEMA IF NOT EXISTS {schema}");
  }

  @AfterEach
  void tearDown() {
    if (pgTarget != null) {
      pgTarget.close();
    }
    db.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"postgres", "sqlite"})
  void aStaleFenceCommitsNothing(String kind) throws Exception {
    DataSource target =
        kind.equals("postgres")
            ? (pgTarget = Targets.postgres(db.schema(), 2))
            : Targets.sqlite("fence");
    Ledgered.create(target, kind.equals("postgres"), 1000);
    TargetStore store = new TargetStore(Ledgered.definition("fenced", target, "old", 0).build());

    TargetStore.State old = store.claim(1);
    assertThat(old.upper()).isEqualTo(3000L);
    assertThat(store.batch(1, old, null, 100)).isInstanceOf(TargetStore.Outcome.Advanced.class);

    TargetStore.State taken = store.claim(2);
    assertThat(taken.cursor()).isEqualTo(300L);
    assertThat(store.batch(1, old, 300L, 100)).isInstanceOf(TargetStore.Outcome.FencedOut.class);
    assertThatThrownBy(() -> store.claim(1)).isInstanceOf(TargetStore.FencedOutException.class);

    assertThat(Targets.scalar(target, "SELECT count(*) FROM items WHERE v = 1")).isEqualTo(100);
    assertThat(Targets.scalar(target, "SELECT count(*) FROM ledger")).isEqualTo(1);
    assertThat(store.read().cursor()).isEqualTo(300L);
    assertThat(store.batch(2, taken, 300L, 100)).isInstanceOf(TargetStore.Outcome.Advanced.class);
    assertThat(store.read().cursor()).isEqualTo(600L);
  }
}
