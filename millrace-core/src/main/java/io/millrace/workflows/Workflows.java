package io.millrace.workflows;

import io.micrometer.core.instrument.MeterRegistry;
import io.millrace.base.JsonCodec;
import io.millrace.base.MillraceException;
import io.millrace.base.ValidationException;
import io.millrace.internal.cluster.Notifier;
import io.millrace.internal.sql.SqlFile;
import io.millrace.internal.sql.Transactions;
import io.millrace.jobs.JobRequest;
import io.millrace.schema.SchemaName;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Workflows: jobs that depend on jobs. Submit a DAG of steps atomically (in your transaction if you
 * pass one); each member is an ordinary job once its join is met, and a member whose join can no
 * longer be met is skipped. Every terminal transition of a member inserts a completion event in its
 * own transaction; a {@link Dispatcher} on every node advances the workflow one hop per event, and
 * the leader's {@link Reconciler} finishes any cascade a crash interrupted.
 */
public final class Workflows {
  public static final int MAX_PAGE = 500;
  private static final int PRUNE_BATCH = 1_000;

  /** What {@link #cancel} did. */
  public enum CancelResult {
    /** Waiting members are cancelled; running members (if any) were asked to stop. */
    CANCELLED,
    NOT_FOUND
  }

  private final DataSource dataSource;
  private final SchemaName schema;
  private final WorkflowValidator validator;
  private final WorkflowStore store;
  private final WorkflowReader reader;
  private final Dispatcher dispatcher;
  private final Reconciler reconciler;
  private final WorkflowOptions options;
  private final SqlFile sql;
  // Null until start(), and while this node does not dispatch.
  private @Nullable CascadeDispatch cascade;

  /**
   * @param maxArgsBytes the largest args document a step may carry (as for any job)
   * @param kindAccepted which kinds steps may have (as for any job)
   * @param maxAttempts the max attempts a step is stored with (as for any job)
   */
  Workflows(
      DataSource dataSource,
      SchemaName schema,
      int maxArgsBytes,
      Predicate<String> kindAccepted,
      java.util.function.ToIntFunction<JobRequest> maxAttempts,
      WorkflowOptions options,
      MeterRegistry meters,
      JsonCodec codec) {
    this.dataSource = dataSource;
    this.schema = schema;
    this.options = options;
    this.sql = SqlFile.load(Workflows.class, "workflows.sql", schema);
    this.validator = new WorkflowValidator(maxArgsBytes, kindAccepted, codec);
    this.store = new WorkflowStore(schema, sql, maxAttempts);
    this.reader = new WorkflowReader(sql);
    this.dispatcher = new Dispatcher(dataSource, schema, sql, meters);
    this.reconciler = new Reconciler(dataSource, sql, dispatcher, options, meters);
  }

  /** Submits a workflow in a transaction of its own. */
  public SubmittedWorkflow submit(WorkflowRequest request) {
    String[] args = validator.validate(request);
    try {
      return Transactions.inTransaction(dataSource, c -> store.submit(c, request, args));
    } catch (SQLException e) {
      throw new MillraceException("workflow submit failed: " + e.getMessage(), e);
    }
  }

  /**
   * Submits a workflow inside the caller's transaction: it exists only if the caller commits, and
   * its first steps become visible to workers at that commit.
   */
  public SubmittedWorkflow submit(Connection connection, WorkflowRequest request) {
    String[] args = validator.validate(request);
    try {
      return store.submit(connection, request, args);
    } catch (SQLException e) {
      throw new MillraceException("workflow submit failed: " + e.getMessage(), e);
    }
  }

  /** A workflow with its members (and their states) and edges. */
  public Optional<WorkflowView.Detail> get(long id) {
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        // One snapshot, so members, edges and the summary agree.
        Transactions.repeatableRead(c);
        return reader.get(c, id);
      } finally {
        c.rollback();
        c.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw new MillraceException("could not read workflow " + id, e);
    }
  }

  /**
   * Newest first; the last id of a full page is the {@code beforeId} of the next one.
   *
   * @param namespace only this namespace, or null
   * @param tag only workflows with this tag, or null
   */
  public List<WorkflowView.Summary> list(
      @Nullable String namespace, @Nullable String tag, @Nullable Long beforeId, int limit) {
    if (namespace != null) {
      io.millrace.jobs.JobRequest.requireName("namespace", namespace);
    }
    if (tag != null) {
      io.millrace.jobs.JobRequest.requireName("tag", tag);
    }
    if (limit < 1 || limit > MAX_PAGE) {
      throw new ValidationException(
          "limit", "must be between 1 and " + MAX_PAGE + ", got " + limit);
    }
    try (Connection c = dataSource.getConnection()) {
      return reader.list(c, namespace, tag, beforeId, limit);
    } catch (SQLException e) {
      throw new MillraceException("could not list workflows", e);
    }
  }

  /**
   * Cancels every member that has not finished, in one transaction: waiting members (pending,
   * available, scheduled, retryable) at once, running members by asking their nodes to stop.
   * Members already finished keep their state. Repeating a cancel is harmless.
   */
  public CancelResult cancel(long id) {
    try {
      WorkflowStore.CancelCounts counts =
          Transactions.inTransaction(dataSource, c -> store.cancel(c, id));
      return counts.found() ? CancelResult.CANCELLED : CancelResult.NOT_FOUND;
    } catch (SQLException e) {
      throw new MillraceException("could not cancel workflow " + id, e);
    }
  }

  /**
   * What a member's handler reads of its parents, by step name: state and result. Call it with the
   * running job's id ({@code job.id()}); a job outside any workflow has no parents.
   */
  public Map<String, WorkflowView.ParentResult> parentResults(long jobId) {
    try (Connection c = dataSource.getConnection()) {
      return reader.parentResults(c, jobId);
    } catch (SQLException e) {
      throw new MillraceException("could not read the parents of job " + jobId, e);
    }
  }

  /** One reconciler sweep now (the leader runs one every maintenance tick). */
  Reconciler.Report reconcile() throws SQLException {
    return reconciler.tick();
  }

  /**
   * Leader housekeeping: removes finished workflows (members, edges, events) whose last member
   * finished longer ago than the retention, in batches until none is left. Returns how many.
   */
  int prune() throws SQLException {
    int removed = 0;
    int batch;
    do {
      batch = 0;
      try (Connection c = dataSource.getConnection();
          java.sql.PreparedStatement ps = c.prepareStatement(sql.get("prune_workflows"))) {
        ps.setLong(1, options.retention().toMillis());
        ps.setLong(2, options.retention().toMillis());
        ps.setInt(3, PRUNE_BATCH);
        try (java.sql.ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            batch++;
          }
        }
      }
      removed += batch;
    } while (batch == PRUNE_BATCH);
    return removed;
  }

  /**
   * Starts dispatching the completion events this node hears about from {@code notifier} (if the
   * options allow and the node listens; otherwise the reconciler advances every workflow).
   */
  synchronized void start(Notifier notifier) {
    if (options.dispatch() && notifier.enabled() && cascade == null) {
      CascadeDispatch started = new CascadeDispatch(dispatcher);
      started.start();
      // What was announced while the connection was down is the reconciler's once stale.
      notifier.subscribe(schema.workflowsChannel(), started::announced, () -> {});
      cascade = started;
    }
  }

  synchronized void stop() {
    if (cascade != null) {
      cascade.close();
      cascade = null;
    }
  }

  /** Test-only access to the dispatcher (fault point, races). */
  Dispatcher dispatcher() {
    return dispatcher;
  }
}
