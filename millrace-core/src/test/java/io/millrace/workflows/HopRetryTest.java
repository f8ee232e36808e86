package io.millrace.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.Millrace;
import io.millrace.jobs.JobRequest;
import io.millrace.schema.SchemaName;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A hop that loses to a lock timeout is retried in a fresh transaction with bounded backoff: it
 * advances once the lock is gone, and after too many losses it gives up loudly, leaving the event
 * undispatched (for the reconciler) and nothing half-applied.
 */
class HopRetryTest {
  static TestDatabase db;
  static Millrace client;
  static HikariDataSource impatient;

  @BeforeAll
  static void start() {
    db = TestDatabase.create("wfretry");
    client = db.migratedClient();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(TestDatabase.jdbcUrl());
    config.setUsername("postgres");
    config.setPassword("postgres");
    config.setMaximumPoolSize(2);
    config.setConnectionInitSql("SET lock_timeout = '20ms'");
    impatient = new HikariDataSource(config);
  }

  @AfterAll
  static void stop() {
    impatient.close();
    client.close();
    db.close();
  }

  static Dispatcher dispatcher(SimpleMeterRegistry meters) {
    return new Workflows(
            impatient,
            SchemaName.of(db.schema()),
            1 << 20,
            kind -> true,
            io.millrace.jobs.JobRequest::maxAttempts,
            WorkflowOptions.DEFAULT,
            meters,
            io.millrace.base.Jackson2Codec.defaults())
        .dispatcher();
  }

  /** A parent cancelled (its event waits) and a transaction holding its child's member row. */
  static long[] blockedHop(Connection holder) throws SQLException {
    SubmittedWorkflow wf =
        client
            .workflows()
            .submit(
                WorkflowRequest.named("retry")
                    .step("a", JobRequest.of("k", Map.of()))
                    .step("b", JobRequest.of("k", Map.of()), "a"));
    client.admin().cancel(wf.jobId("a"));
    long event = CrashCascadeTest.eventOf(wf.jobId("a"), db);
    holder.setAutoCommit(false);
    try (Statement st = holder.createStatement()) {
      st.execute(
          "SELECT 1 FROM \""
              + db.schema()
              + "\".workflow_members WHERE job_id = "
              + wf.jobId("b")
              + " FOR UPDATE");
    }
    return new long[] {event, wf.jobId("b")};
  }

  @Test
  void aHopThatTimesOutOnALockIsRetriedAndAdvancesOnceTheLockIsGone() throws Exception {
    long[] hop;
    CompletableFuture<Dispatcher.Hop> result;
    try (Connection holder = db.dataSource().getConnection()) {
      hop = blockedHop(holder);
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      Dispatcher dispatcher = dispatcher(meters);
      result =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return dispatcher.dispatch(hop[0]);
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              });
      // Let at least one attempt time out on the lock (and be retried) before it is released.
      while (meters.counter("millrace.workflows.hop.retries").count() == 0 && !result.isDone()) {
        Thread.onSpinWait();
      }
      holder.rollback();
    }
    assertThat(result.get().advanced()).isTrue();
    assertThat(db.column("SELECT state FROM {schema}.job_history WHERE id = " + hop[1]))
        .containsExactly("skipped");
  }

  @Test
  void aHopThatKeepsLosingGivesUpLoudlyAndLeavesTheEventForTheReconciler() throws Exception {
    try (Connection holder = db.dataSource().getConnection()) {
      long[] hop = blockedHop(holder);
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      assertThatThrownBy(() -> dispatcher(meters).dispatch(hop[0]))
          .isInstanceOf(SQLException.class)
          .extracting(e -> ((SQLException) e).getSQLState())
          .isEqualTo("55P03");
      holder.rollback();
      assertThat(meters.counter("millrace.workflows.hop.retries").count())
          .isEqualTo(Dispatcher.MAX_TRIES - 1);
      assertThat(
              db.count(
                  "FROM {schema}.workflow_events WHERE dispatched_at IS NULL AND id = " + hop[0]))
          .isEqualTo(1);
      assertThat(db.column("SELECT state FROM {schema}.jobs WHERE id = " + hop[1]))
          .containsExactly("pending");
      assertThat(db.column("SELECT failed FROM {schema}.workflow_members WHERE job_id = " + hop[1]))
          .containsExactly("0");
    }
  }
}
