package io.millrace.workflows;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.millrace.schema.SchemaName;
import java.sql.SQLException;
import java.util.function.Predicate;
import javax.sql.DataSource;

/**
 * Lets tests in other packages run workflows without a node and sweep the reconciler on demand,
 * which the public API reaches only through a node's leader.
 */
public final class WorkflowsTestAccess {
  private WorkflowsTestAccess() {}

  public static Workflows create(
      DataSource dataSource,
      SchemaName schema,
      int maxArgsBytes,
      Predicate<String> kindAccepted,
      WorkflowOptions options) {
    return new Workflows(
        dataSource,
        schema,
        maxArgsBytes,
        kindAccepted,
        io.millrace.jobs.JobRequest::maxAttempts,
        options,
        new SimpleMeterRegistry(),
        io.millrace.base.Jackson2Codec.defaults());
  }

  /** One reconciler sweep; returns how many workflows it advanced. */
  public static int reconcile(Workflows workflows) throws SQLException {
    return workflows.reconcile().reconciled();
  }
}
