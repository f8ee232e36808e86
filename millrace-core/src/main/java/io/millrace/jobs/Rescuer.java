package io.millrace.jobs;

import io.millrace.internal.sql.SqlFile;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Leader task: jobs whose lease expired (their node died, hung or lost the database) are put back
 * to retry, or finished as failed or cancelled when no attempt is left or a cancel was requested.
 * The lost attempt counts, and its (id, attempt) token is dead: the next claim increments attempt,
 * so anything the old attempt writes later is fenced out.
 *
 * <p>Completions win over rescue: with a {@code grace}, nothing is rescued until the database has
 * been up for that long ({@code pg_postmaster_start_time()}), so after a restart the nodes first
 * renew the leases of what they still hold. (The leader also waits the grace after it takes over,
 * which covers outages that are not restarts; see {@code
 * io.millrace.internal.cluster.Task#settle}.)
 *
 * <p>Termination: each batch moves rows out of the expired set (state changes away from running),
 * so the loop ends when a batch comes back short. Idempotence: SKIP LOCKED and the state predicate
 * make a concurrent second run take disjoint rows or none.
 */
final class Rescuer {
  private static final int BATCH = 1_000;

  private final DataSource dataSource;
  private final SqlFile sql;
  private final Duration grace;

  Rescuer(DataSource dataSource, SchemaName schema) {
    this(dataSource, schema, Duration.ZERO);
  }

  Rescuer(DataSource dataSource, SchemaName schema, Duration grace) {
    this.dataSource = dataSource;
    this.sql = SqlFile.load(Rescuer.class, "maintenance.sql", schema);
    this.grace = grace;
  }

  /** Returns the number of jobs rescued. */
  int rescue() throws SQLException {
    int total = 0;
    try (Connection c = dataSource.getConnection()) {
      for (String statement : new String[] {"rescue_exhausted", "rescue_retry"}) {
        int n;
        do {
          n = run(c, statement);
          total += n;
        } while (n == BATCH);
      }
    }
    return total;
  }

  private int run(Connection c, String statement) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get(statement))) {
      ps.setLong(1, grace.toMillis());
      ps.setInt(2, BATCH);
      int n = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          n++;
        }
      }
      return n;
    }
  }
}
