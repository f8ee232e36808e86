package io.millrace.jobs;

import io.millrace.schema.SchemaName;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Lets tests in other packages drive the jobs machinery directly (retention at a chosen instant, a
 * schedule registered without a node), which the public API reaches only through a node's leader.
 */
public final class JobsTestAccess {
  private JobsTestAccess() {}

  /** History retention with these limits; see {@link HistoryRetention}. */
  public static final class Retention {
    private final HistoryRetention retention;

    public Retention(DataSource dataSource, SchemaName schema, Map<JobState, Duration> keep) {
      this.retention = new HistoryRetention(dataSource, schema, keep);
    }

    public int ensurePartitions(Instant now) throws SQLException {
      return retention.ensurePartitions(now);
    }

    public int enforce(Instant now) throws SQLException {
      return retention.enforce(now);
    }

    public List<String> partitions() throws SQLException {
      return retention.partitions();
    }
  }

  /** Registers periodic jobs as a starting node would. */
  public static void registerPeriodic(
      DataSource dataSource, SchemaName schema, List<PeriodicJob> jobs) {
    new PeriodicJobs(
            dataSource,
            schema,
            Duration.ofMinutes(1),
            JobRequest::maxAttempts,
            io.millrace.base.Jackson2Codec.defaults(),
            "tests",
            Duration.ofMinutes(10))
        .register(jobs);
  }
}
