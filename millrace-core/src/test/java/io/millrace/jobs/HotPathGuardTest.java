package io.millrace.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.millrace.Millrace;
import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import io.millrace.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The history guard's triggers (V8__history_guard.sql) never run for the statements that finish
 * jobs: those insert through job_history itself, which carries no INSERT trigger, so the hot path
 * pays nothing for them. Counted with PostgreSQL's per-transaction function statistics.
 */
class HotPathGuardTest {
  @Test
  void finishingJobsNeverRunsTheGuardButAHandDeleteDoes() throws Exception {
    try (TestDatabase db = TestDatabase.create("hot_path_guard")) {
      Millrace client = db.migratedClient();
      SchemaName schema = SchemaName.of(db.schema());
      List<JobRequest> jobs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        jobs.add(JobRequest.of("k", Map.of()).queue("hot"));
      }
      client.enqueueAll(jobs);
      List<ClaimedJob> held =
          new JobStore(db.dataSource(), schema).claim("hot", 4, "w", Duration.ofMinutes(5));
      assertThat(held).hasSize(4);
      SqlFile sql = SqlFile.load(JobStore.class, "jobs.sql", schema);

      try (Connection c = db.dataSource().getConnection()) {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
          s.execute("SET LOCAL track_functions = 'pl'");
        }
        try (PreparedStatement ps = c.prepareStatement(sql.get("complete_batch"))) {
          ps.setArray(1, c.createArrayOf("int8", new Long[] {held.get(0).id(), held.get(1).id()}));
          ps.setArray(
              2,
              c.createArrayOf(
                  "int4", new Integer[] {held.get(0).attempt(), held.get(1).attempt()}));
          ps.setArray(3, c.createArrayOf("text", new String[] {null, "{\"ok\": true}"}));
          ps.setArray(4, c.createArrayOf("text", new String[] {null, null}));
          ps.executeQuery().close();
        }
        for (int i = 2; i < 4; i++) {
          try (PreparedStatement ps = c.prepareStatement(sql.get("finish_with_error"))) {
            ps.setLong(1, held.get(i).id());
            ps.setInt(2, held.get(i).attempt());
            ps.setString(3, i == 2 ? "failed" : "cancelled");
            ps.setString(4, "{\"message\": \"x\"}");
            ps.executeQuery().close();
          }
        }
        assertThat(db.count("FROM {schema}.job_history")).isZero(); // not committed yet
        assertThat(guardCalls(c, db.schema())).as("guard calls while finishing four jobs").isZero();

        // The probe itself works: a hand delete in the same transaction runs the guard.
        try (Statement s = c.createStatement()) {
          s.execute("DELETE FROM \"" + db.schema() + "\".job_history WHERE state = 'failed'");
        }
        assertThat(guardCalls(c, db.schema())).isPositive();
        c.rollback();
      }
      client.close();
    }
  }

  private static long guardCalls(Connection c, String schema) throws Exception {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions"
                + " WHERE schemaname = ? AND funcname IN ('history_deleted', 'history_inserted',"
                + " 'history_updated', 'history_truncated', 'distrust_counters')")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
