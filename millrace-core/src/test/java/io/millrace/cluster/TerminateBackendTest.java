package io.millrace.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.testing.Await;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * While three nodes work, every session they hold is killed with {@code pg_terminate_backend} again
 * and again: pooled connections mid-statement, the LISTEN connection and the leader's connection
 * with its advisory lock. Nodes must reconnect by themselves and finish every job exactly once; a
 * job may run more than once (its effect committed, its completion killed).
 */
@Tag("slow")
class TerminateBackendTest {
  static final int JOBS = 4_000;
  static final int ROUNDS = 12;

  TestDatabase db;
  EffectNodes cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
    db.close();
  }

  @Test
  void nodesSurviveTerminatedSessionsAndFinishEveryJobOnce() throws Exception {
    db = TestDatabase.create("terminate");
    String application = "millrace-nodes-" + db.schema();
    cluster =
        new EffectNodes(
            db.schema(), () -> TestDatabase.pool(TestDatabase.jdbcUrl(), 16, application));
    Millrace client = cluster.migrate();
    for (String name : new String[] {"t1", "t2", "t3"}) {
      cluster.start(name, Duration.ofMillis(20));
    }
    for (int from = 0; from < JOBS; from += 500) {
      client.enqueueAll(EffectNodes.jobs(from, 500));
    }

    int killed = 0;
    int roundsMidRun = 0;
    boolean killedLeader = false;
    boolean killedListener = false;
    for (int round = 0; round < ROUNDS && db.count("FROM {schema}.job_history") < JOBS; round++) {
      Await.until("sessions to kill", () -> sessions(application) > 0);
      killedLeader |= holdsAdvisoryLock(application);
      killedListener |= listens(application);
      killed += terminate(application);
      roundsMidRun++;
      Thread.sleep(400); // let nodes reconnect and make some progress before the next round
    }
    assertThat(roundsMidRun)
        .as("rounds of killing while jobs were still unfinished")
        .isGreaterThanOrEqualTo(3);
    assertThat(killed).isGreaterThan(roundsMidRun);
    assertThat(killedLeader).as("the leader's session was among those killed").isTrue();
    assertThat(killedListener).as("a LISTEN session was among those killed").isTrue();

    Await.until(
        "every job finished",
        Duration.ofMinutes(4),
        () -> db.count("FROM {schema}.job_history") >= JOBS);
    assertThat(db.count("FROM {schema}.job_history")).isEqualTo(JOBS);
    assertThat(db.count("FROM {schema}.job_history WHERE state = 'completed'")).isEqualTo(JOBS);
    assertThat(
            db.count(
                "FROM (SELECT id FROM {schema}.job_history GROUP BY id HAVING count(*) = 1) h"))
        .as("every job finished exactly once")
        .isEqualTo(JOBS);
    assertThat(db.count("FROM (SELECT DISTINCT job_id FROM {schema}.effects) e")).isEqualTo(JOBS);
    assertThat(db.count("FROM {schema}.jobs")).isZero();
    Await.until(
        "a leader again, holding the lock",
        () ->
            cluster.nodes().stream().filter(Millrace::isLeader).count() >= 1
                && holdsAdvisoryLock(application));
    // Each node holds one LISTEN session, its notifier's, for every channel it hears.
    Await.until(
        "every node listening again",
        () ->
            cluster.nodes().stream().allMatch(Millrace::isListening)
                && queryLong(
                        "SELECT count(*) FROM pg_stat_activity"
                            + " WHERE application_name = ? AND query LIKE 'LISTEN%'",
                        application)
                    == 3);
  }

  private long sessions(String application) {
    return queryLong(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?", application);
  }

  private boolean holdsAdvisoryLock(String application) {
    return queryLong(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = ?",
            application)
        > 0;
  }

  private boolean listens(String application) {
    return queryLong(
            "SELECT count(*) FROM pg_stat_activity"
                + " WHERE application_name = ? AND query LIKE 'LISTEN%'",
            application)
        > 0;
  }

  private int terminate(String application) {
    return (int)
        queryLong(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                + " WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = ?",
            application);
  }

  private long queryLong(String sql, String application) {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, application);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
