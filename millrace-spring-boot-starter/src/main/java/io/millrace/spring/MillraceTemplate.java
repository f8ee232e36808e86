package io.millrace.spring;

import io.millrace.Millrace;
import io.millrace.base.MillraceException;
import io.millrace.jobs.EnqueueResult;
import io.millrace.jobs.JobRequest;
import io.millrace.projections.AppendResult;
import io.millrace.projections.NewEvent;
import io.millrace.workflows.SubmittedWorkflow;
import io.millrace.workflows.WorkflowRequest;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Millrace's writes for Spring code: inside a Spring transaction they join it (a job enqueued in a
 * {@code @Transactional} method exists only if that method commits); outside one, each runs in a
 * transaction of its own, as {@link Millrace}'s connection-less methods do.
 *
 * <p>A template, not advice on the {@link Millrace} bean: {@code Millrace} is a final class whose
 * connection-less methods promise their own transaction, and silently changing that promise for one
 * caller would make the same call mean two things. Here the choice is in the type the caller
 * injects.
 *
 * <p>Joining takes the transaction's connection with {@link DataSourceUtils#getConnection} (the one
 * Spring's DataSource or JPA transaction manager bound, savepoints and all) and hands it back with
 * {@link DataSourceUtils#releaseConnection}, which leaves a transaction's connection open for the
 * rest of the transaction. A transaction that is active but does not cover Millrace's DataSource
 * (one on another database) is refused loudly: the write would commit on its own, whatever the
 * transaction later does.
 *
 * <p>The node is resolved on first use, so a handler bean may inject this template although the
 * node is built from the handler beans.
 */
public final class MillraceTemplate {
  private final Supplier<Millrace> millrace;
  private final DataSource dataSource;

  public MillraceTemplate(Supplier<Millrace> millrace, DataSource dataSource) {
    this.millrace = millrace;
    this.dataSource = dataSource;
  }

  /** Enqueues one job in the current Spring transaction, or in its own. */
  public EnqueueResult enqueue(JobRequest request) {
    return write(c -> node().enqueue(c, request), () -> node().enqueue(request));
  }

  /** Enqueues many jobs in one statement, in the current Spring transaction or in their own. */
  public List<EnqueueResult> enqueueAll(List<JobRequest> requests) {
    return write(c -> node().enqueueAll(c, requests), () -> node().enqueueAll(requests));
  }

  /** Submits a workflow in the current Spring transaction, or in its own. */
  public SubmittedWorkflow submit(WorkflowRequest request) {
    return write(
        c -> node().workflows().submit(c, request), () -> node().workflows().submit(request));
  }

  /**
   * Appends events to a stream in the current Spring transaction, or in their own. See {@link
   * io.millrace.projections.EventStore#append(Connection, String, long, List)} for what a lost race
   * means at each isolation level.
   */
  public AppendResult append(String stream, long expectedVersion, List<NewEvent> events) {
    return write(
        c -> node().events().append(c, stream, expectedVersion, events),
        () -> node().events().append(stream, expectedVersion, events));
  }

  /** The node, for reads and administration (which never join a transaction). */
  public Millrace millrace() {
    return node();
  }

  /** True when a write here would join the current thread's Spring transaction. */
  public boolean joinsTransaction() {
    return TransactionSynchronizationManager.isActualTransactionActive();
  }

  private Millrace node() {
    return millrace.get();
  }

  private <T> T write(Function<Connection, T> joined, Supplier<T> standalone) {
    if (!joinsTransaction()) {
      return standalone.get();
    }
    Connection connection = DataSourceUtils.getConnection(dataSource);
    try {
      requireTransactional(connection);
      return joined.apply(connection);
    } finally {
      DataSourceUtils.releaseConnection(connection, dataSource);
    }
  }

  private static void requireTransactional(Connection connection) {
    boolean autoCommit;
    try {
      autoCommit = connection.getAutoCommit();
    } catch (SQLException e) {
      throw new MillraceException("could not read the transaction's connection state", e);
    }
    if (autoCommit) {
      throw new MillraceException(
          "a Spring transaction is active but does not cover the DataSource Millrace uses, so"
              + " this write would commit on its own; run it in a transaction managed for that"
              + " DataSource, or outside any transaction");
    }
  }
}
