package io.millrace.workflows;

import io.millrace.internal.cluster.Component;
import io.millrace.internal.cluster.NodeContext;
import io.millrace.internal.cluster.Task;
import io.millrace.jobs.JobRequest;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * The workflows capability of one node: submit, read and cancel from the moment it is built; once
 * started, the cascade that advances dependents as their parents finish; on the leader, the
 * reconciler that repairs any step the cascade missed, and pruning of finished workflows.
 */
public final class WorkflowsComponent implements Component {
  /**
   * The threads that dispatch completion events on a node with dispatch and listen on, one pooled
   * each.
   */
  public static final int DISPATCH_THREADS = CascadeDispatch.DISPATCH_THREADS;

  private final Workflows workflows;
  private final io.millrace.internal.cluster.Notifier notifier;

  /**
   * @param maxArgsBytes the largest args document a step may carry (as for any job)
   * @param kindAccepted which kinds steps may have (as for any job)
   * @param maxAttempts the max attempts a step is stored with (as for any job: its own, or its
   *     kind's retry policy's)
   */
  public WorkflowsComponent(
      NodeContext node,
      WorkflowOptions options,
      int maxArgsBytes,
      Predicate<String> kindAccepted,
      ToIntFunction<JobRequest> maxAttempts) {
    this.notifier = node.notifier();
    this.workflows =
        new Workflows(
            node.dataSource(),
            node.schema(),
            maxArgsBytes,
            kindAccepted,
            maxAttempts,
            options,
            node.meters(),
            node.json());
  }

  public Workflows workflows() {
    return workflows;
  }

  @Override
  public void start(ScheduledExecutorService timer) {
    workflows.start(notifier);
  }

  @Override
  public void stop(long deadlineNanos) {
    workflows.stop();
  }

  @Override
  public List<Task> leaderTasks() {
    return List.of(new Task("workflow-reconciler", workflows::reconcile));
  }

  @Override
  public List<Task> housekeeping() {
    return List.of(new Task("workflow-retention", workflows::prune));
  }
}
